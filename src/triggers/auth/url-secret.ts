/**
 * A secret in the URL, for senders that cannot sign or set headers (Mailchimp webhooks are not
 * signed: its own docs say to protect the URL with a secret). The secret is taken from the
 * query key `query` (default `secret`: `/hooks/mailchimp?secret=…`) or, when the query has no
 * such key, from the last path segment (`/hooks/mailchimp/<secret>`: the hooks route falls back
 * to the trigger one segment up). Compared in constant time, against every configured secret.
 *
 * The secret is part of the URL, so proxies and access logs may keep it: rotate it by listing
 * the new and the old one, then dropping the old. Pipewright never logs or stores request URLs.
 * @module
 */
import type { WebhookAuth } from '../../pipeline/types.js'
import { type AuthRequest, type AuthResult, fail, OK, secretEqual, secretList } from './common.js'

export type UrlSecretAuth = Extract<WebhookAuth, { scheme: 'url-secret' }>

export const DEFAULT_SECRET_QUERY_KEY = 'secret'

/** The presented secret: the query key's value, else the last path segment, else a reason. */
export function presentedUrlSecret(url: string, queryKey: string): { value: string } | { missing: string } {
  const q = url.indexOf('?')
  if (q >= 0) {
    const values = new URLSearchParams(url.slice(q + 1)).getAll(queryKey)
    if (values.length > 1) return { missing: `query key ${queryKey} was sent ${values.length} times` }
    if (values.length === 1) return values[0] ? { value: values[0] } : { missing: `query key ${queryKey} is empty` }
  }
  const path = (q < 0 ? url : url.slice(0, q)).replace(/\/+$/, '')
  const segment = path.slice(path.lastIndexOf('/') + 1)
  if (!segment) return { missing: `no secret in the URL (query key ${queryKey} or a last path segment)` }
  try {
    return { value: decodeURIComponent(segment) }
  } catch {
    return { missing: 'the last path segment is not valid percent-encoding' }
  }
}

export function verifyUrlSecret(auth: UrlSecretAuth, req: AuthRequest): AuthResult {
  const key = auth.query ?? DEFAULT_SECRET_QUERY_KEY
  const presented = presentedUrlSecret(req.url, key)
  if ('missing' in presented) return fail(presented.missing)
  let matched = false
  for (const secret of secretList(auth.secret)) matched = secretEqual(presented.value, secret) || matched
  return matched ? OK : fail(`the URL's secret (query key ${key} or last path segment) does not match any configured secret`)
}

/** The URL a sender calls: `url` with the secret added as the query key. */
export function signUrlSecret(url: string, secret: string, queryKey = DEFAULT_SECRET_QUERY_KEY): string {
  return `${url}${url.includes('?') ? '&' : '?'}${encodeURIComponent(queryKey)}=${encodeURIComponent(secret)}`
}
