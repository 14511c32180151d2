/**
 * Request authentication for the HTTP connector: bearer, basic, API key (header or query)
 * and OAuth2 client credentials. OAuth2 tokens are cached per (token URL, client, scope,
 * audience), refreshed `refreshSkewMs` before they expire, with at most one refresh in
 * flight per cache entry; a 401 from the API drops the cached token.
 * @module
 */
import type { Dispatcher } from 'undici'
import { ErrorCodes, isPrivateNetworkError, NonRetryableError, RetryableError } from '../../errors.js'
import type { Clock } from '../../types.js'
import { errorForNetwork, maskSecrets } from './classify.js'
import type { ParsedHttpAuth } from './params.js'

type OAuth2 = Extract<ParsedHttpAuth, { type: 'oauth2' }>

interface CachedToken {
  token: string
  /** Epoch ms; Infinity when the server gave no `expires_in`. */
  expiresAt: number
}

interface Entry {
  current?: CachedToken
  refreshing?: Promise<CachedToken>
}

/** The secret strings of an auth config, for masking. */
export function secretsOf(auth: ParsedHttpAuth | undefined): string[] {
  if (!auth) return []
  switch (auth.type) {
    case 'bearer':
      return [auth.token]
    case 'basic':
      return [auth.password, Buffer.from(`${auth.username}:${auth.password}`).toString('base64')]
    case 'apiKey':
      return [auth.value]
    case 'oauth2':
      return [auth.clientSecret]
  }
}

export class TokenCache {
  readonly #entries = new Map<string, Entry>()

  constructor(private readonly clock: Clock) {}

  /** A valid access token, fetching or refreshing it (through `dispatcher`) when needed. */
  async token(auth: OAuth2, signal: AbortSignal, dispatcher: Dispatcher): Promise<string> {
    const entry = this.#entry(auth)
    const now = this.clock.now()
    if (entry.current && now < entry.current.expiresAt - auth.refreshSkewMs) return entry.current.token
    if (!entry.refreshing) {
      entry.refreshing = this.#fetch(auth, signal, dispatcher).then(
        (t) => {
          entry.current = t
          entry.refreshing = undefined
          return t
        },
        (e: unknown) => {
          entry.refreshing = undefined
          throw e
        },
      )
    }
    return (await entry.refreshing).token
  }

  /** Forget a token the API rejected, so the next attempt fetches a fresh one. */
  invalidate(auth: OAuth2, token: string): void {
    const entry = this.#entry(auth)
    if (entry.current?.token === token) entry.current = undefined
  }

  #entry(auth: OAuth2): Entry {
    const key = [auth.tokenUrl, auth.clientId, auth.scope ?? '', auth.audience ?? ''].join('\n')
    let e = this.#entries.get(key)
    if (!e) {
      e = {}
      this.#entries.set(key, e)
    }
    return e
  }

  async #fetch(auth: OAuth2, signal: AbortSignal, dispatcher: Dispatcher): Promise<CachedToken> {
    const url = new URL(auth.tokenUrl)
    const target = `POST ${url.origin}${url.pathname} (token)`
    const form = new URLSearchParams({ grant_type: 'client_credentials' })
    if (auth.scope) form.set('scope', auth.scope)
    if (auth.audience) form.set('audience', auth.audience)
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }
    if (auth.clientAuth === 'basic') {
      const pair = `${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.clientSecret)}`
      headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`
    } else {
      form.set('client_id', auth.clientId)
      form.set('client_secret', auth.clientSecret)
    }
    const startedAt = this.clock.now()
    let res: Dispatcher.ResponseData
    try {
      res = await dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: 'POST',
        headers,
        body: form.toString(),
        signal,
      })
    } catch (error) {
      if (isPrivateNetworkError(error)) throw error
      throw errorForNetwork(error, target)
    }
    const text = await res.body.text()
    if (res.statusCode >= 500 || res.statusCode === 429) {
      throw new RetryableError(`${target} → ${res.statusCode}`, { status: res.statusCode, code: ErrorCodes.CONNECTOR_AUTH })
    }
    let json: { access_token?: unknown; expires_in?: unknown; error?: unknown } = {}
    try {
      json = JSON.parse(text)
    } catch {
      // handled below: no access_token
    }
    if (res.statusCode >= 300 || typeof json.access_token !== 'string') {
      const why = typeof json.error === 'string' ? json.error : `status ${res.statusCode}`
      throw new NonRetryableError(`${target} refused the client credentials: ${maskSecrets(why, [auth.clientSecret])}`, {
        status: res.statusCode,
        code: ErrorCodes.CONNECTOR_AUTH,
      })
    }
    const expiresIn = Number(json.expires_in)
    const expiresAt = Number.isFinite(expiresIn) && expiresIn > 0 ? startedAt + expiresIn * 1000 : Number.POSITIVE_INFINITY
    return { token: json.access_token, expiresAt }
  }
}

/** Apply auth to outgoing headers and URL. Returns the bearer token used, for invalidation. */
export async function applyAuth(
  auth: ParsedHttpAuth | undefined,
  headers: Record<string, string>,
  url: URL,
  tokens: TokenCache,
  signal: AbortSignal,
  dispatcher: Dispatcher,
): Promise<string | undefined> {
  if (!auth) return undefined
  switch (auth.type) {
    case 'bearer':
      headers.authorization = `Bearer ${auth.token}`
      return undefined
    case 'basic':
      headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`
      return undefined
    case 'apiKey':
      if (auth.in === 'query') url.searchParams.set(auth.name, auth.value)
      else headers[auth.name.toLowerCase()] = auth.value
      return undefined
    case 'oauth2': {
      const token = await tokens.token(auth, signal, dispatcher)
      headers.authorization = `Bearer ${token}`
      return token
    }
  }
}
