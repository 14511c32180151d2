/**
 * Airtable response classification: 2xx ok; 429 waits Airtable's documented 30 s (or an
 * explicit `Retry-After`, should Airtable ever send one); 408/5xx retryable; every other 4xx
 * permanent with Airtable's error type (`{"error":{"type","message"}}`, or the bare string
 * form `{"error":"NOT_FOUND"}`).
 * @module
 */
import { headerValue, parseRetryAfter } from '../../resilience/retry-after.js'
import type { Classification } from '../contract.js'

export interface ProviderResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: unknown
}

/** "If you exceed this rate, you will receive a 429 status code and will need to wait 30 seconds." */
export const AIRTABLE_RATE_LIMIT_WAIT_MS = 30_000

/** Airtable's error type and message from either error shape. */
export function readAirtableError(body: unknown): { type?: string; message?: string } {
  if (typeof body !== 'object' || body === null) return typeof body === 'string' && body ? { message: body.slice(0, 300) } : {}
  const e = (body as { error?: unknown }).error
  if (typeof e === 'string') return { type: e }
  if (typeof e === 'object' && e !== null) {
    const { type, message } = e as { type?: unknown; message?: unknown }
    return { ...(typeof type === 'string' ? { type } : {}), ...(typeof message === 'string' ? { message } : {}) }
  }
  return {}
}

export function classifyAirtable(res: ProviderResponse, now: number = Date.now(), waitMs = AIRTABLE_RATE_LIMIT_WAIT_MS): Classification {
  if (res.status >= 200 && res.status < 300) return { kind: 'ok' }
  const { type, message: text } = readAirtableError(res.body)
  const message = [type, text].filter(Boolean).join(': ') || `HTTP ${res.status}`
  if (res.status === 429)
    return { kind: 'rate-limited', afterMs: parseRetryAfter(headerValue(res.headers, 'retry-after'), now) ?? waitMs, message }
  if (res.status === 408 || res.status >= 500) return { kind: 'retryable', message }
  return { kind: 'permanent', code: type ?? `HTTP_${res.status}`, message }
}
