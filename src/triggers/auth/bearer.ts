/**
 * Bearer token: `Authorization: Bearer <token>`.
 * @module
 */
import type { WebhookAuth } from '../../pipeline/types.js'
import { type AuthRequest, type AuthResult, fail, OK, readHeader, secretEqual, secretList } from './common.js'

export type BearerAuth = Extract<WebhookAuth, { scheme: 'bearer' }>

export function verifyBearer(auth: BearerAuth, req: AuthRequest): AuthResult {
  const h = readHeader(req.headers, 'authorization')
  if ('missing' in h) return fail(h.missing)
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(h.value)
  if (!m) return fail('authorization header is not of the form "Bearer <token>"')
  let matched = false
  for (const token of secretList(auth.token)) matched = secretEqual(m[1]!, token) || matched
  return matched ? OK : fail('bearer token does not match any configured token')
}

export function signBearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` }
}
