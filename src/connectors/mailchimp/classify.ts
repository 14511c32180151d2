/**
 * Mailchimp Marketing response classification. Errors are `application/problem+json`
 * (`type, title, status, detail, instance`); the permanent code is the title in upper snake
 * case (`Invalid Resource` → `INVALID_RESOURCE`, `Member In Compliance State` →
 * `MEMBER_IN_COMPLIANCE_STATE`). 429 (more than 10 simultaneous connections) waits
 * `Retry-After` when sent, else 1 s. A 403/503 HTML page (Mailchimp's edge throttling) and
 * 5xx are retryable.
 * @module
 */
import { headerValue, parseRetryAfter } from '../../resilience/retry-after.js'
import type { Classification } from '../contract.js'

export interface ProviderResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: unknown
}

export const MAILCHIMP_DEFAULT_WAIT_MS = 1000

export function problemCode(title: string): string {
  return title
    .trim()
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
    .toUpperCase()
}

function isHtml(res: ProviderResponse): boolean {
  const ct = headerValue(res.headers, 'content-type') ?? ''
  return ct.includes('text/html') || (typeof res.body === 'string' && /^\s*<(!doctype|html)/i.test(res.body))
}

export function classifyMailchimp(res: ProviderResponse, now: number = Date.now()): Classification {
  if (res.status >= 200 && res.status < 300) return { kind: 'ok' }
  const p = (typeof res.body === 'object' && res.body !== null ? res.body : {}) as {
    title?: unknown
    detail?: unknown
    errors?: Array<{ field?: string; message?: string }>
  }
  const title = typeof p.title === 'string' ? p.title : undefined
  const fieldErrors = Array.isArray(p.errors) ? p.errors.map((e) => `${e.field ?? '?'}: ${e.message ?? ''}`).join('; ') : ''
  const message =
    [title, typeof p.detail === 'string' ? p.detail : undefined, fieldErrors || undefined].filter(Boolean).join(': ') ||
    `HTTP ${res.status}`
  if (res.status === 429)
    return {
      kind: 'rate-limited',
      afterMs: parseRetryAfter(headerValue(res.headers, 'retry-after'), now) ?? MAILCHIMP_DEFAULT_WAIT_MS,
      message,
    }
  if ((res.status === 403 || res.status === 503) && isHtml(res))
    return { kind: 'retryable', message: `throttled (HTTP ${res.status} HTML page)` }
  if (res.status === 408 || res.status >= 500) return { kind: 'retryable', message }
  return { kind: 'permanent', code: title ? problemCode(title) : `HTTP_${res.status}`, message }
}
