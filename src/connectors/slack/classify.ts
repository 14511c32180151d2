/**
 * Slack response classification, as data: Web API answers are HTTP 200 with `ok:false` for
 * application errors; rate limits are HTTP 429 with `Retry-After` (seconds); incoming webhooks
 * answer plain text (`ok`, or an error code such as `invalid_payload`).
 * @module
 */
import type { Classification } from '../contract.js'

export interface ProviderResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: unknown
}

/** `ok:false` errors that are worth another attempt; every other code is permanent. */
export const SLACK_RETRYABLE_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'request_timeout',
  'service_unavailable',
  'team_added_to_org',
])
export const SLACK_RATE_LIMIT_ERRORS = new Set(['ratelimited', 'rate_limited'])
/** Used when a 429 carries no `Retry-After` (Slack normally sends one). */
export const SLACK_DEFAULT_WAIT_MS = 1000

export function classifySlack(res: ProviderResponse): Classification {
  const code = errorCode(res.body)
  if (res.status === 429 || (code !== null && SLACK_RATE_LIMIT_ERRORS.has(code))) {
    return { kind: 'rate-limited', afterMs: retryAfterMs(res) ?? SLACK_DEFAULT_WAIT_MS, message: code ?? 'ratelimited' }
  }
  if (res.status >= 500 || res.status === 408) return { kind: 'retryable', message: code ?? `HTTP ${res.status}` }
  if (res.status >= 400) return { kind: 'permanent', code: code ?? `HTTP_${res.status}`, message: code ?? `HTTP ${res.status}` }
  if (code === null) return { kind: 'ok' }
  if (SLACK_RETRYABLE_ERRORS.has(code)) return { kind: 'retryable', message: code }
  return { kind: 'permanent', code, message: code }
}

/** The Slack error code of an answer, or null when it reports success. */
function errorCode(body: unknown): string | null {
  if (typeof body === 'string') {
    const t = body.trim()
    return t === 'ok' || t === '' ? null : t
  }
  if (typeof body === 'object' && body !== null && 'ok' in body) {
    const b = body as { ok: unknown; error?: unknown }
    return b.ok === true ? null : String(b.error ?? 'unknown_error')
  }
  return null
}

function retryAfterMs(res: ProviderResponse): number | undefined {
  const v = res.headers['retry-after']
  const s = Array.isArray(v) ? v[0] : v
  return s !== undefined && /^\d+(\.\d+)?$/.test(s.trim()) ? Math.round(Number(s) * 1000) : undefined
}
