/**
 * Slack request signing v0: `X-Slack-Signature: v0=<hex HMAC-SHA256(secret, "v0:" + ts + ":" + rawBody)>`
 * with `X-Slack-Request-Timestamp` in Unix seconds, within ±5 minutes.
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

export type SlackAuth = Extract<WebhookAuth, { scheme: 'slack' }>

const SIG = 'x-slack-signature'
const TS = 'x-slack-request-timestamp'

function digest(secret: string, ts: string, body: Buffer): Buffer {
  return hmacSha256(secret, `v0:${ts}:`, body)
}

export function verifySlack(auth: SlackAuth, req: AuthRequest, now: number, toleranceMs = DEFAULT_TOLERANCE_MS): AuthResult {
  const ts = readHeader(req.headers, TS)
  if ('missing' in ts) return fail(ts.missing)
  const sig = readHeader(req.headers, SIG)
  if ('missing' in sig) return fail(sig.missing)
  const time = checkTimestamp(ts.value, TS, 1000, now, toleranceMs)
  if (!time.ok) return time
  const presented = sig.value.startsWith('v0=') ? decodeStrict(sig.value.slice(3), 'hex') : null
  if (!presented) return fail(`header ${SIG} is not of the form v0=<hex>`)
  let matched = false
  for (const secret of secretList(auth.secret)) matched = bytesEqual(digest(secret, ts.value, req.rawBody), presented) || matched
  return matched ? OK : fail(`signature in ${SIG} does not match any configured signing secret`)
}

/** Headers Slack adds to a request. */
export function signSlack(secret: string, timestampSec: number, body: Buffer | string): Record<string, string> {
  const ts = String(timestampSec)
  return { [SIG]: `v0=${digest(secret, ts, asBuffer(body)).toString('hex')}`, [TS]: ts }
}
