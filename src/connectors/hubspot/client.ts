/**
 * The HubSpot HTTP client of the connector: one undici request with the Bearer token, the
 * step's idempotency key and JSON bodies (every reply's headers go to `ctx.observeHeaders`, so the
 * limiter follows `X-HubSpot-RateLimit-*`), and the mapping of a classified failure to
 * Pipewright's control-flow errors.
 * @module
 */
import type { ActionContext } from '../contract.js'
import { errorFor, providerCall } from '../provider-call.js'
import { classifyHubspot, type ProviderResponse } from './classify.js'
import type { HubspotConnection } from './connection.js'
import { dropHubspotAccessToken, hubspotAccessToken } from './oauth.js'

export async function hubspotCall(
  ctx: ActionContext<HubspotConnection>,
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<ProviderResponse> {
  const { oauth, baseUrl } = ctx.connection
  const send = async () =>
    providerCall(ctx, {
      service: 'HubSpot',
      method,
      url: `${baseUrl.replace(/\/+$/, '')}${path}`,
      what: path,
      headers: { authorization: `Bearer ${oauth ? await accessToken(ctx) : ctx.connection.token}` },
      body,
    })
  const res = await send()
  if (!oauth || res.status !== 401) return res
  // The access token expired early or was revoked: refresh once and send again.
  dropHubspotAccessToken(oauth)
  return send()
}

function accessToken(ctx: ActionContext<HubspotConnection>): Promise<string> {
  return hubspotAccessToken(ctx.connection.oauth!, {
    baseUrl: ctx.connection.baseUrl,
    dispatcher: ctx.dispatcher,
    now: () => ctx.clock.now(),
    signal: ctx.signal,
    ...(ctx.credential ? { credential: ctx.credential } : {}),
  })
}

/** Return the response when HubSpot accepted the call, else throw the matching control-flow error. */
export function hubspotOk(res: ProviderResponse, what: string, now: number): ProviderResponse {
  const c = classifyHubspot(res, now)
  const err = errorFor(
    c,
    res.status,
    `HubSpot ${what}: ${(c as { message?: string }).message ?? `HTTP ${res.status}`}`,
    c.kind === 'rate-limited' ? 'RATE_LIMITS' : undefined,
  )
  if (err) throw err
  return res
}
