/**
 * Generic HMAC-SHA256 over the raw body (GitHub-style `X-Hub-Signature-256: sha256=<hex>`,
 * and most home-grown senders). Header name, encoding (hex or base64) and an optional
 * prefix are configurable.
 *
 * @example
 * ```ts
 * auth: { scheme: 'hmac-sha256', header: 'x-hub-signature-256', prefix: 'sha256=', secret: [current, previous] }
 * ```
 * @module
 */
import { createHmac } from 'node:crypto'
import type { WebhookAuth } from '../../pipeline/types.js'
import { type AuthRequest, type AuthResult, asBuffer, bytesEqual, decodeStrict, fail, OK, readHeader, secretList } from './common.js'
import { hmacSha256 } from './hmac.js'

export type HmacSha256Auth = Extract<WebhookAuth, { scheme: 'hmac-sha256' }>

export function verifyHmacSha256(auth: HmacSha256Auth, req: AuthRequest): AuthResult {
  const header = auth.header.toLowerCase()
  const h = readHeader(req.headers, header)
  if ('missing' in h) return fail(h.missing)
  let text = h.value.trim()
  const prefix = auth.prefix ?? ''
  if (prefix) {
    if (!text.toLowerCase().startsWith(prefix.toLowerCase())) return fail(`header ${header} does not start with "${prefix}"`)
    text = text.slice(prefix.length)
  }
  const encoding = auth.encoding ?? 'hex'
  const presented = decodeStrict(text, encoding)
  if (!presented) return fail(`header ${header} is not a ${encoding} signature`)
  let matched = false
  for (const secret of secretList(auth.secret)) {
    matched = bytesEqual(hmacSha256(secret, req.rawBody), presented) || matched
  }
  return matched ? OK : fail(`signature in ${header} does not match any configured secret`)
}

/** Headers a sender adds: `{ [header]: prefix + HMAC-SHA256(secret, body) }`. */
export function signHmacSha256(
  secret: string,
  body: Buffer | string,
  options: { header: string; encoding?: 'hex' | 'base64'; prefix?: string },
): Record<string, string> {
  const digest = createHmac('sha256', secret)
    .update(asBuffer(body))
    .digest(options.encoding ?? 'hex')
  return { [options.header.toLowerCase()]: `${options.prefix ?? ''}${digest}` }
}
