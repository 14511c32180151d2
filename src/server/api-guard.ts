/**
 * The fastify side of the request guard (request-guard.ts) and of API authentication
 * (api-auth.ts): one `onRequest` hook for `/api`, one for the dashboard's pages, and the session
 * routes `GET|POST|DELETE /api/v1/session` the dashboard uses to trade the token for a cookie.
 *
 * A request to `/api` passes, in order:
 * 1. `Host` on the allowlist, else 421 `PW_HOST_NOT_ALLOWED` (DNS rebinding);
 * 2. not cross-origin by `Sec-Fetch-Site` / `Origin`, else 403 `PW_CROSS_ORIGIN`;
 * 3. a state-changing method carries a JSON body type (CSV where the route takes CSV), else 415;
 * 4. the bearer token, or a session cookie (state changes with a cookie need a same-origin
 *    request), else 401 — unless no token is configured (loopback only).
 * @module
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ErrorCodes } from '../errors.js'
import type { Clock } from '../types.js'
import { bearerToken, cookieValue, createSessions, SESSION_COOKIE, type Sessions, sessionCookie, tokensEqual } from './api-auth.js'
import { sessionDocs } from './api-schemas.js'
import { identify, type NamedToken } from './api-tokens.js'
import { HttpError } from './http-error.js'
import { contentTypeProblem, type HostRule, hostAllowed, isSafeMethod, originOf } from './request-guard.js'

export interface GuardOptions {
  hosts: HostRule[]
  /** The API token; null leaves the API open (allowed on loopback only). */
  token: string | null
  /** Named tokens with a scope (docs/governance.md#api-tokens); `token` is one of them, named `default`. */
  tokens?: NamedToken[]
  clock: Clock
}

const actors = new WeakMap<object, string>()

/**
 * Who made an /api request, for the audit log: `token:<name>` for a bearer token,
 * `session:<name>` for the dashboard, `local` when the API is open on loopback.
 */
export function actorOf(req: FastifyRequest): string {
  return actors.get(req.raw) ?? 'local'
}

/** Route config keys the guard reads: `bodyTypes` (accepted request body types), `anonymous` (no auth). */
export interface GuardRouteConfig {
  bodyTypes?: string[]
  anonymous?: boolean
}

export interface ApiGuard {
  api: (req: FastifyRequest) => Promise<void>
  page: (req: FastifyRequest) => Promise<void>
  sessions: Sessions | null
  /** Every token that may sign in (the API token is `default`). */
  tokens: readonly NamedToken[]
  /** The token a session cookie was opened with, while the session is valid and the token configured. */
  sessionToken(value: string | null, now: number): NamedToken | null
}

function checkHost(req: FastifyRequest, hosts: HostRule[]) {
  if (!hostAllowed(hosts, req.headers.host))
    throw new HttpError(
      421,
      ErrorCodes.HOST_NOT_ALLOWED,
      `Host ${JSON.stringify(req.headers.host ?? '')} is not one this server answers to; add it to PIPEWRIGHT_ALLOWED_HOSTS if it is yours`,
    )
}

