/**
 * HTTP Basic auth: `Authorization: Basic base64(username:password)`. Several passwords may
 * be configured for rotation; the username is fixed.
 * @module
 */
import type { WebhookAuth } from '../../pipeline/types.js'
import { type AuthRequest, type AuthResult, decodeStrict, fail, OK, readHeader, secretEqual, secretList } from './common.js'

export type BasicAuth = Extract<WebhookAuth, { scheme: 'basic' }>

export function verifyBasic(auth: BasicAuth, req: AuthRequest): AuthResult {
  const h = readHeader(req.headers, 'authorization')
  if ('missing' in h) return fail(h.missing)
  const m = /^Basic[ ]+(\S+)\s*$/i.exec(h.value)
  const decoded = m ? decodeStrict(m[1]!, 'base64') : null
  if (!decoded) return fail('authorization header is not of the form "Basic <base64 of username:password>"')
  const text = decoded.toString('utf8')
  const colon = text.indexOf(':')
  if (colon < 0) return fail('basic credentials have no ":" between username and password')
  const userOk = secretEqual(text.slice(0, colon), auth.username)
  let passOk = false
  for (const password of secretList(auth.password)) passOk = secretEqual(text.slice(colon + 1), password) || passOk
  return userOk && passOk ? OK : fail('basic credentials do not match the configured username and passwords')
}

export function signBasic(username: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}` }
}
