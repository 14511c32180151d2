/**
 * HubSpot OAuth (public apps): an access token from the refresh token, cached per connection
 * and refreshed 60 s before it expires (one refresh in flight at a time); a 401 drops it so the
 * next call refreshes. The refresh token, client secret and access tokens never appear in errors.
 *
 * With the app's settings in the credential store (`credential`), each refresh first reads the
 * stored secret (a `credentials rotate` or another process's rotation takes effect at the next
 * refresh, without a restart), and a new refresh token in the token endpoint's answer is written
 * back, encrypted, so the next start and every other process use it. A refresh refused after
 * another process rotated the token is retried once with the stored one.
 * @module
 */
import { type Dispatcher, request } from 'undici'
import { NonRetryableError, RetryableError } from '../../errors.js'
import type { StoredCredentialAccess } from '../contract.js'

export interface HubspotOAuth {
  clientId: string
  clientSecret: string
  refreshToken: string
  /** @defaultValue `<baseUrl>/oauth/v1/token` */
  tokenUrl?: string
}

interface Cached {
  accessToken?: string
  expiresAt: number
  pending?: Promise<string>
}

/** Refresh this long before the access token expires. */
export const REFRESH_SKEW_MS = 60_000

const cache = new WeakMap<HubspotOAuth, Cached>()

/** The secret as OAuth settings when it is a JSON object with a refresh token, else null. */
export function parseHubspotOAuth(secret: string): HubspotOAuth | null {
  const text = secret.trim()
  if (!text.startsWith('{')) return null
  try {
    const v = JSON.parse(text) as Partial<HubspotOAuth>
    if (typeof v.refreshToken === 'string' && typeof v.clientId === 'string' && typeof v.clientSecret === 'string')
      return {
        clientId: v.clientId,
        clientSecret: v.clientSecret,
        refreshToken: v.refreshToken,
        ...(v.tokenUrl ? { tokenUrl: v.tokenUrl } : {}),
      }
  } catch {
    // not JSON: a plain token
  }
  return null
}

interface TokenOptions {
  baseUrl: string
  dispatcher: Dispatcher
  now: () => number
  signal?: AbortSignal
  /** The stored credential holding the app's settings, when they come from the store. */
  credential?: StoredCredentialAccess
}

/** A valid access token for `oauth`, refreshing it when it expires within a minute. */
export async function hubspotAccessToken(oauth: HubspotOAuth, o: TokenOptions): Promise<string> {
  let c = cache.get(oauth)
  if (!c) {
    c = { expiresAt: 0 }
    cache.set(oauth, c)
  }
  if (c.accessToken && o.now() < c.expiresAt - REFRESH_SKEW_MS) return c.accessToken
  const entry = c
  entry.pending ??= (o.credential ? refreshStored(oauth, o, o.credential) : refresh(oauth, o))
    .then((r) => {
      // A rotated refresh token from an environment credential lives in memory only (docs/credentials.md).
      if (r.refreshToken) oauth.refreshToken = r.refreshToken
      entry.accessToken = r.accessToken
      entry.expiresAt = o.now() + r.expiresInMs
      return r.accessToken
    })
    .finally(() => {
      entry.pending = undefined
    })
  return entry.pending
}

/** Forget the cached access token (after a 401). */
export function dropHubspotAccessToken(oauth: HubspotOAuth): void {
  const c = cache.get(oauth)
  if (c) {
    c.accessToken = undefined
    c.expiresAt = 0
  }
}

/** Take the stored settings when they differ from those in memory; returns whether anything changed. */
async function adoptStored(oauth: HubspotOAuth, credential: StoredCredentialAccess): Promise<boolean> {
  const text = await credential.read().catch(() => null)
  const stored = text ? parseHubspotOAuth(text) : null
  if (!stored) return false
  const changed =
    stored.refreshToken !== oauth.refreshToken || stored.clientId !== oauth.clientId || stored.clientSecret !== oauth.clientSecret
  Object.assign(oauth, { refreshToken: stored.refreshToken, clientId: stored.clientId, clientSecret: stored.clientSecret })
  return changed
}

/** Refresh with the stored settings, and store a rotated refresh token. */
async function refreshStored(
  oauth: HubspotOAuth,
  o: TokenOptions,
  credential: StoredCredentialAccess,
): Promise<{ accessToken: string; expiresInMs: number; refreshToken?: string }> {
  await adoptStored(oauth, credential)
  let r: Awaited<ReturnType<typeof refresh>>
  try {
    r = await refresh(oauth, o)
  } catch (e) {
    // Another process may have rotated the token between our read and HubSpot's answer.
    if (!(e instanceof NonRetryableError) || !(await adoptStored(oauth, credential))) throw e
    r = await refresh(oauth, o)
  }
  if (r.refreshToken && r.refreshToken !== oauth.refreshToken) {
    const text = await credential.read().catch(() => null)
    let settings: Record<string, unknown> | null = null
    try {
      settings = text ? (JSON.parse(text) as Record<string, unknown>) : null
    } catch {
      settings = null
    }
    oauth.refreshToken = r.refreshToken
    // Written back before the access token is used: losing it would lose the account's grant.
    if (settings) await credential.write(JSON.stringify({ ...settings, refreshToken: r.refreshToken }))
  }
  return r
}

async function refresh(
  oauth: HubspotOAuth,
  o: { baseUrl: string; dispatcher: Dispatcher; signal?: AbortSignal },
): Promise<{ accessToken: string; expiresInMs: number; refreshToken?: string }> {
  const url = oauth.tokenUrl ?? `${o.baseUrl.replace(/\/+$/, '')}/oauth/v1/token`
  let res: Dispatcher.ResponseData
  try {
    res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: oauth.clientId,
        client_secret: oauth.clientSecret,
        refresh_token: oauth.refreshToken,
      }).toString(),
      dispatcher: o.dispatcher,
      ...(o.signal ? { signal: o.signal } : {}),
    })
  } catch (e) {
    throw new RetryableError(`HubSpot OAuth refresh: no answer (${(e as { code?: string }).code ?? 'network error'})`)
  }
  const body = (await res.body.json().catch(() => null)) as {
    access_token?: string
    refresh_token?: string
    expires_in?: number
    status?: string
  } | null
  if (res.statusCode >= 500 || res.statusCode === 429)
    throw new RetryableError(`HubSpot OAuth refresh: HTTP ${res.statusCode}`, { status: res.statusCode })
  if (res.statusCode !== 200 || !body?.access_token)
    throw new NonRetryableError(`HubSpot OAuth refresh refused: HTTP ${res.statusCode} ${body?.status ?? ''}`.trim(), {
      status: res.statusCode,
    })
  return {
    accessToken: body.access_token,
    expiresInMs: (body.expires_in ?? 1800) * 1000,
    ...(typeof body.refresh_token === 'string' && body.refresh_token ? { refreshToken: body.refresh_token } : {}),
  }
}
