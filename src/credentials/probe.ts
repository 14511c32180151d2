/**
 * `pipewright credentials test`: each service's cheapest authenticated call, made with the
 * stored secret through the SSRF-guarded dispatcher. The emulators answer every one of them.
 *
 * | service | call |
 * | --- | --- |
 * | hubspot | `GET /crm/v3/objects/companies?limit=1` (Bearer) |
 * | slack | `POST /api/auth.test` (Bearer bot token; `ok:false` is a failure) |
 * | airtable | `GET /v0/meta/whoami` (Bearer) |
 * | notion | `GET /v1/users/me` (Bearer, `Notion-Version`) |
 * | mailchimp | `GET /3.0/ping` (basic auth with the API key) |
 *
 * The result never contains the secret: only status, a short reason and the time taken.
 * @module
 */
import type { Dispatcher } from 'undici'
import { request } from 'undici'
import type { StoredCredentialAccess } from '../connectors/contract.js'
import { hubspotAccessToken, parseHubspotOAuth } from '../connectors/hubspot/oauth.js'
import { NOTION_VERSION } from '../connectors/notion/connection.js'
import { isPipewrightError } from '../errors.js'

export interface ProbeResult {
  ok: boolean
  /** HTTP status, or 0 when no reply came. */
  status: number
  message: string
  durationMs: number
}

interface Probe {
  defaultBaseUrl: (secret: string) => string
  run: (base: string, secret: string) => { method: 'GET' | 'POST'; path: string; headers: Record<string, string> }
}

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` })

const PROBES: Record<string, Probe> = {
  hubspot: {
    defaultBaseUrl: () => 'https://api.hubapi.com',
    run: (_b, s) => ({ method: 'GET', path: '/crm/v3/objects/companies?limit=1', headers: bearer(s) }),
  },
  slack: {
    defaultBaseUrl: () => 'https://slack.com',
    run: (_b, s) => ({ method: 'POST', path: '/api/auth.test', headers: bearer(s) }),
  },
  airtable: {
    defaultBaseUrl: () => 'https://api.airtable.com',
    run: (_b, s) => ({ method: 'GET', path: '/v0/meta/whoami', headers: bearer(s) }),
  },
  notion: {
    defaultBaseUrl: () => 'https://api.notion.com',
    run: (_b, s) => ({ method: 'GET', path: '/v1/users/me', headers: { ...bearer(s), 'notion-version': NOTION_VERSION } }),
  },
  mailchimp: {
    defaultBaseUrl: (s) => `https://${s.slice(s.lastIndexOf('-') + 1)}.api.mailchimp.com`,
    run: (_b, s) => ({
      method: 'GET',
      path: '/3.0/ping',
      headers: { authorization: `Basic ${Buffer.from(`pipewright:${s}`).toString('base64')}` },
    }),
  },
}

/** Services `credentials test` can check. */
export const PROBED_SERVICES = Object.keys(PROBES)

export async function probeCredential(
  service: string,
  secret: string,
  options: {
    baseUrl?: string
    dispatcher: Dispatcher
    timeoutMs?: number
    now?: () => number
    /** The stored credential, so a refresh token HubSpot rotates while testing is written back. */
    credential?: StoredCredentialAccess
  },
): Promise<ProbeResult> {
  const now = options.now ?? Date.now
  const started = now()
  const probe = PROBES[service]
  if (!probe)
    return {
      ok: false,
      status: 0,
      message: `no test for service "${service}"; tests exist for ${PROBED_SERVICES.join(', ')}`,
      durationMs: 0,
    }
  const base = (options.baseUrl ?? probe.defaultBaseUrl(secret)).replace(/\/+$/, '').replace(/\/3\.0$/, '')
  const { method, path, headers } = probe.run(base, secret)
  try {
    const oauth = service === 'hubspot' ? parseHubspotOAuth(secret) : null
    if (oauth) {
      const token = await hubspotAccessToken(oauth, {
        baseUrl: base,
        dispatcher: options.dispatcher,
        now,
        ...(options.credential ? { credential: options.credential } : {}),
      })
      headers.authorization = `Bearer ${token}`
    }
    const res = await request(`${base}${path}`, {
      method,
      headers: { ...headers, accept: 'application/json', 'user-agent': 'pipewright credentials test' },
      dispatcher: options.dispatcher,
      headersTimeout: options.timeoutMs ?? 10_000,
      bodyTimeout: options.timeoutMs ?? 10_000,
    })
    const text = await res.body.text()
    const durationMs = now() - started
    if (res.statusCode >= 200 && res.statusCode < 300) {
      if (service === 'slack') {
        const body = safeJson(text) as { ok?: boolean; error?: string } | null
        if (body?.ok !== true) return { ok: false, status: res.statusCode, message: `Slack said ${body?.error ?? 'not ok'}`, durationMs }
      }
      return { ok: true, status: res.statusCode, message: 'authenticated', durationMs }
    }
    const reason = res.statusCode === 401 || res.statusCode === 403 ? 'rejected the credential' : 'answered'
    return { ok: false, status: res.statusCode, message: `${service} ${reason} (HTTP ${res.statusCode})`, durationMs }
  } catch (e) {
    if (isPipewrightError(e)) return { ok: false, status: e.status ?? 0, message: e.message, durationMs: now() - started }
    const err = e as { code?: string; message?: string }
    return {
      ok: false,
      status: 0,
      message: `no answer from ${new URL(base).origin}: ${err.code ?? err.message ?? 'error'}`,
      durationMs: now() - started,
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}
