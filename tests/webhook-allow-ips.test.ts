/**
 * `allowIps` on a webhook trigger over real HTTP: IPv4 and IPv6 (::1) senders, and a real
 * reverse proxy in front (`X-Forwarded-For`, read right to left, `PIPEWRIGHT_TRUSTED_PROXIES`).
 * A refused sender gets 403 and nothing is stored.
 */
import { createServer as createHttpServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { webhook } from '../src/pipeline/define.js'
import { createServer } from '../src/server/app.js'
import { clientAddress, compileAllowIps } from '../src/triggers/ip-allowlist.js'
import { compile, sqliteStore, startHub, tempDir } from './helpers/engine.js'

interface Reply {
  status: number
  body: any
}

function post(host: string, port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  const body = JSON.stringify({ email: 'ann@acme.com' })
  return new Promise((resolve, reject) => {
    const req = request(
      { host, port, path: `/hooks/${path}`, method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

/** A minimal reverse proxy: forwards to the target, appending the peer to X-Forwarded-For. */
function startProxy(host: string, target: { host: string; port: number }): Promise<Server> {
  const proxy = createHttpServer((req, res) => {
    const prior = req.headers['x-forwarded-for']
    const xff = prior ? `${prior}, ${req.socket.remoteAddress}` : req.socket.remoteAddress!
    const out = request(
      {
        host: target.host,
        port: target.port,
        path: req.url,
        method: req.method,
        agent: false,
        headers: { ...req.headers, 'x-forwarded-for': xff },
      },
      (upstream) => {
        res.writeHead(upstream.statusCode!, upstream.headers)
        upstream.pipe(res)
      },
    )
    req.pipe(out)
  })
  return new Promise((resolve) => proxy.listen(0, host, () => resolve(proxy)))
}

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function hubServer(host: string, trustedProxies: number) {
  const tmp = tempDir('pw-allowips-')
  const store = sqliteStore(tmp.dir)
  const pipelines = [
    compile({
      id: 'local6',
      trigger: webhook({ path: 'local6', auth: { scheme: 'none' }, allowIps: ['::1'] }),
      steps: [{ id: 'a', map: 1 }],
    }),
    compile({
      id: 'local4',
      trigger: webhook({ path: 'local4', auth: { scheme: 'none' }, allowIps: ['127.0.0.0/8'] }),
      steps: [{ id: 'a', map: 1 }],
    }),
    compile({
      id: 'partner',
      trigger: webhook({ path: 'partner', auth: { scheme: 'none' }, allowIps: ['198.51.100.0/24', '2001:db8::/32'] }),
      steps: [{ id: 'a', map: 1 }],
    }),
    compile({ id: 'open', trigger: webhook({ path: 'open', auth: { scheme: 'none' } }), steps: [{ id: 'a', map: 1 }] }),
  ]
  const hub = await startHub({ pipelines, store })
  const server = await createServer(hub, { host, port: 0, trustedProxies })
  await server.listen()
  cleanups.push(
    tmp.cleanup,
    () => hub.close({ deadlineMs: 1000 }),
    () => server.close(),
  )
  const port = (server.app.server.address() as AddressInfo).port
  const events = async (pipelineId: string) => (await store.listRuns({ pipelineId, limit: 10 })).length
  return { port, events }
}

describe('allowIps over real HTTP', () => {
  it('an IPv6 sender (::1) is let in by ::1 and refused by an IPv4 range, with 403 and nothing stored', async () => {
    const s = await hubServer('::1', 0)
    const ok = await post('::1', s.port, 'local6')
    expect(ok.status).toBe(202)
    const refused = await post('::1', s.port, 'local4')
    expect(refused).toEqual({
      status: 403,
      body: { error: { code: 'PW_IP_NOT_ALLOWED', message: 'this webhook does not accept requests from your address' } },
    })
    expect((await post('::1', s.port, 'partner')).status).toBe(403)
    expect((await post('::1', s.port, 'open')).status).toBe(202)
    expect(await s.events('local6')).toBe(1)
    expect(await s.events('local4')).toBe(0)
    expect(await s.events('partner')).toBe(0)
  })

  it('without a trusted proxy, X-Forwarded-For is ignored: a client cannot claim an allowed address', async () => {
    const s = await hubServer('127.0.0.1', 0)
    expect((await post('127.0.0.1', s.port, 'local4')).status).toBe(202)
    expect((await post('127.0.0.1', s.port, 'partner', { 'x-forwarded-for': '198.51.100.7' })).status).toBe(403)
    expect(await s.events('partner')).toBe(0)
  })

  it('behind one trusted proxy, the address the proxy saw decides — including an IPv6 client — and a forged entry does not help', async () => {
    const s = await hubServer('127.0.0.1', 1)
    const proxy6 = await startProxy('::1', { host: '127.0.0.1', port: s.port })
    cleanups.push(() => new Promise((r) => proxy6.close(r)))
    const p6 = (proxy6.address() as AddressInfo).port
    // The client reaches the proxy over ::1; the proxy reaches the server over 127.0.0.1.
    expect((await post('::1', p6, 'local6')).status).toBe(202)
    expect((await post('::1', p6, 'local4')).status).toBe(403)
    // The client claims a partner address; the proxy appends the real one (::1), which decides.
    expect((await post('::1', p6, 'partner', { 'x-forwarded-for': '198.51.100.7' })).status).toBe(403)
    expect(await s.events('local6')).toBe(1)
    expect(await s.events('local4')).toBe(0)
    expect(await s.events('partner')).toBe(0)
  })

  it('refuses a bad PIPEWRIGHT_TRUSTED_PROXIES at start-up', async () => {
    const tmp = tempDir('pw-allowips-bad-')
    cleanups.push(tmp.cleanup)
    const hub = await startHub({ pipelines: [], store: sqliteStore(tmp.dir) })
    cleanups.push(() => hub.close({ deadlineMs: 100 }))
    await expect(createServer(hub, { port: 0, trustedProxies: 'two' })).rejects.toThrow(
      /PIPEWRIGHT_TRUSTED_PROXIES: must be a whole number of proxies from 0 to 16 \(got "two"\)/,
    )
  })
})

describe('client address and matching', () => {
  it.each<[string, string | undefined, number, string | null]>([
    ['10.0.0.9', undefined, 0, '10.0.0.9'],
    ['10.0.0.9', '1.2.3.4', 0, '10.0.0.9'],
    ['10.0.0.9', '1.2.3.4', 1, '1.2.3.4'],
    ['10.0.0.9', '6.6.6.6, 1.2.3.4', 1, '1.2.3.4'],
    ['10.0.0.9', '6.6.6.6, 1.2.3.4, 10.0.0.8', 2, '1.2.3.4'],
    ['10.0.0.9', undefined, 2, '10.0.0.9'],
  ])('peer %s, X-Forwarded-For %s, %i proxies → %s', (peer, xff, n, expected) => {
    expect(clientAddress(peer, xff, n)).toBe(expected)
  })

  it('matches IPv4, IPv6 and IPv4-mapped IPv6 addresses', () => {
    const allowed = compileAllowIps(['203.0.113.0/24', '2001:db8::/32', '::1'])
    expect(allowed('203.0.113.77')).toBe(true)
    expect(allowed('::ffff:203.0.113.77')).toBe(true)
    expect(allowed('203.0.114.1')).toBe(false)
    expect(allowed('2001:db8:1::5')).toBe(true)
    expect(allowed('2001:db9::5')).toBe(false)
    expect(allowed('::1')).toBe(true)
    expect(allowed('not an address')).toBe(false)
    expect(allowed(null)).toBe(false)
  })
})
