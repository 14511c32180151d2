/**
 * Standard Webhooks (Svix and others): `webhook-id`, `webhook-timestamp` (Unix seconds) and
 * `webhook-signature`, a space-separated list of `v1,<base64 HMAC-SHA256>` entries over
 * `${id}.${timestamp}.${rawBody}`, keyed with the base64-decoded `whsec_…` secret.
 * Accepted when any `v1` entry matches any configured secret; timestamps within ±5 minutes.
 * @module
 */
import type { WebhookAuth } from '../../pipeline/types.js'
import {
  type AuthRequest,
  type AuthResult,
  asBuffer,
  bytesEqual,
  checkTimestamp,
  DEFAULT_TOLERANCE_MS,
  decodeStrict,
  fail,
  OK,
  readHeader,
  secretList,
} from './common.js'
import { hmacSha256 } from './hmac.js'

export type StandardWebhooksAuth = Extract<WebhookAuth, { scheme: 'standard-webhooks' }>

/** The key bytes of a `whsec_<base64>` secret (the prefix is optional); `null` if malformed. */
export function decodeStandardSecret(secret: string): Buffer | null {
  return decodeStrict(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64')
}

function digest(key: Buffer, id: string, timestampSec: string, body: Buffer): Buffer {
  return hmacSha256(key, `${id}.${timestampSec}.`, body)
}

export function verifyStandardWebhook(
  auth: StandardWebhooksAuth,
  req: AuthRequest,
  now: number,
  toleranceMs = DEFAULT_TOLERANCE_MS,
): AuthResult {
  const id = readHeader(req.headers, 'webhook-id')
  if ('missing' in id) return fail(id.missing)
  const ts = readHeader(req.headers, 'webhook-timestamp')
  if ('missing' in ts) return fail(ts.missing)
  const sig = readHeader(req.headers, 'webhook-signature')
  if ('missing' in sig) return fail(sig.missing)
  const time = checkTimestamp(ts.value, 'webhook-timestamp', 1000, now, toleranceMs)
  if (!time.ok) return time
  const presented: Buffer[] = []
  for (const entry of sig.value.split(' ')) {
    const comma = entry.indexOf(',')
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue
    const bytes = decodeStrict(entry.slice(comma + 1), 'base64')
    if (bytes) presented.push(bytes)
  }
  if (presented.length === 0) return fail('header webhook-signature has no well-formed v1 signature')
  const keys = secretList(auth.secret).map(decodeStandardSecret)
  if (keys.some((k) => k === null)) return fail('a configured standard-webhooks secret is not base64 (expected whsec_<base64>)')
  let matched = false
  for (const key of keys) {
    const expected = digest(key!, id.value, ts.value, req.rawBody)
    for (const p of presented) matched = bytesEqual(expected, p) || matched
  }
  return matched ? OK : fail('no signature in webhook-signature matches a configured secret')
}

/**
 * Headers a Standard Webhooks sender adds. Pass several secrets to sign with each (as a
 * sender does during rotation).
 */
export function signStandardWebhook(
  secret: string | string[],
  id: string,
  timestampSec: number,
  body: Buffer | string,
): Record<string, string> {
  const bytes = asBuffer(body)
  const signatures = secretList(secret).map((s) => {
    const key = decodeStandardSecret(s)
    if (!key) throw new TypeError('standard-webhooks secret must be base64, optionally prefixed with whsec_')
    return `v1,${digest(key, id, String(timestampSec), bytes).toString('base64')}`
  })
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSec), 'webhook-signature': signatures.join(' ') }
}
