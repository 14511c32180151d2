/**
 * The request guard of /api and the dashboard, through fastify's inject: Host allowlist (DNS
 * rebinding), Origin / Sec-Fetch-Site, JSON body types on state changes, bearer tokens (any case
 * of `Bearer`, 32+ characters), the session cookie, and stack traces kept out of responses.
 * The browser-level attack (a page on another origin) is in tests/server-csrf-browser.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { invocation } from '../src/connectors/contract.js'
import type { Hub } from '../src/engine/hub.js'
import { ConfigError } from '../src/errors.js'
import { manual } from '../src/pipeline/define.js'
import { bearerToken, createSessions, SESSION_TTL_MS } from '../src/server/api-auth.js'
import { createServer, type PipewrightServer } from '../src/server/app.js'
import { compileAllowedHosts, hostAllowed, originOf } from '../src/server/request-guard.js'
import type { Store } from '../src/store/contract.js'
import { compile, eventually, ScriptedActions, sqliteStore, startHub, tempDir } from './helpers/engine.js'

const TOKEN = 'a-token-of-forty-characters-0123456789ab'
let tmp: ReturnType<typeof tempDir>
let store: Store
let hub: Hub
let servers: PipewrightServer[]

beforeEach(async () => {
  tmp = tempDir()
  store = sqliteStore(tmp.dir)
  const actions = new ScriptedActions().on('crm.write', () => {
    throw new Error('crm refused the row')
  })
  const p = compile({
    id: 'leads',
    trigger: manual(),
    retry: { maxAttempts: 1 },
    steps: [{ id: 'write', action: invocation('crm.write', {}) }],
  })
  hub = await startHub({ pipelines: [p], store, actions })
  servers = []
})
afterEach(async () => {
  for (const s of servers) await s.close()
  await hub.close()
  tmp.cleanup()
})

async function serve(options: Parameters<typeof createServer>[1] = {}) {
  const s = await createServer(hub, options)
  servers.push(s)
  return s
}

async function deadRun(): Promise<string> {
  const [r] = await hub.ingest('leads', [{ payload: { email: 'a@b.co' } }])
  await eventually(async () => (await store.getDeadLetter(r!.runId)) !== null)
  return r!.runId
}

describe('Host allowlist', () => {
  it('answers loopback names and refuses any other Host with 421, on /api and the dashboard', async () => {
    const s = await serve()
    for (const host of ['localhost:4280', '127.0.0.1:4280', '[::1]:4280', 'LOCALHOST'])
      expect((await s.app.inject({ url: '/api/v1/pipelines', headers: { host } })).statusCode, host).toBe(200)
    for (const host of ['attacker.example:4280', 'localhost.attacker.example', '127.0.0.1.nip.io', 'a b']) {
      const api = await s.app.inject({ url: '/api/v1/pipelines', headers: { host } })
      expect(api.statusCode, host).toBe(421)
      expect(api.json().error.code).toBe('PW_HOST_NOT_ALLOWED')
      expect((await s.app.inject({ url: '/', headers: { host } })).statusCode, host).toBe(421)
      expect((await s.app.inject({ url: '/web/app.js', headers: { host } })).statusCode, host).toBe(421)
    }
  })

  it('accepts configured names, ports and sub-domains; webhooks and probes answer any Host', async () => {
    const s = await serve({ allowedHosts: ['hub.example.com', 'ops.example.com:8443', '*.internal.example'] })
    const status = async (host: string, url = '/api/v1/pipelines') => (await s.app.inject({ url, headers: { host } })).statusCode
    expect(await status('hub.example.com')).toBe(200)
    expect(await status('hub.example.com:4280')).toBe(200)
    expect(await status('ops.example.com:8443')).toBe(200)
    expect(await status('ops.example.com:4280')).toBe(421)
    expect(await status('a.internal.example')).toBe(200)
    expect(await status('internal.example')).toBe(421)
    expect(await status('evil.example', '/healthz')).toBe(200)
    expect(await status('evil.example', '/readyz')).toBe(200)
  })

  it('rejects a malformed allowlist entry at start-up, naming the setting', async () => {
    await expect(serve({ allowedHosts: ['http://x/y'] })).rejects.toThrow(/PIPEWRIGHT_ALLOWED_HOSTS.*not a host name/)
    expect(hostAllowed(compileAllowedHosts([], '10.1.2.3'), '10.1.2.3:4280')).toBe(true)
    expect(hostAllowed(compileAllowedHosts([], '0.0.0.0'), '0.0.0.0:4280')).toBe(false)
  })
})

describe('state changes need a JSON body type and the same origin', () => {
  it('refuses a text/plain or form POST (no preflight) and one without a body type, before doing anything', async () => {
    const s = await serve()
    const runId = await deadRun()
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
      const res = await s.app.inject({
        method: 'POST',
        url: '/api/v1/dead-letters/replay',
        headers: type ? { 'content-type': type } : {},
        payload: JSON.stringify({ filter: { pipeline: 'leads' } }),
      })
      expect(res.statusCode, String(type)).toBe(415)
      expect(res.json().error.code).toBe('PW_UNSUPPORTED_MEDIA_TYPE')
    }
    const discard = await s.app.inject({ method: 'POST', url: `/api/v1/dead-letters/${runId}/discard` })
    expect(discard.statusCode).toBe(415)
    expect((await store.getDeadLetter(runId))?.replayedBy).toBeNull()
    expect((await store.getDeadLetter(runId))?.discardedAt).toBeNull()
  })

  it('refuses requests a browser marks cross-origin, same-site ones included, even with the token', async () => {
    const s = await serve({ apiToken: TOKEN })
    const runId = await deadRun()
    const json = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }
    const cases: Array<Record<string, string>> = [
      { origin: 'http://attacker.example' },
      { origin: 'http://localhost:3000' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'http://localhost:80', 'sec-fetch-site': 'same-site' },
    ]
    for (const extra of cases) {
      const res = await s.app.inject({
        method: 'POST',
        url: `/api/v1/dead-letters/${runId}/discard`,
        headers: { ...json, ...extra },
        payload: '{}',
      })
      expect(res.statusCode, JSON.stringify(extra)).toBe(403)
      expect(res.json().error.code).toBe('PW_CROSS_ORIGIN')
    }
    expect((await store.getDeadLetter(runId))?.discardedAt).toBeNull()
    // The dashboard's own origin, and clients that are not browsers, get through.
    const same = await s.app.inject({
      method: 'POST',
      url: `/api/v1/dead-letters/${runId}/discard`,
      headers: { ...json, origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' },
    })
    expect(same.statusCode).toBe(200)
    expect((await store.getDeadLetter(runId))?.discardedAt).not.toBeNull()
  })

  it('classifies origins as a browser reports them', () => {
    expect(originOf({ host: 'localhost:4280', origin: 'http://localhost:4280' })).toBe('same-origin')
    expect(originOf({ host: 'localhost:4280', origin: 'http://localhost:4281' })).toBe('cross-origin')
    expect(originOf({ host: 'localhost', origin: 'http://localhost' })).toBe('same-origin')
    expect(originOf({ host: 'hub.example.com', origin: 'https://hub.example.com' })).toBe('same-origin')
    expect(originOf({ host: 'localhost:4280', 'sec-fetch-site': 'none' })).toBe('same-origin')
    expect(originOf({ host: 'localhost:4280' })).toBe('unknown')
  })
})

describe('API token and dashboard session', () => {
  it('refuses tokens shorter than 32 characters at start-up with a clear message', async () => {
    const err = await serve({ apiToken: 'x' }).catch((e) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect(err.message).toContain('PIPEWRIGHT_API_TOKEN: is 1 character(s) long; an API token needs at least 32 characters')
    await expect(serve({ apiToken: `${'a'.repeat(20)} ${'b'.repeat(20)}` })).rejects.toThrow(/must not contain spaces/)
    await expect(serve({ host: '0.0.0.0', apiToken: null })).rejects.toThrow(/PIPEWRIGHT_API_TOKEN: is required when listening on 0.0.0.0/)
  })

  it('accepts Bearer in any case and nothing else', async () => {
    const s = await serve({ apiToken: TOKEN })
    const status = async (authorization?: string) =>
      (await s.app.inject({ url: '/api/v1/runs', headers: authorization === undefined ? {} : { authorization } })).statusCode
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) expect(await status(`${scheme} ${TOKEN}`), scheme).toBe(200)
    expect(await status(`Bearer  ${TOKEN}`)).toBe(200)
    for (const bad of [
      undefined,
      TOKEN,
      `Basic ${TOKEN}`,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(1)}`,
      'Bearer',
      `Bearer ${TOKEN} extra`,
    ])
      expect(await status(bad), String(bad)).toBe(401)
    expect(bearerToken('Bearer\tabc')).toBe('abc')
  })

  it('trades the token once for an HttpOnly SameSite=Strict cookie that works until sign-out', async () => {
    const s = await serve({ apiToken: TOKEN })
    const runId = await deadRun()
    const post = (payload: unknown, headers: Record<string, string> = {}) =>
      s.app.inject({
        method: 'POST',
        url: '/api/v1/session',
        headers: { 'content-type': 'application/json', ...headers },
        payload: JSON.stringify(payload),
      })
    expect((await s.app.inject({ url: '/api/v1/session' })).json()).toEqual({ required: true, authenticated: false })
    expect((await post({ token: 'wrong' })).statusCode).toBe(401)
    expect((await post({ token: TOKEN }, { origin: 'http://attacker.example' })).statusCode).toBe(403)
    const login = await post({ token: TOKEN }, { origin: 'http://localhost:80' })
    expect(login.statusCode).toBe(200)
    const setCookie = String(login.headers['set-cookie'])
    expect(setCookie).toMatch(/^pipewright_session=[^;]+; Max-Age=604800; Path=\/; HttpOnly; SameSite=Strict$/)
    expect(setCookie).not.toContain(TOKEN)
    const cookie = setCookie.split(';')[0]!

    expect((await s.app.inject({ url: '/api/v1/runs', headers: { cookie } })).statusCode).toBe(200)
    expect((await s.app.inject({ url: '/api/v1/session', headers: { cookie } })).json()).toEqual({
      required: true,
      authenticated: true,
      scope: 'admin',
    })
    // A state change with the cookie needs the dashboard's own origin, not just the cookie.
    const discard = (headers: Record<string, string>) =>
      s.app.inject({
        method: 'POST',
        url: `/api/v1/dead-letters/${runId}/discard`,
        headers: { cookie, 'content-type': 'application/json', ...headers },
      })
    expect((await discard({})).statusCode).toBe(403)
    expect((await discard({ origin: 'http://localhost:3000' })).statusCode).toBe(403)
    expect((await store.getDeadLetter(runId))?.discardedAt).toBeNull()
    expect((await discard({ origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' })).statusCode).toBe(200)

    const logout = await s.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie, 'content-type': 'application/json' } })
    expect(String(logout.headers['set-cookie'])).toContain('pipewright_session=; Max-Age=0')
    expect((await s.app.inject({ url: '/api/v1/runs', headers: { cookie } })).statusCode).toBe(401)
    // A forged or tampered cookie is refused.
    expect((await s.app.inject({ url: '/api/v1/runs', headers: { cookie: `${cookie}x` } })).statusCode).toBe(401)
  })

  it('a named read token signs in to a session that reads and cannot change state; an admin one can', async () => {
    const READ = 'r'.repeat(40)
    const OPS = 'o'.repeat(40)
    const s = await serve({
      apiToken: TOKEN,
      apiTokens: [
        { name: 'grafana', scope: 'read', token: READ },
        { name: 'ops', scope: 'admin', token: OPS },
      ],
    })
    const runId = await deadRun()
    const same = { origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' }
    const signIn = async (token: string) => {
      const r = await s.app.inject({ method: 'POST', url: '/api/v1/session', headers: same, payload: JSON.stringify({ token }) })
      return { status: r.statusCode, body: r.json(), cookie: String(r.headers['set-cookie']).split(';')[0]! }
    }
    const read = await signIn(READ)
    expect(read).toMatchObject({ status: 200, body: { required: true, authenticated: true, scope: 'read' } })
    expect(read.cookie).not.toContain('grafana')
    expect((await s.app.inject({ url: '/api/v1/dead-letters', headers: { cookie: read.cookie } })).statusCode).toBe(200)
    expect((await s.app.inject({ url: '/api/v1/session', headers: { cookie: read.cookie } })).json()).toMatchObject({ scope: 'read' })
    const refused = await s.app.inject({
      method: 'POST',
      url: `/api/v1/dead-letters/${runId}/discard`,
      headers: { ...same, cookie: read.cookie },
    })
    expect(refused.statusCode).toBe(403)
    expect(refused.json().error).toMatchObject({
      code: 'PW_FORBIDDEN',
      message: expect.stringContaining('token grafana, which is read-only'),
    })
    expect((await store.getDeadLetter(runId))?.discardedAt).toBeNull()

    const ops = await signIn(OPS)
    expect(ops.body).toMatchObject({ scope: 'admin' })
    expect(
      (await s.app.inject({ method: 'POST', url: `/api/v1/dead-letters/${runId}/discard`, headers: { ...same, cookie: ops.cookie } }))
        .statusCode,
    ).toBe(200)
    expect((await store.audit.list({ action: 'discard' }))[0]).toMatchObject({ actor: 'session:ops' })
    expect((await signIn('x'.repeat(40))).status).toBe(401)
  })

  it('sessions expire, and a new API token ends every session', () => {
    const a = createSessions(TOKEN)
    const v = a.issue(1_000)
    expect(a.valid(v, 2_000)).toBe(true)
    expect(a.valid(v, 1_000 + SESSION_TTL_MS)).toBe(false)
    expect(createSessions(`${TOKEN}-rotated`).valid(v, 2_000)).toBe(false)
  })
})

describe('responses leave stack traces out', () => {
  it('strips stacks from run errors and dead letters unless debug is on', async () => {
    const runId = await deadRun()
    const stored = await store.getDeadLetter(runId)
    expect(stored?.error?.stack).toContain('crm refused the row')
    const plain = await serve()
    const bodies = [
      (await plain.app.inject({ url: `/api/v1/runs/${runId}` })).body,
      (await plain.app.inject({ url: `/api/v1/dead-letters/${runId}` })).body,
      (await plain.app.inject({ url: '/api/v1/dead-letters' })).body,
    ]
    for (const b of bodies) {
      expect(b).toContain('crm refused the row')
      expect(b).not.toContain('"stack"')
      expect(b).not.toMatch(/\.ts:\d+/)
    }
    const debug = await serve({ debug: true })
    expect((await debug.app.inject({ url: `/api/v1/dead-letters/${runId}` })).body).toContain('"stack"')
  })
})

describe('listening address', () => {
  it('reports the address actually bound', async () => {
    const s = await serve({ host: '127.0.0.1', port: 0 })
    const url = await s.listen()
    expect(s.boundUrl()).toBe(url)
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })
})
