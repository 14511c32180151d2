/**
 * HubSpot response classification, as data: which answers are fine, which are worth a retry,
 * how long a 429 asks us to wait, and which failures are permanent.
 * @module
 */
import type { Classification } from '../contract.js'

export interface ProviderResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: unknown
}

const TEN_SECONDS = 10_000

/** Classify one HubSpot answer. `now` (epoch ms) is used only for the daily-limit reset. */
export function classifyHubspot(res: ProviderResponse, now: number = Date.now()): Classification {
  const body = (typeof res.body === 'object' && res.body !== null ? res.body : {}) as Record<string, unknown>
  const message = typeof body.message === 'string' ? body.message : `HTTP ${res.status}`
  if (res.status >= 200 && res.status < 300) return { kind: 'ok' }
  if (res.status === 429) return { kind: 'rate-limited', afterMs: hubspotWaitMs(res, body, now), message }
  if (res.status === 408 || res.status >= 500) return { kind: 'retryable', message }
  const code = typeof body.category === 'string' ? body.category : `HTTP_${res.status}`
  return { kind: 'permanent', code, message }
}

/**
 * The wait a HubSpot 429 asks for: `Retry-After` when sent; else the ten-secondly window
 * (`X-HubSpot-RateLimit-Interval-Milliseconds`, 10 s), 1 s for the search "secondly" limit,
 * or until the next UTC midnight for the daily limit.
 */
export function hubspotWaitMs(res: ProviderResponse, body: Record<string, unknown>, now: number): number {
  const ra = first(res.headers['retry-after'])
  if (ra !== undefined && /^\d+(\.\d+)?$/.test(ra.trim())) return Math.round(Number(ra) * 1000)
  const policy = String(body.policyName ?? '')
  const message = String(body.message ?? '')
  if (policy === 'DAILY' || /daily limit/i.test(message)) {
    const d = new Date(now)
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) - now
  }
  if (/secondly limit/i.test(message) && !/ten_secondly/i.test(message)) return 1000
  const interval = Number(first(res.headers['x-hubspot-ratelimit-interval-milliseconds']))
  return Number.isFinite(interval) && interval > 0 ? interval : TEN_SECONDS
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v
}
