/**
 * Who is calling `/api`: a bearer token (`Authorization: Bearer …`, scheme case-insensitive) or
 * a dashboard session cookie obtained once with a token (`POST /api/v1/session`; any named token,
 * whose name and scope the session keeps: a read token's session only reads). The cookie
 * is HttpOnly and SameSite=Strict, signed with a key derived from the API token (a new token ends
 * every session), and expires after {@link SESSION_TTL_MS}. Tokens are compared in constant time
 * on their SHA-256 digests, so neither content nor length leaks through timing.
 * @module
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { ConfigError, ErrorCodes } from '../errors.js'

/** Shortest API token accepted: 32 characters (e.g. `openssl rand -hex 32` gives 64). */
export const MIN_API_TOKEN_LENGTH = 32
/** How long a dashboard session lasts. */
export const SESSION_TTL_MS = 7 * 86_400_000
export const SESSION_COOKIE = 'pipewright_session'

/** Throws a configuration error naming the setting when `token` is too short. */
export function assertApiToken(token: string | null, setting = 'PIPEWRIGHT_API_TOKEN'): void {
  if (token === null) return
  if (token.length < MIN_API_TOKEN_LENGTH || /\s/.test(token))
    throw new ConfigError(
      [
        {
          field: setting,
          message: `${/\s/.test(token) ? 'must not contain spaces' : `is ${token.length} character(s) long`}; an API token needs at least ${MIN_API_TOKEN_LENGTH} characters without spaces (generate one with \`openssl rand -hex 32\`)`,
        },
      ],
      ErrorCodes.CONFIG_INVALID,
    )
}

/** The token of an `Authorization: Bearer <token>` header (any case of `Bearer`), or null. */
export function bearerToken(header: string | undefined): string | null {
  const m = /^bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header ?? '')
  return m ? m[1]! : null
}

const digest = (s: string) => createHash('sha256').update(s).digest()

export function tokensEqual(given: string, want: string): boolean {
  return timingSafeEqual(digest(given), digest(want))
}

/** The value of cookie `name` in a `Cookie` header. */
export function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return null
}

export interface Sessions {
  /** A new session cookie value, valid until `now + SESSION_TTL_MS`, for the named token that signed in. @defaultValue name `default` */
  issue(now: number, tokenName?: string): string
  valid(value: string | null, now: number): boolean
  /** The name of the token a valid session was opened with, else null. */
  nameOf(value: string | null, now: number): string | null
  /** Forget a session (log-out): its cookie stops working in this process at once. */
  revoke(value: string | null, now: number): void
}

export function createSessions(token: string): Sessions {
  const key = createHmac('sha256', 'pipewright-session-v1').update(token).digest()
  const revoked = new Map<string, number>()
  const mac = (body: string) => createHmac('sha256', key).update(body).digest('base64url')
  // `<expiry>.<nonce>.<token name, base64url>.<mac>`; sessions from before named tokens have no name part (`default`).
  const parse = (value: string) => {
    const parts = value.split('.')
    if (parts.length !== 3 && parts.length !== 4) return null
    const sig = parts.pop()!
    const body = parts.join('.')
    if (!parts[0] || !parts[1] || !sig) return null
    const want = Buffer.from(mac(body))
    const got = Buffer.from(sig)
    if (got.length !== want.length || !timingSafeEqual(got, want)) return null
    const name = parts[2] === undefined ? 'default' : Buffer.from(parts[2], 'base64url').toString('utf8')
    return { expiresAt: Number.parseInt(parts[0], 36), body, name }
  }
  const nameOf = (value: string | null, now: number) => {
    const s = value ? parse(value) : null
    return s !== null && s.expiresAt > now && !revoked.has(s.body) ? s.name : null
  }
  return {
    issue(now, tokenName = 'default') {
      const body = `${(now + SESSION_TTL_MS).toString(36)}.${randomBytes(18).toString('base64url')}.${Buffer.from(tokenName).toString('base64url')}`
      return `${body}.${mac(body)}`
    },
    valid: (value, now) => nameOf(value, now) !== null,
    nameOf,
    revoke(value, now) {
      const s = value ? parse(value) : null
      if (!s) return
      for (const [body, at] of revoked) if (at <= now) revoked.delete(body)
      if (s.expiresAt > now) revoked.set(s.body, s.expiresAt)
    },
  }
}

/** `Set-Cookie` for a session (or for clearing it with `value` null). */
export function sessionCookie(value: string | null, secure: boolean): string {
  const attrs = ['Path=/', 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])]
  return value === null
    ? `${SESSION_COOKIE}=; Max-Age=0; ${attrs.join('; ')}`
    : `${SESSION_COOKIE}=${value}; Max-Age=${SESSION_TTL_MS / 1000}; ${attrs.join('; ')}`
}
