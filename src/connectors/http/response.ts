/**
 * Reading an HTTP reply for step output: the body parsed as JSON when the content type says
 * JSON (`application/json`, `application/problem+json`, any `+json`), else text, else null;
 * and a small, safe selection of headers (never `set-cookie`).
 * @module
 */
import type { Dispatcher } from 'undici'

/** Headers always kept in the output, besides any `x-ratelimit-*` / `ratelimit-*`. */
const KEPT = new Set(['content-type', 'location', 'etag', 'last-modified', 'retry-after', 'request-id', 'x-request-id', 'x-correlation-id'])
const NEVER = new Set(['set-cookie', 'authorization', 'proxy-authorization'])

export function selectHeaders(
  headers: Record<string, string | string[] | undefined>,
  extra: readonly string[] = [],
): Record<string, string> {
  const wanted = new Set(extra.map((h) => h.toLowerCase()))
  const out: Record<string, string> = {}
  for (const [rawName, value] of Object.entries(headers)) {
    const name = rawName.toLowerCase()
    if (value === undefined || NEVER.has(name)) continue
    const keep =
      KEPT.has(name) ||
      wanted.has(name) ||
      name.startsWith('x-ratelimit-') ||
      name.startsWith('ratelimit') ||
      name.startsWith('x-hubspot-ratelimit-')
    if (keep) out[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return out
}

export function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false
  const type = contentType.split(';')[0].trim().toLowerCase()
  return type === 'application/json' || type.endsWith('+json')
}

/** Consume the body: JSON when declared (falling back to text if it does not parse), text, or null. */
export async function readBody(res: Dispatcher.ResponseData): Promise<unknown> {
  const text = await res.body.text()
  if (text.length === 0) return null
  const ct = res.headers['content-type']
  if (isJsonContentType(Array.isArray(ct) ? ct[0] : ct)) {
    try {
      return JSON.parse(text)
    } catch {
      return text
    }
  }
  return text
}