export function createApiGuard(options: GuardOptions): ApiGuard {
  const { hosts, token, clock } = options
  const sessions = token === null ? null : createSessions(token)
  const tokens = options.tokens ?? (token === null ? [] : [{ name: 'default', scope: 'admin' as const, token }])
  // The admin token the sessions are keyed on: a session from before named tokens is its.
  const mainName = tokens.find((t) => token !== null && tokensEqual(t.token, token))?.name ?? 'default'
  const sessionToken = (value: string | null, now: number): NamedToken | null => {
    const name = sessions?.nameOf(value, now) ?? null
    if (name === null) return null
    return tokens.find((t) => t.name === name) ?? (name === 'default' ? (tokens.find((t) => t.name === mainName) ?? null) : null)
  }
  return {
    sessions,
    tokens,
    sessionToken,
    page: async (req) => checkHost(req, hosts),
    api: async (req) => {
      checkHost(req, hosts)
      const origin = originOf(req.headers)
      if (origin === 'cross-origin')
        throw new HttpError(403, ErrorCodes.CROSS_ORIGIN, 'requests from another origin are refused; /api serves this server’s own pages')
      const config = (req.routeOptions?.config ?? {}) as GuardRouteConfig
      const unsafe = !isSafeMethod(req.method)
      if (unsafe) {
        const problem = contentTypeProblem(req.headers['content-type'], config.bodyTypes ?? ['application/json'])
        if (problem) throw new HttpError(415, ErrorCodes.UNSUPPORTED_MEDIA_TYPE, problem)
      }
      if (token === null || config.anonymous) return
      const bearer = bearerToken(req.headers.authorization)
      const named = bearer === null ? null : identify(bearer, tokens)
      if (named) {
        if (unsafe && named.scope !== 'admin')
          throw new HttpError(
            403,
            ErrorCodes.FORBIDDEN,
            `token ${named.name} is read-only; this request changes state and needs an admin token`,
          )
        actors.set(req.raw, `token:${named.name}`)
        return
      }
      const session = bearer === null ? sessionToken(cookieValue(req.headers.cookie, SESSION_COOKIE), clock.now()) : null
      if (session) {
        if (unsafe && origin !== 'same-origin')
          throw new HttpError(403, ErrorCodes.CROSS_ORIGIN, 'a dashboard session changes state only from the dashboard itself')
        if (unsafe && session.scope !== 'admin')
          throw new HttpError(
            403,
            ErrorCodes.FORBIDDEN,
            `signed in with token ${session.name}, which is read-only; this request changes state and needs an admin token`,
          )
        actors.set(req.raw, `session:${session.name}`)
        return
      }
      throw new HttpError(401, ErrorCodes.UNAUTHORIZED, 'missing or wrong bearer token for /api', undefined, {
        'www-authenticate': 'Bearer',
      })
    },
  }
}

const secure = (req: FastifyRequest) => req.protocol === 'https'

/** `GET /session` (am I signed in?), `POST /session {token}` (sign in), `DELETE /session` (sign out). */
export async function registerSessionRoutes(api: FastifyInstance, guard: ApiGuard, token: string | null, clock: Clock) {
  const config: GuardRouteConfig = { anonymous: true }
  const current = (req: FastifyRequest) => cookieValue(req.headers.cookie, SESSION_COOKIE)
  api.get('/session', { config, schema: sessionDocs.get }, async (req) => {
    if (token === null) return { required: false, authenticated: true }
    const bearer = bearerToken(req.headers.authorization)
    const who = bearer !== null ? identify(bearer, guard.tokens) : guard.sessionToken(current(req), clock.now())
    return who ? { required: true, authenticated: true, scope: who.scope } : { required: true, authenticated: false }
  })
  // Any configured token signs in; the session keeps its name and scope (a read token's only reads).
  api.post('/session', { config: config as Record<string, unknown>, schema: sessionDocs.post }, async (req, reply: FastifyReply) => {
    if (token === null) return { required: false, authenticated: true }
    const given = (req.body as { token?: unknown } | null)?.token
    const who = typeof given === 'string' ? identify(given, guard.tokens) : null
    if (!who) throw new HttpError(401, ErrorCodes.UNAUTHORIZED, 'that API token was refused')
    reply.header('set-cookie', sessionCookie(guard.sessions!.issue(clock.now(), who.name), secure(req)))
    return { required: true, authenticated: true, scope: who.scope }
  })
  api.delete('/session', { config: config as Record<string, unknown>, schema: sessionDocs.delete }, async (req, reply: FastifyReply) => {
    guard.sessions?.revoke(current(req), clock.now())
    reply.header('set-cookie', sessionCookie(null, secure(req)))
    return { required: token !== null, authenticated: false }
  })
}
