/**
 * Shared pieces of the webhook auth schemes: the request shape they see, the result they
 * return, header lookup, constant-time comparison and timestamp tolerance.
 *
 * Reasons returned by verifiers are safe to log: they name headers and rules, never a
 * secret, a token or a signature value.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto'

/** What a verifier sees of an HTTP request. */
export interface AuthRequest {
  /** The body exactly as received; signatures are computed over these bytes. */
  rawBody: Buffer
  /** Request headers; names in any case (fastify gives them lower-cased). */
  headers: Record<string, string | string[] | undefined>
  /** HTTP method, e.g. `POST`. */
  method: string
  /** Path and query as received, e.g. `/hooks/crm?x=1`. */
  url: string
}

export type AuthResult = { ok: true } | { ok: false; reason: string }

/** Timestamp tolerance of every timestamped scheme, both into the past and the future. */
export const DEFAULT_TOLERANCE_MS = 5 * 60 * 1000

export const OK: AuthResult = Object.freeze({ ok: true })

export function fail(reason: string): AuthResult {
  return { ok: false, reason }
}

/** Secrets as a list (one or several during rotation). */
export function secretList(secret: string | string[]): string[] {
  return Array.isArray(secret) ? secret : [secret]
}

/**
 * One header's value. A header sent twice is refused rather than guessed at.
 * Returns a string, or a failure reason.
 */
export function readHeader(headers: AuthRequest['headers'], name: string): { value: string } | { missing: string } {
  const lower = name.toLowerCase()
  let raw = headers[lower]
  if (raw === undefined) {
    for (const key of Object.keys(headers)) {
      if (key.toLowerCase() === lower) {
        raw = headers[key]
        break
      }
    }
  }
  if (Array.isArray(raw)) {
    if (raw.length === 1) raw = raw[0]
    else return { missing: `header ${lower} was sent ${raw.length} times` }
  }
  if (raw === undefined || raw === '') return { missing: `missing header ${lower}` }
  return { value: raw }
}

/** Constant-time equality of two byte strings; unequal lengths are simply unequal. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  return timingSafeEqual(a, b)
}

/**
 * Constant-time equality of a presented plain secret (header secret, bearer token,
 * password) with a configured one. Both are hashed first so neither the length nor the
 * content of the configured secret leaks through timing.
 */
export function secretEqual(presented: string, configured: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest()
  const b = createHash('sha256').update(configured, 'utf8').digest()
  return timingSafeEqual(a, b)
}

const HEX = /^(?:[0-9a-fA-F]{2})+$/
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * Strictly decode hex (either case) or canonical padded base64; `null` when the text is not
 * well-formed. Base64 with non-zero padding bits is refused, so two different strings
 * never decode to the same signature.
 */
export function decodeStrict(text: string, encoding: 'hex' | 'base64'): Buffer | null {
  if (encoding === 'hex') return HEX.test(text) ? Buffer.from(text, 'hex') : null
  if (text.length === 0 || !BASE64.test(text)) return null
  const bytes = Buffer.from(text, 'base64')
  return bytes.toString('base64') === text ? bytes : null
}

/**
 * Parse an integer timestamp header and check it lies within `toleranceMs` of `now`.
 * `unitMs` is 1000 for seconds, 1 for milliseconds.
 */
export function checkTimestamp(text: string, header: string, unitMs: number, now: number, toleranceMs: number): AuthResult {
  if (!/^\d{1,16}$/.test(text)) return fail(`header ${header} is not an integer timestamp`)
  const at = Number(text) * unitMs
  const skew = now - at
  if (skew > toleranceMs) return fail(`timestamp in ${header} is ${Math.round(skew / 1000)} s old; tolerance is ${toleranceMs / 1000} s`)
  if (-skew > toleranceMs)
    return fail(`timestamp in ${header} is ${Math.round(-skew / 1000)} s in the future; tolerance is ${toleranceMs / 1000} s`)
  return OK
}

export function asBuffer(body: Buffer | string): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body
}
