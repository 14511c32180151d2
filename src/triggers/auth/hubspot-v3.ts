/**
 * HubSpot request signature v3: `X-HubSpot-Signature-v3` = base64 HMAC-SHA256 (app client
 * secret) over `method + uri + rawBody + timestamp`, where `timestamp` is
 * `X-HubSpot-Request-Timestamp` in MILLISECONDS and `uri` is the full public URL with scheme
 * and host. Accepted within ±5 minutes.
 *
 * Behind a proxy the URL HubSpot called differs from what the server sees; set
 * `publicBaseUrl` (e.g. `https://hooks.example.com`) and the URI becomes that base plus the
 * path and query as received. Without it, `X-Forwarded-Proto`/`X-Forwarded-Host` or `Host`
 * are used, with `https` as the default scheme (HubSpot only calls HTTPS targets).
 *
 * HubSpot signs the URI with these percent-escapes decoded: %3A : %2F / %3F ? %40 @ %21 !
 * %24 $ %27 ' %28 ( %29 ) %2A * %2C , %3B ; (from HubSpot's validation guide; not in our
 * contracts file, so both the decoded and the as-received URI are tried).
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

export type HubSpotV3Auth = Extract<WebhookAuth, { scheme: 'hubspot-v3' }>

const SIG = 'x-hubspot-signature-v3'
const TS = 'x-hubspot-request-timestamp'
const DECODED: Record<string, string> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
}

/** Apply HubSpot's URI decoding (only the listed escapes; everything else stays encoded). */
export function hubspotDecodeUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => DECODED[m.toUpperCase()]!)
}

function first(value: string): string {
  return value.split(',')[0]!.trim()
}

/** The public URL of the request, or a reason it cannot be known. */
export function publicRequestUrl(req: AuthRequest, publicBaseUrl: string | undefined): { url: string } | { missing: string } {
  if (publicBaseUrl) return { url: publicBaseUrl.replace(/\/+$/, '') + req.url }
  const fwdHost = readHeader(req.headers, 'x-forwarded-host')
  const host = 'value' in fwdHost ? fwdHost : readHeader(req.headers, 'host')
  if ('missing' in host) return { missing: 'cannot rebuild the request URL (no Host header); set publicBaseUrl' }
  const proto = readHeader(req.headers, 'x-forwarded-proto')
  return { url: `${'value' in proto ? first(proto.value) : 'https'}://${first(host.value)}${req.url}` }
}

function digest(secret: string, method: string, uri: string, body: Buffer, ts: string): Buffer {
  return hmacSha256(secret, method + uri, body, ts)
}

export function verifyHubSpotV3(auth: HubSpotV3Auth, req: AuthRequest, now: number, toleranceMs = DEFAULT_TOLERANCE_MS): AuthResult {
  const ts = readHeader(req.headers, TS)
  if ('missing' in ts) return fail(ts.missing)
  const sig = readHeader(req.headers, SIG)
  if ('missing' in sig) return fail(sig.missing)
  const time = checkTimestamp(ts.value, TS, 1, now, toleranceMs)
  if (!time.ok) return time
  const presented = decodeStrict(sig.value.trim(), 'base64')
  if (!presented) return fail(`header ${SIG} is not a base64 signature`)
  const url = publicRequestUrl(req, auth.publicBaseUrl)
  if ('missing' in url) return fail(url.missing)
  const uris = [...new Set([hubspotDecodeUri(url.url), url.url])]
  const method = req.method.toUpperCase()
  let matched = false
  for (const secret of secretList(auth.secret)) {
    for (const uri of uris) matched = bytesEqual(digest(secret, method, uri, req.rawBody, ts.value), presented) || matched
  }
  return matched ? OK : fail(`signature in ${SIG} does not match any configured client secret (signed URL: ${url.url.split('?')[0]})`)
}

/** Headers HubSpot adds; `url` is the full public URL it calls. */
export function signHubSpotV3(
  secret: string,
  method: string,
  url: string,
  body: Buffer | string,
  timestampMs: number,
): Record<string, string> {
  const ts = String(timestampMs)
  return { [SIG]: digest(secret, method.toUpperCase(), hubspotDecodeUri(url), asBuffer(body), ts).toString('base64'), [TS]: ts }
}
