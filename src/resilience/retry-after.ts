/**
 * Parsing of the waits providers ask for: `Retry-After` (delta seconds or an HTTP date,
 * RFC 9110 §10.2.3) and `X-RateLimit-Reset` (epoch seconds or delta seconds).
 *
 * @example
 * ```ts
 * parseRetryAfter('120', now) // 120000
 * parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT', now) // ms until then, never negative
 * ```
 * @module
 */

export type HeaderBag = Record<string, string | string[] | undefined>

/** First value of a header, looked up case-insensitively. */
export function headerValue(headers: HeaderBag, name: string): string | undefined {
  const lower = name.toLowerCase()
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== lower || v === undefined) continue
    return Array.isArray(v) ? v[0] : v
  }
  return undefined
}

/** Milliseconds to wait per a `Retry-After` value, or undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined
  const v = value.trim()
  if (v === '') return undefined
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000)
  const at = Date.parse(v)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - now)
}

/** Epoch seconds above this are timestamps; below, a delta in seconds. */
const EPOCH_THRESHOLD_S = 1_000_000_000

/** Milliseconds until an `X-RateLimit-Reset` time, or undefined. */
export function parseRateLimitReset(value: string | undefined, now: number): number | undefined {
  if (value === undefined || !/^\d+(\.\d+)?$/.test(value.trim())) return undefined
  const n = Number(value.trim())
  return n >= EPOCH_THRESHOLD_S ? Math.max(0, Math.round(n * 1000 - now)) : Math.round(n * 1000)
}

/** The wait a reply asks for: `Retry-After` first, then `X-RateLimit-Reset` when nothing is left. */
export function waitFromHeaders(headers: HeaderBag, now: number): number | undefined {
  const retryAfter = parseRetryAfter(headerValue(headers, 'retry-after'), now)
  if (retryAfter !== undefined) return retryAfter
  const remaining = headerValue(headers, 'x-ratelimit-remaining')
  if (remaining !== undefined && Number(remaining) <= 0) return parseRateLimitReset(headerValue(headers, 'x-ratelimit-reset'), now)
  return undefined
}
