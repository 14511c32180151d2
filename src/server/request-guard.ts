/**
 * The request guard of `/api` and the dashboard: which `Host` may be asked for (DNS rebinding),
 * which requests count as coming from the dashboard's own origin (`Origin`, `Sec-Fetch-Site`),
 * and what a state-changing request must carry so no simple cross-origin request (a form post,
 * a `text/plain` fetch without preflight) can change anything. Webhooks, `/healthz`, `/readyz`
 * and `/metrics` are not guarded here: senders and probes come from anywhere, by design.
 *
 * @example
 * ```ts
 * const hosts = compileAllowedHosts(['pipewright.example.com'], '0.0.0.0')
 * hostAllowed(hosts, 'pipewright.example.com:4280') // true
 * hostAllowed(hosts, 'attacker.example:4280')       // false
 * ```
 * @module
 */

/** Host names always accepted: a request for them can only come from this machine. */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'] as const

export interface HostRule {
  /** Lower-case host name or IP (IPv6 in brackets); `*.example.com` matches sub-domains. */
  name: string
  /** Only this port, or any when null. */
  port: string | null
}

const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '[::]', ''])

function parseHost(value: string): { name: string; port: string | null } | null {
  if (!value || /[\s/?#@\\]/.test(value)) return null
  try {
    const u = new URL(`http://${value}`)
    return { name: u.hostname.toLowerCase(), port: u.port || null }
  } catch {
    return null
  }
}

/**
 * The Host rules for a server bound to `bindHost`: the configured entries
 * (`PIPEWRIGHT_ALLOWED_HOSTS`), the loopback names, and the bind address itself when it is a
 * specific address or name. Throws on an entry that is not a host name.
 */
export function compileAllowedHosts(configured: readonly string[] | undefined, bindHost: string): HostRule[] {
  const rules: HostRule[] = LOOPBACK_HOSTS.map((name) => ({ name, port: null }))
  const bind = bindHost.includes(':') && !bindHost.startsWith('[') ? `[${bindHost}]` : bindHost
  if (!WILDCARD_BINDS.has(bindHost)) {
    const b = parseHost(bind)
    if (b) rules.push({ name: b.name, port: null })
  }
  for (const raw of configured ?? []) {
    const entry = raw.trim()
    if (!entry) continue
    const wildcard = entry.startsWith('*.')
    const parsed = parseHost(wildcard ? entry.slice(2) : entry)
    if (!parsed) throw new Error(`"${entry}" is not a host name (use name, name:port or *.domain)`)
    rules.push({ name: wildcard ? `*.${parsed.name}` : parsed.name, port: parsed.port })
  }
  return rules
}

/** True when the `Host` header names this server under one of `rules`. */
export function hostAllowed(rules: readonly HostRule[], header: string | undefined): boolean {
  const h = parseHost(header ?? '')
  if (!h) return false
  return rules.some((r) => {
    if (r.port !== null && r.port !== h.port) return false
    if (r.name.startsWith('*.')) return h.name.endsWith(r.name.slice(1))
    return r.name === h.name
  })
}

export type OriginVerdict = 'same-origin' | 'cross-origin' | 'unknown'

/**
 * Where a request comes from, as the browser tells it. `unknown`: no browser header at all (curl,
 * an SDK, a server): such clients are not driven by a web page. A request that says it is
 * `same-site` (another port of the same host) is cross-origin: cookies marked SameSite=Strict
 * still travel with it, so it must not be trusted.
 */
export function originOf(headers: Record<string, string | string[] | undefined>): OriginVerdict {
  const site = single(headers['sec-fetch-site'])
  const origin = single(headers.origin)
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return 'cross-origin'
  if (origin !== undefined) {
    const own = parseHost(single(headers.host) ?? '')
    let o: URL
    try {
      o = new URL(origin)
    } catch {
      return 'cross-origin'
    }
    if (!own || o.origin === 'null') return 'cross-origin'
    const port = o.port || (o.protocol === 'https:' ? '443' : '80')
    const ownPort = own.port ?? (o.protocol === 'https:' ? '443' : '80')
    return o.hostname.toLowerCase() === own.name && port === ownPort ? 'same-origin' : 'cross-origin'
  }
  return site === undefined ? 'unknown' : 'same-origin'
}

/** Methods that never change state; every other method must pass {@link stateChangeProblem}. */
export function isSafeMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS'
}

/**
 * Why a state-changing request is refused on content type, or null. A body type a page can send
 * without a CORS preflight (`text/plain`, forms) is refused, and so is a missing one: JSON (or
 * CSV where a route takes CSV) forces the browser to ask first, and we never say yes.
 */
export function contentTypeProblem(contentType: string | undefined, accepted: readonly string[]): string | null {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  if (accepted.includes(type) || (accepted.includes('application/json') && /^application\/[a-z0-9.+-]+\+json$/.test(type))) return null
  return `requests that change state must send content-type: ${accepted.join(' or ')}${type ? ` (got ${type})` : ''}`
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v
}
