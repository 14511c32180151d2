/**
 * The Notion HTTP client of the connector: Bearer token, `Notion-Version`, the step's
 * idempotency key, and the mapping of a classified failure to control-flow errors.
 * @module
 */
import { request } from 'undici'
import { ErrorCodes, NonRetryableError, RateLimitedError, RetryAfterError, RetryableError } from '../../errors.js'
import type { ActionContext } from '../contract.js'
import { classifyNotion } from './classify.js'
import type { NotionConnection } from './connection.js'

export type Ctx = ActionContext<NotionConnection>

export async function notionCall<T>(
  ctx: Ctx,
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  body?: unknown,
  version?: string,
): Promise<T> {
  const url = `${ctx.connection.baseUrl.replace(/\/+$/, '')}${path}`
  let res: { status: number; headers: Record<string, string | string[] | undefined>; body: unknown }
  try {
    const r = await request(url, {
      method,
      headers: {
        authorization: `Bearer ${ctx.connection.token}`,
        'notion-version': version ?? ctx.connection.notionVersion,
        accept: 'application/json',
        'idempotency-key': ctx.call.idempotencyKey,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: ctx.signal,
    })
    const text = await r.body.text()
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      /* keep the text */
    }
    ctx.observeHeaders?.(r.headers)
    res = { status: r.statusCode, headers: r.headers, body: parsed }
  } catch (e) {
    if (ctx.signal.aborted) throw e
    throw new RetryableError(`Notion ${method} ${path} failed before an answer: ${(e as Error).message}`, {
      code: ErrorCodes.CONNECTOR_NETWORK,
      cause: e,
      providerCode: (e as { code?: string }).code,
    })
  }
  const c = classifyNotion(res, ctx.clock.now())
  if (c.kind === 'ok') return res.body as T
  const msg = `Notion ${method} ${path}: ${c.message ?? `HTTP ${res.status}`}`
  const code = (res.body as { code?: string } | null)?.code
  const opts = { status: res.status, ...(code ? { providerCode: code } : {}) }
  if (c.kind === 'rate-limited') throw new RateLimitedError(msg, c.afterMs, opts)
  if (c.kind === 'retryable') throw c.afterMs !== undefined ? new RetryAfterError(msg, c.afterMs, opts) : new RetryableError(msg, opts)
  throw new NonRetryableError(msg, { status: res.status, providerCode: c.code })
}
