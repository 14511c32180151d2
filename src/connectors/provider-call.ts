/**
 * The one JSON-over-HTTP call the SaaS connectors share: undici request with the connector's
 * auth headers and the step's idempotency key, body parsed as JSON when it is JSON (kept as
 * text otherwise — HTML throttle pages), reply headers handed to the gateway's limiter, and a
 * network failure turned into a retryable `PW_CONNECTOR_NETWORK` error. Plus the mapping of a
 * classified reply to the control-flow errors.
 * @module
 */
import { request } from 'undici'
import { ErrorCodes, isPrivateNetworkError, NonRetryableError, RateLimitedError, RetryAfterError, RetryableError } from '../errors.js'
import type { ActionContext, Classification } from './contract.js'

export interface ProviderReply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: unknown
}

export interface ProviderCallOptions {
  /** Service name for messages, e.g. `HubSpot`. */
  service: string
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  /** Full URL. */
  url: string
  /** Auth and service headers (authorization, notion-version …). */
  headers: Record<string, string>
  body?: unknown
  /** Shown in errors instead of the URL (no query strings with secrets). */
  what?: string
}

export async function providerCall(ctx: ActionContext<unknown>, o: ProviderCallOptions): Promise<ProviderReply> {
  try {
    const res = await request(o.url, {
      method: o.method,
      headers: {
        accept: 'application/json',
        'idempotency-key': ctx.call.idempotencyKey,
        ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...o.headers,
      },
      body: o.body === undefined ? undefined : JSON.stringify(o.body),
      signal: ctx.signal,
      dispatcher: ctx.dispatcher,
    })
    ctx.observeHeaders?.(res.headers)
    const text = await res.body.text()
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      // not JSON: keep the text
    }
    return { status: res.statusCode, headers: res.headers, body: parsed }
  } catch (e) {
    if (ctx.signal.aborted || isPrivateNetworkError(e)) throw e
    throw new RetryableError(
      `${o.service} ${o.method} ${o.what ?? new URL(o.url).pathname} failed before an answer: ${(e as Error).message}`,
      {
        code: ErrorCodes.CONNECTOR_NETWORK,
        cause: e,
        providerCode: (e as { code?: string }).code,
      },
    )
  }
}

/** The control-flow error for a classified reply, or null when it was accepted. */
export function errorFor(c: Classification, status: number, message: string, providerCode?: string): Error | null {
  const opts = { status, ...(providerCode ? { providerCode } : {}) }
  switch (c.kind) {
    case 'ok':
      return null
    case 'rate-limited':
      return new RateLimitedError(message, c.afterMs, opts)
    case 'retryable':
      return c.afterMs !== undefined ? new RetryAfterError(message, c.afterMs, opts) : new RetryableError(message, opts)
    case 'permanent':
      return new NonRetryableError(message, { status, providerCode: c.code })
  }
}
