/**
 * The HubSpot HTTP client of the connector: one undici request with the Bearer token, the
 * step's idempotency key and JSON bodies (every reply's headers go to `ctx.observeHeaders`, so the
 * limiter follows `X-HubSpot-RateLimit-*`), and the mapping of a classified failure to
 * Pipewright's control-flow errors.
 * @module
 */
import { request } from 'undici'
import { ErrorCodes, NonRetryableError, RateLimitedError, RetryAfterError, RetryableError } from '../../errors.js'
import type { ActionContext } from '../contract.js'
import { classifyHubspot, type ProviderResponse } from './classify.js'
import type { HubspotConnection } from './connection.js'

export async function hubspotCall(
  ctx: ActionContext<HubspotConnection>,
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
    ctx.observeHeaders?.(res.headers)
    const text = await res.body.text()
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      /* keep the text */
    }
    return { status: res.statusCode, headers: res.headers, body: parsed }
  } catch (e) {
    if (ctx.signal.aborted) throw e
    throw new RetryableError(`HubSpot ${method} ${path} failed before an answer: ${(e as Error).message}`, {
      code: ErrorCodes.CONNECTOR_NETWORK,
      cause: e,
      providerCode: (e as { code?: string }).code,
    })
  }
}

/** Return the response when HubSpot accepted the call, else throw the matching control-flow error. */
export function hubspotOk(res: ProviderResponse, what: string, now: number): ProviderResponse {
  const c = classifyHubspot(res, now)
  if (c.kind === 'ok') return res
  const msg = `HubSpot ${what}: ${c.message ?? `HTTP ${res.status}`}`
  if (c.kind === 'rate-limited') throw new RateLimitedError(msg, c.afterMs, { status: res.status, providerCode: 'RATE_LIMITS' })
  if (c.kind === 'retryable') {
    if (c.afterMs !== undefined) throw new RetryAfterError(msg, c.afterMs, { status: res.status })
    throw new RetryableError(msg, { status: res.status })
  }
  throw new NonRetryableError(msg, { status: res.status, providerCode: c.code })
}
