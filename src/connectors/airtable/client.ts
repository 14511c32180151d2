/**
 * The Airtable HTTP client of the connector: one undici request with the Bearer token and
 * the step's idempotency key, and the mapping of a classified failure to control-flow errors.
 * @module
 */
import { request } from 'undici'
import { ErrorCodes, NonRetryableError, RateLimitedError, RetryableError } from '../../errors.js'
import type { ActionContext } from '../contract.js'
import { classifyAirtable, type ProviderResponse } from './classify.js'
import type { AirtableConnection } from './connection.js'

export type Ctx = ActionContext<AirtableConnection>

export function tablePath(base: string, table: string, suffix = ''): string {
  return `/v0/${encodeURIComponent(base)}/${encodeURIComponent(table)}${suffix}`
}

export async function airtableCall(
  ctx: Ctx,
  method: 'GET' | 'POST' | 'PATCH' | 'PUT',
  path: string,
  body?: unknown,
): Promise<ProviderResponse> {
  const url = `${ctx.connection.baseUrl.replace(/\/+$/, '')}${path}`
  try {
    const res = await request(url, {
      method,
      headers: {
        authorization: `Bearer ${ctx.connection.token}`,
        accept: 'application/json',
        'idempotency-key': ctx.call.idempotencyKey,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: ctx.signal,
    })
    const text = await res.body.text()
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      /* keep the text */
    }
    ctx.observeHeaders?.(res.headers)
    return { status: res.statusCode, headers: res.headers, body: parsed }
  } catch (e) {
    if (ctx.signal.aborted) throw e
    throw new RetryableError(`Airtable ${method} ${path.split('?')[0]} failed before an answer: ${(e as Error).message}`, {
      code: ErrorCodes.CONNECTOR_NETWORK,
      cause: e,
      providerCode: (e as { code?: string }).code,
    })
  }
}

/** The error for a refused call, or null when Airtable accepted it. */
export function airtableError(res: ProviderResponse, what: string, ctx: Ctx): Error | null {
  const c = classifyAirtable(res, ctx.clock.now(), ctx.connection.rateLimitWaitMs)
  if (c.kind === 'ok') return null
  const msg = `Airtable ${what}: ${c.message ?? `HTTP ${res.status}`}`
  if (c.kind === 'rate-limited') return new RateLimitedError(msg, c.afterMs, { status: res.status, providerCode: 'RATE_LIMIT_REACHED' })
  if (c.kind === 'retryable') return new RetryableError(msg, { status: res.status })
  return new NonRetryableError(msg, { status: res.status, providerCode: c.code })
}

/** The response body when Airtable accepted the call, else throw the matching control-flow error. */
export function airtableOk<T>(res: ProviderResponse, what: string, ctx: Ctx): T {
  const err = airtableError(res, what, ctx)
  if (err) throw err
  return res.body as T
}
