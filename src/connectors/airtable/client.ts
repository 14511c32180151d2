/**
 * The Airtable HTTP client of the connector: one undici request with the Bearer token and
 * the step's idempotency key, and the mapping of a classified failure to control-flow errors.
 * @module
 */
import type { ActionContext } from '../contract.js'
import { errorFor, providerCall } from '../provider-call.js'
import { classifyAirtable, type ProviderResponse } from './classify.js'
import type { AirtableConnection } from './connection.js'

export type Ctx = ActionContext<AirtableConnection>

export function tablePath(base: string, table: string, suffix = ''): string {
  return `/v0/${encodeURIComponent(base)}/${encodeURIComponent(table)}${suffix}`
}

export function airtableCall(
  ctx: Ctx,
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<ProviderResponse> {
  return providerCall(ctx, {
    service: 'Airtable',
    method,
    url: `${ctx.connection.baseUrl.replace(/\/+$/, '')}${path}`,
    what: path.split('?')[0],
    headers: { authorization: `Bearer ${ctx.connection.token}` },
    body,
  })
}

/** The error for a refused call, or null when Airtable accepted it. */
export function airtableError(res: ProviderResponse, what: string, ctx: Ctx): Error | null {
  const c = classifyAirtable(res, ctx.clock.now(), ctx.connection.rateLimitWaitMs)
  return errorFor(
    c,
    res.status,
    `Airtable ${what}: ${(c as { message?: string }).message ?? `HTTP ${res.status}`}`,
    c.kind === 'rate-limited' ? 'RATE_LIMIT_REACHED' : undefined,
  )
}

/** The response body when Airtable accepted the call, else throw the matching control-flow error. */
export function airtableOk<T>(res: ProviderResponse, what: string, ctx: Ctx): T {
  const err = airtableError(res, what, ctx)
  if (err) throw err
  return res.body as T
}
