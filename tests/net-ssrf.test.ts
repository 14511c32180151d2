/**
 * The SSRF guard, as a hostile pipeline would probe it: every private address form, names that
 * resolve to private addresses, DNS rebinding (a resolver that answers public, then private),
 * redirects to private addresses — each refused unless allowed, through the real gateway and
 * undici, against real servers on loopback that count what reaches them. "Public" in these tests
 * is 127.0.0.2 allowed by name (the suite stays on loopback); the private target is 127.0.0.1.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../src/connectors/gateway/index.js'
import { createHttpConnector } from '../src/connectors/http/connector.js'
import { http } from '../src/connectors/http/index.js'
import { createHubspotConnector } from '../src/connectors/hubspot/connector.js'
import { hubspotEmulator } from '../src/connectors/hubspot/emulator.js'
import { type AllowList, NOTHING_ALLOWED, parseAllowList, refusalOf } from '../src/connectors/net/address-policy.js'
import type { Resolver } from '../src/connectors/net/guarded-dispatcher.js'
import { systemClock } from '../src/engine/clock.js'
import { ConfigError } from '../src/errors.js'
import { manual } from '../src/pipeline/define.js'
import { createRuntime } from '../src/runtime.js'
import type { Store } from '../src/store/contract.js'
import { compile, sqliteStore, tempDir } from './helpers/engine.js'

describe('address classes', () => {
  const refused: Array<[string, string]> = [
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['0.0.0.0', 'unspecified address'],
    ['::', 'unspecified address'],
    ['10.1.2.3', 'private network'],
    ['172.16.0.1', 'private network'],
    ['172.31.255.254', 'private network'],
    ['192.168.1.1', 'private network'],
    ['100.64.0.1', 'carrier-grade NAT (100.64.0.0/10)'],
    ['169.254.169.254', 'cloud metadata endpoint'],
    ['169.254.1.1', 'link-local'],
    ['100.100.100.200', 'cloud metadata endpoint'],
    ['fd00:ec2::254', 'cloud metadata endpoint'],
    ['fe80::1', 'link-local'],
    ['fd12:3456::1', 'private network (unique local)'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private network'],
    ['::ffff:169.254.169.254', 'cloud metadata endpoint'],
    ['64:ff9b::7f00:1', 'special-purpose range (rfc6052)'],
    ['2002:7f00:1::', 'special-purpose range (6to4)'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast address'],
    ['192.0.2.1', 'reserved range'],
  ]
  it.each(refused)('refuses %s (%s)', (address, why) => {
    expect(refusalOf(address, NOTHING_ALLOWED)).toBe(why)
  })

  it('allows public unicast addresses, and what the allow list names', () => {
    for (const a of ['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8'])
      expect(refusalOf(a, NOTHING_ALLOWED), a).toBeNull()
    const list = parseAllowList('10.0.0.0/8, fd00::/8, 127.0.0.1, crm.internal, *.corp.example, [::1]:4301')
    expect(refusalOf('10.9.9.9', list)).toBeNull()
    expect(refusalOf('::ffff:10.9.9.9', list)).toBeNull()
    expect(refusalOf('fd00::5', list)).toBeNull()
    expect(refusalOf('127.0.0.1', list)).toBeNull()
    expect(refusalOf('127.0.0.2', list)).toBe('loopback')
    expect(refusalOf('192.168.0.1', list)).toBe('private network')
    expect(list.hosts).toEqual(['crm.internal', '*.corp.example'])
    expect(list.sockets).toEqual(['::1:4301'])
    expect(refusalOf('169.254.169.254', parseAllowList('*'))).toBeNull()
    expect(() => parseAllowList('10.0.0.0/99')).toThrow(/not a CIDR/)
    expect(() => parseAllowList('http://x')).toThrow(/not a CIDR, an IP address or a host name/)
  })
})

// ── end to end through the gateway ─────────────────────────────────────────────────────────

interface Target {
  server: Server
  port: number
  hits: string[]
}

async function listen(
  host: string,
  port: number,
  handler?: (url: string, res: import('node:http').ServerResponse) => void,
): Promise<Target> {
  const hits: string[] = []
  const server = createServer((req, res) => {
    hits.push(req.url ?? '')
    if (handler) return handler(req.url ?? '', res)
    res.writeHead(200, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify({ reached: host }))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  return { server, port: (server.address() as AddressInfo).port, hits }
}

const open: Server[] = []
const gateways: Gateway[] = []
let tmp: ReturnType<typeof tempDir>
let store: Store
beforeEach(async () => {
  tmp = tempDir()
  store = sqliteStore(tmp.dir)
  await store.migrate()
})
afterEach(async () => {
  for (const g of gateways.splice(0)) await g.close()
  for (const s of open.splice(0)) {
    s.closeAllConnections()
    await new Promise<void>((r) => s.close(() => r()))
  }
  await store.close()
  tmp.cleanup()
})

async function target(host = '127.0.0.1', port = 0, handler?: Parameters<typeof listen>[2]) {
  const t = await listen(host, port, handler)
  open.push(t.server)
  return t
}

function gateway(options: { allow?: AllowList; connection?: Record<string, unknown>; resolve?: Resolver } = {}) {
  const g = createGateway({
    connectors: [createHttpConnector()],
    connections: { http: { default: options.connection ?? {} } },
    store,
    clock: systemClock,
    ...(options.allow ? { allowPrivateNetwork: options.allow } : {}),
    ...(options.resolve ? { resolve: options.resolve } : {}),
  })
  gateways.push(g)
  return g
}

let n = 0
function get(g: Gateway, url: string, extra: Record<string, unknown> = {}) {
  n++
  return g.execute({
    ref: 'http.request',
    input: { url, ...extra },
    runId: `run_${n}`,
    pipelineId: 'p',
    stepId: 's',
    attempt: 1,
    idempotencyKey: `run_${n}:s`,
    signal: new AbortController().signal,
  })
}

async function refusal(p: Promise<unknown>): Promise<any> {
  const e = await p.then(
    () => null,
    (err) => err,
  )
  expect(e, 'the request should have been refused').not.toBeNull()
  return e
}

describe('http.request to private addresses', () => {
  it('refuses every spelling of loopback and the unspecified address, and nothing reaches the server', async () => {
    const t = await target('127.0.0.1')
    const g = gateway()
    const forms = [
      `http://127.0.0.1:${t.port}/api/v1/runs`,
      `http://localhost:${t.port}/`,
      `http://0.0.0.0:${t.port}/`,
      `http://2130706433:${t.port}/`,
      `http://0x7f000001:${t.port}/`,
      `http://0177.0.0.1:${t.port}/`,
      `http://127.1:${t.port}/`,
      `http://[::ffff:127.0.0.1]:${t.port}/`,
      `http://[::ffff:7f00:1]:${t.port}/`,
      `http://[0:0:0:0:0:ffff:127.0.0.1]:${t.port}/`,
    ]
    for (const url of forms) {
      const e = await refusal(get(g, url))
      expect(e.code, url).toBe('PW_PRIVATE_NETWORK')
      expect(e.name).toBe('PrivateNetworkError')
      expect(e.message).toContain('set allowPrivateNetwork on the connection, or PIPEWRIGHT_ALLOW_PRIVATE_NETWORK=')
    }
    expect(t.hits).toEqual([])
  })

  it('refuses names that resolve to private, link-local, CGNAT and metadata addresses before connecting', async () => {
    const answers: Record<string, string[]> = {
      'metadata.test': ['169.254.169.254'],
      'metadata-v6.test': ['fd00:ec2::254'],
      'intranet.test': ['10.0.0.5'],
      'office.test': ['192.168.1.10'],
      'cgnat.test': ['100.64.1.1'],
      'linklocal.test': ['fe80::1'],
      'mixed.test': ['::ffff:172.16.0.1'],
    }
    const g = gateway({ resolve: async (h) => answers[h] ?? [] })
    for (const [host, [addr]] of Object.entries(answers)) {
      const e = await refusal(get(g, `http://${host}/`))
      expect(e.code, host).toBe('PW_PRIVATE_NETWORK')
      expect(e.message, host).toContain(`${host} (${addr})`)
    }
  })

  it('reaches a private address the connection or the process allows, and only that', async () => {
    const t = await target('127.0.0.1')
    expect(
      (await get(gateway({ connection: { allowPrivateNetwork: [`127.0.0.1:${t.port}`] } }), `http://127.0.0.1:${t.port}/a`)) as any,
    ).toMatchObject({
      status: 200,
    })
    expect(await get(gateway({ connection: { allowPrivateNetwork: true } }), `http://localhost:${t.port}/b`)).toMatchObject({ status: 200 })
    expect(await get(gateway({ allow: parseAllowList('127.0.0.0/8') }), `http://127.0.0.1:${t.port}/c`)).toMatchObject({ status: 200 })
    expect(t.hits).toEqual(['/a', '/b', '/c'])
    // Another port of the same host is still refused under a host:port opt-in.
    const other = await target('127.0.0.1')
    const e = await refusal(
      get(gateway({ connection: { allowPrivateNetwork: [`127.0.0.1:${t.port}`] } }), `http://127.0.0.1:${other.port}/`),
    )
    expect(e.code).toBe('PW_PRIVATE_NETWORK')
    expect(other.hits).toEqual([])
    expect(() => gateway({ connection: { allowPrivateNetwork: ['not a host!'] } })).toThrow(
      /connections\.http\.default\.allowPrivateNetwork/,
    )
  })
})

describe('DNS rebinding', () => {
  it('checks the address each connection actually uses: a resolver that answers public, then private, never reaches the private one', async () => {
    // "Public" stand-in on 127.0.0.2 (allowed below); the private target on 127.0.0.1, same port.
    const pub = await target('127.0.0.2')
    const priv = await target('127.0.0.1', pub.port)
    const answers = ['127.0.0.2', '127.0.0.1', '127.0.0.1', '127.0.0.1']
    const asked: string[] = []
    const resolve: Resolver = async (host) => {
      asked.push(host)
      return [answers.shift() ?? '127.0.0.1']
    }
    const g = gateway({ allow: parseAllowList('127.0.0.2/32'), resolve })
    // First connection: the resolver says public; exactly one lookup, and it is the one used.
    expect(await get(g, `http://rebind.test:${pub.port}/first`)).toMatchObject({ status: 200, body: { reached: '127.0.0.2' } })
    expect(asked).toEqual(['rebind.test'])
    // The server closed that connection; the next one resolves again, gets the private answer, is refused.
    const e = await refusal(get(g, `http://rebind.test:${pub.port}/second`))
    expect(e.code).toBe('PW_PRIVATE_NETWORK')
    expect(e.message).toContain('rebind.test (127.0.0.1)')
    expect(pub.hits).toEqual(['/first'])
    expect(priv.hits).toEqual([])
  })

  it('uses only the allowed addresses of a mixed answer', async () => {
    const pub = await target('127.0.0.2')
    const priv = await target('127.0.0.1', pub.port)
    const g = gateway({ allow: parseAllowList('127.0.0.2/32'), resolve: async () => ['127.0.0.1', '127.0.0.2', '127.0.0.1'] })
    for (let i = 0; i < 3; i++) expect(await get(g, `http://mixed.test:${pub.port}/${i}`)).toMatchObject({ body: { reached: '127.0.0.2' } })
    expect(priv.hits).toEqual([])
  })
})

describe('redirects', () => {
  it('re-checks every hop: a public page redirecting to a private address is refused', async () => {
    const priv = await target('127.0.0.1')
    const locations = [
      `http://127.0.0.1:${priv.port}/secret`,
      `http://localhost:${priv.port}/secret`,
      `http://[::ffff:127.0.0.1]:${priv.port}/`,
    ]
    const pub = await target('127.0.0.2', 0, (url, res) => {
      const i = Number(url.slice(1))
      res.writeHead(302, { location: locations[i]!, connection: 'close' }).end()
    })
    const g = gateway({ allow: parseAllowList('127.0.0.2/32') })
    for (let i = 0; i < locations.length; i++) {
      const e = await refusal(get(g, `http://127.0.0.2:${pub.port}/${i}`))
      expect(e.code, locations[i]).toBe('PW_PRIVATE_NETWORK')
    }
    expect(pub.hits.length).toBe(3)
    expect(priv.hits).toEqual([])
  })

  it('follows an allowed redirect for GET, not for POST unless asked', async () => {
    const end = await target('127.0.0.2')
    const start = await target('127.0.0.2', 0, (_url, res) => res.writeHead(302, { location: `http://127.0.0.2:${end.port}/landed` }).end())
    const g = gateway({ allow: parseAllowList('127.0.0.2/32') })
    expect(await get(g, `http://127.0.0.2:${start.port}/go`)).toMatchObject({ status: 200 })
    expect(end.hits).toEqual(['/landed'])
    const e = await refusal(get(g, `http://127.0.0.2:${start.port}/go`, { method: 'POST', body: {} }))
    expect(e.status).toBe(302)
    expect(end.hits).toEqual(['/landed'])
  })
})

describe('every connector goes through the guard', () => {
  it('a SaaS connector pointed at loopback is refused until its connection opts in', async () => {
    const emu = hubspotEmulator({ tokens: ['pat-1'] })
    const baseUrl = await emu.listen()
    try {
      const make = (extra: Record<string, unknown>) => {
        const g = createGateway({
          connectors: [createHubspotConnector()],
          connections: { hubspot: { default: { token: 'pat-1', baseUrl, ...extra } } },
          store,
          clock: systemClock,
        })
        gateways.push(g)
        return g
      }
      const call = (g: Gateway) =>
        g.execute({
          ref: 'hubspot.companies.upsert',
          input: { matchOn: 'domain', properties: { domain: 'acme.com', name: 'Acme' } },
          runId: 'run_h',
          pipelineId: 'p',
          stepId: 'c',
          attempt: 1,
          idempotencyKey: 'run_h:c',
          signal: new AbortController().signal,
        })
      const e = await refusal(call(make({})))
      expect(e.code).toBe('PW_PRIVATE_NETWORK')
      expect(emu.requests()).toEqual([])
      expect(await call(make({ allowPrivateNetwork: [new URL(baseUrl).host] }))).toMatchObject({ id: expect.any(String) })
    } finally {
      await emu.close()
    }
  })
})

describe('PIPEWRIGHT_ALLOW_PRIVATE_NETWORK', () => {
  async function runOnce(env: Record<string, string>, url: string) {
    const dir = tempDir()
    const p = compile({ id: 'probe', trigger: manual(), retry: { maxAttempts: 3 }, steps: [{ id: 'read', action: http.request({ url }) }] })
    const rt = await createRuntime({
      cwd: dir.dir,
      env,
      pipelines: [p],
      databaseUrl: `sqlite:${dir.dir}/pw.db`,
      logLevel: 'silent',
      scheduler: false,
    })
    try {
      const [r] = await rt.hub.ingest('probe', [{ payload: {} }])
      const run = await rt.hub.waitForRun(r!.runId, 10_000)
      return { run, dead: await rt.hub.store.getDeadLetter(r!.runId) }
    } finally {
      await rt.close(1000)
      dir.cleanup()
    }
  }

  it('a pipeline cannot read Pipewright’s own API on loopback; the dead letter names the opt-in; the variable opens it', async () => {
    const t = await target('127.0.0.1')
    const url = `http://127.0.0.1:${t.port}/api/v1/runs`
    const refused = await runOnce({}, url)
    expect(refused.run?.status).toBe('dead')
    expect(refused.dead?.reason).toBe('permanent')
    expect(refused.dead?.attempts).toBe(1)
    expect(refused.dead?.error?.code).toBe('PW_PRIVATE_NETWORK')
    expect(refused.dead?.error?.message).toContain(`PIPEWRIGHT_ALLOW_PRIVATE_NETWORK=127.0.0.1/32`)
    expect(t.hits).toEqual([])
    const allowed = await runOnce({ PIPEWRIGHT_ALLOW_PRIVATE_NETWORK: `10.0.0.0/8, 127.0.0.1:${t.port}` }, url)
    expect(allowed.run?.status).toBe('succeeded')
    expect(t.hits).toEqual(['/api/v1/runs'])
    await expect(runOnce({ PIPEWRIGHT_ALLOW_PRIVATE_NETWORK: '10.0.0.0/77' }, url)).rejects.toBeInstanceOf(ConfigError)
  })
})
