/**
 * Shared-secret header: the sender puts a secret in a header of your choosing (Clay HTTP API
 * columns, Make/n8n/Zapier webhooks). The default scheme when `scheme` is absent.
 *
 * @example
 * ```ts
 * webhook({ path: 'clay', auth: { header: 'x-webhook-secret', secret: env('CLAY_SECRET') } })
 * ```
 * @module
 */
import type { WebhookAuth } from '../../pipeline/types.js'
import { type AuthRequest, type AuthResult, fail, OK, readHeader, secretEqual, secretList } from './common.js'

export type HeaderSecretAuth = Extract<WebhookAuth, { scheme?: 'header' }>

export function verifyHeaderSecret(auth: HeaderSecretAuth, req: AuthRequest): AuthResult {
  const h = readHeader(req.headers, auth.header)
  if ('missing' in h) return fail(h.missing)
  // Check every secret so timing does not reveal which one matched.
  let matched = false
  for (const secret of secretList(auth.secret)) matched = secretEqual(h.value, secret) || matched
  return matched ? OK : fail(`header ${auth.header.toLowerCase()} does not match any configured secret`)
}

/** Headers a sender adds for the shared-secret scheme. */
export function signHeaderSecret(header: string, secret: string): Record<string, string> {
  return { [header.toLowerCase()]: secret }
}
