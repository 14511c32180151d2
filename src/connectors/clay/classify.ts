/**
 * Clay table-webhook response classification. Clay documents neither its success body nor the
 * error of an exhausted webhook; an answer is treated as "webhook exhausted" when it is a 4xx
 * whose body mentions a submission/webhook limit (see {@link isWebhookExhausted}).
 * @module
 */
import type { Classification } from '../contract.js'

export interface ProviderResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: unknown
}

export const CLAY_DEFAULT_WAIT_MS = 1000

/** Does this answer say the webhook's lifetime submissions are used up? */
export function isWebhookExhausted(res: ProviderResponse): boolean {
  if (res.status < 400 || res.status >= 500) return false
  const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body ?? '')
  return /(submission|webhook)[^"]{0,40}limit|limit[^"]{0,40}(submission|webhook)/i.test(text)
}

export function classifyClay(res: ProviderResponse): Classification {
  if (res.status >= 200 && res.status < 300) return { kind: 'ok' }
  const message = messageOf(res.body) ?? `HTTP ${res.status}`
  if (isWebhookExhausted(res)) return { kind: 'permanent', code: 'WEBHOOK_EXHAUSTED', message }
  if (res.status === 429) {
    const v = res.headers['retry-after']
    const s = Array.isArray(v) ? v[0] : v
    const after = s !== undefined && /^\d+(\.\d+)?$/.test(s.trim()) ? Math.round(Number(s) * 1000) : CLAY_DEFAULT_WAIT_MS
    return { kind: 'rate-limited', afterMs: after, message }
  }
  if (res.status >= 500 || res.status === 408) return { kind: 'retryable', message }
  return { kind: 'permanent', code: res.status === 401 || res.status === 403 ? 'UNAUTHORIZED' : `HTTP_${res.status}`, message }
}

function messageOf(body: unknown): string | undefined {
  if (typeof body === 'string') return body || undefined
  if (typeof body === 'object' && body !== null) {
    const b = body as { message?: unknown; error?: unknown }
    if (typeof b.message === 'string') return b.message
    if (typeof b.error === 'string') return b.error
  }
  return undefined
}
