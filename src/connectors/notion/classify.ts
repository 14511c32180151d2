/**
 * Notion response classification. Errors are `{object:'error', status, code, message}`:
 * 429 `rate_limited` and 529 `service_overload` wait exactly `Retry-After` (1 s when absent);
 * `conflict_error`, `internal_server_error`, `service_unavailable`, `gateway_timeout` are
 * retryable; `validation_error`, `invalid_json`, `invalid_request_url`, `invalid_request`,
 * `missing_version`, `unauthorized`, `restricted_resource`, `object_not_found` are permanent.
 * @module
 */
import { headerValue, parseRetryAfter } from '../../resilience/retry-after.js'
import type { Classification } from '../contract.js'

export interface ProviderResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: unknown
}

export const NOTION_DEFAULT_WAIT_MS = 1000

const RETRYABLE_CODES = new Set([
  'conflict_error',
  'internal_server_error',
  'service_unavailable',
  'gateway_timeout',
  'database_connection_unavailable',
])

export function classifyNotion(res: ProviderResponse, now: number = Date.now()): Classification {
  if (res.status >= 200 && res.status < 300) return { kind: 'ok' }
  const b = (typeof res.body === 'object' && res.body !== null ? res.body : {}) as { code?: unknown; message?: unknown }
  const code = typeof b.code === 'string' ? b.code : undefined
  const message = typeof b.message === 'string' ? `${code ?? res.status}: ${b.message}` : `HTTP ${res.status}`
  const wait = parseRetryAfter(headerValue(res.headers, 'retry-after'), now)
  if (res.status === 429 || res.status === 529 || code === 'rate_limited' || code === 'service_overload')
    return { kind: 'rate-limited', afterMs: wait ?? NOTION_DEFAULT_WAIT_MS, message }
  if ((code && RETRYABLE_CODES.has(code)) || res.status === 408 || res.status >= 500)
    return { kind: 'retryable', ...(wait !== undefined ? { afterMs: wait } : {}), message }
  return { kind: 'permanent', code: code ?? `HTTP_${res.status}`, message }
}
