/**
 * Turns an HTTP reply or a transport failure into the outcome the engine understands:
 * 2xx ok; 408, 429 and 5xx retryable (exact wait when the provider gives one); other 4xx
 * permanent with the status and a snippet of the provider's message; network errors retryable.
 * Messages name method, origin and path only (never the query, which may carry an API key),
 * and every known secret is masked out of provider snippets.
 * @module
 */
import { ErrorCodes, NonRetryableError, RateLimitedError, RetryAfterError, RetryableError } from '../../errors.js'
import { type HeaderBag, waitFromHeaders } from '../../resilience/retry-after.js'

const SNIPPET_MAX = 300

/** Where a request went, safe to print: `POST https://api.example.com/v1/items`. */
export function describeTarget(method: string, url: URL): string {
  return `${method} ${url.origin}${url.pathname}`
}

/** Replace every secret occurrence in `text` with `***`. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***')
  return out
}

/** The provider's own message: common JSON error fields, else the start of the text. */
export function providerMessage(body: unknown): string | undefined {
  if (body === null || body === undefined) return undefined
  if (typeof body === 'string') return body.trim().slice(0, SNIPPET_MAX) || undefined
  if (typeof body !== 'object') return String(body).slice(0, SNIPPET_MAX)
  const b = body as Record<string, unknown>
  const nested = b.error && typeof b.error === 'object' ? (b.error as Record<string, unknown>) : undefined
  const candidates = [b.message, nested?.message, b.error, b.detail, b.title, b.error_description, nested?.type]
  const found = candidates.find((c) => typeof c === 'string' && c.length > 0) as string | undefined
  return (found ?? JSON.stringify(body)).slice(0, SNIPPET_MAX)
}

export interface ReplyFacts {
  status: number
  headers: HeaderBag
  body: unknown
  target: string
  now: number
  secrets: readonly string[]
}

/** The error for a non-2xx reply (never returns for 2xx; callers check first). */
export function errorForReply(r: ReplyFacts): Error {
  const snippet = maskSecrets(providerMessage(r.body) ?? '', r.secrets)
  const message = `${r.target} → ${r.status}${snippet ? `: ${snippet}` : ''}`
  const options = { status: r.status, code: ErrorCodes.CONNECTOR_HTTP, ...(snippet ? { providerCode: snippet } : {}) }
  const waitMs = waitFromHeaders(r.headers, r.now)
  if (r.status === 429) {
    return waitMs !== undefined ? new RateLimitedError(message, waitMs, options) : new RetryableError(message, options)
  }
  if (r.status === 408 || r.status >= 500 || (r.status === 409 && waitMs !== undefined)) {
    return waitMs !== undefined ? new RetryAfterError(message, waitMs, options) : new RetryableError(message, options)
  }
  const code = r.status === 401 || r.status === 403 ? ErrorCodes.CONNECTOR_AUTH : ErrorCodes.CONNECTOR_HTTP
  return new NonRetryableError(message, { ...options, code })
}

/** A transport failure (reset, refused, timeout, DNS) as a retryable error keeping the cause. */
export function errorForNetwork(error: unknown, target: string): Error {
  const e = error as { code?: unknown; name?: unknown; message?: unknown }
  const reason = typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'network error'
  return new RetryableError(`${target} failed: ${reason}`, { code: ErrorCodes.CONNECTOR_NETWORK, cause: error })
}
