/**
 * Webhook authentication: one verifier per scheme, dispatched on `auth.scheme`
 * (`header` when absent), and signing helpers for tests, the demo and benchmarks.
 *
 * @example
 * ```ts
 * const r = verifyWebhookAuth({ scheme: 'slack', secret: [current, previous] }, req, Date.now())
 * if (!r.ok) log.warn('webhook rejected', { reason: r.reason }) // reason is safe to log
 * ```
 * @module
 */
import type { WebhookAuth } from '../../pipeline/types.js'
import { signBasic, verifyBasic } from './basic.js'
import { signBearer, verifyBearer } from './bearer.js'
import { type AuthRequest, type AuthResult, DEFAULT_TOLERANCE_MS, fail, OK, secretList } from './common.js'
import { type HeaderSecretAuth, signHeaderSecret, verifyHeaderSecret } from './header-secret.js'
import { signHmacSha256, verifyHmacSha256 } from './hmac-sha256.js'
import { signHubSpotV3, verifyHubSpotV3 } from './hubspot-v3.js'
import { signSlack, verifySlack } from './slack.js'
import { signStandardWebhook, verifyStandardWebhook } from './standard-webhooks.js'
import { DEFAULT_SECRET_QUERY_KEY, presentedUrlSecret, signUrlSecret, verifyUrlSecret } from './url-secret.js'

export type { AuthRequest, AuthResult } from './common.js'
export { DEFAULT_TOLERANCE_MS } from './common.js'
export { hubspotDecodeUri, publicRequestUrl } from './hubspot-v3.js'
export { decodeStandardSecret } from './standard-webhooks.js'
export {
  DEFAULT_SECRET_QUERY_KEY,
  presentedUrlSecret,
  signBasic,
  signBearer,
  signHeaderSecret,
  signHmacSha256,
  signHubSpotV3,
  signSlack,
  signStandardWebhook,
  signUrlSecret,
  verifyBasic,
  verifyBearer,
  verifyHeaderSecret,
  verifyHmacSha256,
  verifyHubSpotV3,
  verifySlack,
  verifyStandardWebhook,
  verifyUrlSecret,
}

/** Verify a request against a trigger's auth settings. No `auth` means the trigger is open. */
export function verifyWebhookAuth(
  auth: WebhookAuth | undefined,
  req: AuthRequest,
  now: number,
  toleranceMs = DEFAULT_TOLERANCE_MS,
): AuthResult {
  if (auth === undefined) return OK
  switch (auth.scheme) {
    case undefined:
    case 'header':
      return verifyHeaderSecret(auth as HeaderSecretAuth, req)
    case 'hmac-sha256':
      return verifyHmacSha256(auth, req)
    case 'standard-webhooks':
      return verifyStandardWebhook(auth, req, now, toleranceMs)
    case 'slack':
      return verifySlack(auth, req, now, toleranceMs)
    case 'hubspot-v3':
      return verifyHubSpotV3(auth, req, now, toleranceMs)
    case 'bearer':
      return verifyBearer(auth, req)
    case 'basic':
      return verifyBasic(auth, req)
    case 'url-secret':
      return verifyUrlSecret(auth, req)
    case 'none':
      return OK
    default:
      return fail(`unknown auth scheme "${String((auth as { scheme: unknown }).scheme)}"`)
  }
}

/** What a sender needs to produce valid auth headers. */
export interface SignInput {
  body: Buffer | string
  /** @defaultValue 'POST' */
  method?: string
  /** Path and query (`/hooks/crm`) or, for HubSpot, the full public URL. */
  url?: string
  /** Standard Webhooks message id. @defaultValue a value derived from `now` */
  id?: string
}

/**
 * Headers that make a request pass `verifyWebhookAuth(auth, …)` at time `now` (ms), signed
 * with the FIRST configured secret. For HubSpot a relative `url` is joined to
 * `publicBaseUrl`, or to `https://localhost` when that is unset. `url-secret` needs no headers:
 * put the secret in the URL with {@link signUrlSecret}.
 */
export function signWebhookRequest(auth: WebhookAuth | undefined, input: SignInput, now: number): Record<string, string> {
  if (auth === undefined) return {}
  const first = (s: string | string[]) => secretList(s)[0]!
  switch (auth.scheme) {
    case undefined:
    case 'header': {
      const a = auth as HeaderSecretAuth
      return signHeaderSecret(a.header, first(a.secret))
    }
    case 'hmac-sha256':
      return signHmacSha256(first(auth.secret), input.body, auth)
    case 'standard-webhooks':
      return signStandardWebhook(first(auth.secret), input.id ?? `msg_${now.toString(36)}`, Math.floor(now / 1000), input.body)
    case 'slack':
      return signSlack(first(auth.secret), Math.floor(now / 1000), input.body)
    case 'hubspot-v3': {
      const url = input.url ?? '/'
      const full = /^https?:\/\//.test(url) ? url : (auth.publicBaseUrl ?? 'https://localhost').replace(/\/+$/, '') + url
      return signHubSpotV3(first(auth.secret), input.method ?? 'POST', full, input.body, now)
    }
    case 'bearer':
      return signBearer(first(auth.token))
    case 'basic':
      return signBasic(auth.username, first(auth.password))
    default:
      return {}
  }
}
