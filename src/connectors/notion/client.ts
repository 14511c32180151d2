/**
 * The Notion HTTP client of the connector: Bearer token, `Notion-Version`, the step's
 * idempotency key, and the mapping of a classified failure to control-flow errors.
 * @module
 */
import type { ActionContext } from '../contract.js'
import { errorFor, providerCall } from '../provider-call.js'
import { classifyNotion } from './classify.js'
import type { NotionConnection } from './connection.js'

export type Ctx = ActionContext<NotionConnection>

export async function notionCall<T>(
  ctx: Ctx,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  version?: string,
): Promise<T> {
  const res = await providerCall(ctx, {
    service: 'Notion',
    method,
    url: `${ctx.connection.baseUrl.replace(/\/+$/, '')}${path}`,
    what: path,
    headers: { authorization: `Bearer ${ctx.connection.token}`, 'notion-version': version ?? ctx.connection.notionVersion },
    body,
  })
  const c = classifyNotion(res, ctx.clock.now())
  const code = (res.body as { code?: string } | null)?.code
  const err = errorFor(c, res.status, `Notion ${method} ${path}: ${(c as { message?: string }).message ?? `HTTP ${res.status}`}`, code)
  if (err) throw err
  return res.body as T
}

/**
 * A caller for an action that makes several requests: the first goes as the gateway paced it,
 * every later one through `ctx.pace` (the connection's rate limiter), so Notion's average of
 * 3 requests per second holds for each request, not each action.
 */
export function pacedCalls(ctx: Ctx) {
  let first = true
  return <T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> => {
    const go = () => notionCall<T>(ctx, method, path, body)
    if (first || !ctx.pace) {
      first = false
      return go()
    }
    return ctx.pace(go)
  }
}
export type NotionCaller = ReturnType<typeof pacedCalls>
