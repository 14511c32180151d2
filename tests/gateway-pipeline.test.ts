import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { type ActionCall, defineConnector } from '../src/connectors/contract.js'
import { createGateway, type Gateway, type GatewayEvent, type GatewayOptions } from '../src/connectors/gateway/index.js'
import { createHttpConnector } from '../src/connectors/http/index.js'
import { NonRetryableError } from '../src/errors.js'
import { createManualClock, type ManualClock } from '../src/resilience/manual-clock.js'
import type { Store } from '../src/store/contract.js'
import { createSqliteStore } from '../src/store/sqlite/index.js'
import { eventually } from './helpers/engine.js'
import { loopbackGateway } from './helpers/net.js'

let dir: string
let store: Store
let clock: ManualClock
let events: GatewayEvent[]
let gateway: Gateway | undefined
let n = 0

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-gateway-'))
  store = createSqliteStore({ path: join(dir, 'pw.db'), synchronous: 'normal' })
  await store.migrate()
  clock = createManualClock(Date.UTC(2026, 10, 23, 12))
  events = []
})
afterEach(async () => {
  await gateway?.close()
  gateway = undefined
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

function make(options: Partial<GatewayOptions> & Pick<GatewayOptions, 'connectors'>): Gateway {
  gateway = createGateway({ ...loopbackGateway, connections: {}, store, clock, onEvent: (e) => events.push(e), ...options })
  return gateway
}

function call(ref: string, input: unknown, extra: Partial<ActionCall> = {}): ActionCall {
  const runId = `run_${++n}`
  return {
    ref,
    input,
    runId,
    pipelineId: 'p',
    stepId: 's',
    attempt: 1,
    idempotencyKey: `${runId}:s`,
    signal: new AbortController().signal,
    ...extra,
  }
}

async function failure(p: Promise<unknown>): Promise<any> {
  try {
    await p
  } catch (e) {
    return e
  }
  throw new Error('expected the call to fail')
}

const ofType = <T extends GatewayEvent['type']>(t: T) => events.filter((e): e is Extract<GatewayEvent, { type: T }> => e.type === t)

/** A fake provider: records every input it receives. */
function counterConnector(options: { budget?: number; rate?: { limit: number; windowMs: number } } = {}) {
  const received: unknown[] = []
  const connector = defineConnector({
    id: 'clay',
    connection: z.object({ token: z.string() }),
    limits: {
      ...(options.budget ? { budgets: [{ name: 'submissions', period: 'day' as const, limit: options.budget }] } : {}),
      ...(options.rate ? { rates: [{ name: 'burst', ...options.rate }] } : {}),
    },
    actions: {
      send: {
        input: z.object({ row: z.record(z.string(), z.unknown()) }),
        run: async (input: { row: unknown }) => {
          received.push(input.row)
          return { accepted: true }
        },
      },
    },
  })
  return { connector, received }
}

describe('gateway: connections and input', () => {
  it('checks refs and connections, and http needs no connection config', () => {
    const { connector } = counterConnector()
    const g = make({ connectors: [createHttpConnector(), connector], connections: { clay: { main: { token: 't' } } } })
    expect(g.check('http.request')).toBeNull()
    expect(g.check('nope.x')).toMatch(/unknown connector "nope"/)
    expect(g.check('http.fetch')).toMatch(/unknown action "fetch" of connector http/)
    expect(g.check('clay.send')).toMatch(/no connection "default" configured for clay; configured: main/)
    expect(g.check('clay.send', 'main')).toBeNull()
  })

  it('rejects a connection config that fails the connector schema, naming the field', () => {
    const { connector } = counterConnector()
    expect(() => make({ connectors: [connector], connections: { clay: { default: { token: 5 } } } })).toThrow(
      /connections\.clay\.default\.token/,
    )
  })

  it('turns an input schema failure into a permanent error naming the field', async () => {
    const g = make({ connectors: [createHttpConnector()] })
    const e = await failure(g.execute(call('http.request', { method: 'GET' })))
    expect(e.name).toBe('NonRetryableError')
    expect(e.message).toContain('http.request input.url')
    expect(ofType('connector:call')[0]).toMatchObject({ status: 'permanent', connector: 'http', action: 'request' })
  })
})

describe('gateway: budgets', () => {
  it('reports 70/85/95/100 % once each and stops at 100 % until the next day', async () => {
    const { connector, received } = counterConnector({ budget: 20 })
    const g = make({ connectors: [connector], connections: { clay: { default: { token: 't' } } } })
    for (let i = 0; i < 20; i++) await g.execute(call('clay.send', { row: { i } }))
    const levels = ofType('budget:level').map((e) => [e.level, e.used])
    expect(levels).toEqual([
      [70, 14],
      [85, 17],
      [95, 19],
      [100, 20],
    ])
    const e = await failure(g.execute(call('clay.send', { row: { i: 21 } })))
    expect(e.name).toBe('QuotaExhaustedError')
    expect(e.retryAfterMs).toBe(12 * 3600_000) // noon → next UTC midnight
    expect(received).toHaveLength(20)
    expect(ofType('budget:level')).toHaveLength(4)
    expect(await g.usage()).toEqual([
      { connection: 'clay:default', budget: 'submissions', period: 'day:2026-11-23', limit: 20, used: 20, remaining: 0, level: 100 },
    ])
    clock.advance(12 * 3600_000)
    await g.execute(call('clay.send', { row: { i: 22 } }))
    expect(received).toHaveLength(21)
  })

  it('dead-letters at 100 % when the connection says so, and failed calls that never reached the provider cost nothing', async () => {
    let fail = true
    const connector = defineConnector({
      id: 'clay',
      connection: z.object({}),
      limits: { budgets: [{ name: 'rows', period: 'lifetime', limit: 2 }] },
      actions: {
        send: {
          run: async () => {
            if (fail) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
            return {}
          },
        },
      },
    })
    const g = make({ connectors: [connector], connections: { clay: { default: { onBudgetExhausted: 'dead-letter' } } } })
    await failure(g.execute(call('clay.send', {})))
    fail = false
    await g.execute(call('clay.send', {}))
    await g.execute(call('clay.send', {}))
    const e = await failure(g.execute(call('clay.send', {})))
    expect(e.name).toBe('QuotaExhaustedError')
    expect(e.retryAfterMs).toBeUndefined()
  })
})

describe('gateway: circuit breaker over a real HTTP server', () => {
  let server: Server
  let base: string
  let hits = 0
  let status = 500
  beforeEach(async () => {
    hits = 0
    status = 500
    server = createServer((_req, res: ServerResponse) => {
      hits++
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end('{}')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterEach(() => new Promise<void>((r) => server.close(() => r())))

  it('opens after repeated 5xx, parks calls with CircuitOpenError, probes half-open and closes', async () => {
    const g = make({
      connectors: [createHttpConnector()],
      connections: { http: { default: { circuit: { failureThreshold: 3, halfOpenAfterMs: 5000 } } } },
    })
    for (let i = 0; i < 3; i++) expect((await failure(g.execute(call('http.request', { url: base })))).name).toBe('RetryableError')
    const e = await failure(g.execute(call('http.request', { url: base })))
    expect(e.name).toBe('CircuitOpenError')
    expect(e.retryAfterMs).toBe(5000)
    expect(hits).toBe(3)
    // An unnamed http.request has a circuit per origin; its row names the origin while not closed.
    expect(g.circuitStates()).toEqual([
      { connector: 'http', connection: 'default', state: 'closed', retryAfterMs: 0 },
      { connector: 'http', connection: 'default', origin: base, state: 'open', retryAfterMs: 5000 },
    ])
    clock.advance(5000)
    status = 200
    await g.execute(call('http.request', { url: base }))
    expect(hits).toBe(4)
    expect(g.circuitStates()[0].state).toBe('closed')
    expect(ofType('connector:circuit').map((c) => c.state)).toEqual(['open', 'half-open', 'closed'])
  })

  it('a 429 with Retry-After blocks the connection locally so the next call does not reach the provider', async () => {
    status = 429
    server.removeAllListeners('request')
    server.on('request', (_req, res: ServerResponse) => {
      hits++
      res.writeHead(429, { 'retry-after': '5' })
      res.end()
    })
    const g = make({ connectors: [createHttpConnector()] })
    const first = await failure(g.execute(call('http.request', { url: base })))
    expect([first.name, first.retryAfterMs]).toEqual(['RateLimitedError', 5000])
    const second = await failure(g.execute(call('http.request', { url: base })))
    expect(second.name).toBe('RateLimitedError')
    expect(second.retryAfterMs).toBe(5000)
    expect(hits).toBe(1)
    expect(g.circuitStates()[0].state).toBe('closed')
  })
})

describe('gateway: rate limits', () => {
  it('parks a call that would wait long, and waits in place for a short wait', async () => {
    const { connector, received } = counterConnector({ rate: { limit: 2, windowMs: 10_000 } })
    const g = make({ connectors: [connector], connections: { clay: { default: { token: 't' } } } })
    await g.execute(call('clay.send', { row: {} }))
    await g.execute(call('clay.send', { row: {} }))
    const e = await failure(g.execute(call('clay.send', { row: {} })))
    expect(e.name).toBe('RateLimitedError')
    expect(e.retryAfterMs).toBeGreaterThan(10_000)
    expect(ofType('connector:rateLimited')[0]).toMatchObject({ window: 'burst', parked: true })
    clock.advance(e.retryAfterMs - 300)
    const pending = g.execute(call('clay.send', { row: { late: true } }))
    await new Promise((r) => setTimeout(r, 20))
    expect(received).toHaveLength(2)
    clock.advance(300)
    await pending
    expect(received).toHaveLength(3)
    expect(ofType('connector:rateLimited')[1]).toMatchObject({ parked: false })
  })
})

describe('gateway: micro-batching', () => {
  it('coalesces concurrent calls per batch key and gives each call its own result or error', async () => {
    const batches: string[][] = []
    const connector = defineConnector({
      id: 'crm',
      connection: z.object({}),
      limits: { rates: [{ name: 'burst', limit: 3, windowMs: 10_000 }] },
      actions: {
        upsert: {
          input: z.object({ table: z.string(), email: z.string() }),
          run: async () => {
            throw new Error('single path not used')
          },
          batch: {
            maxSize: 3,
            windowMs: 50,
            key: (i: { table: string }) => i.table,
            run: async (inputs: Array<{ email: string }>) => {
              batches.push(inputs.map((i) => i.email))
              return inputs.map((i) =>
                i.email === 'bad' ? new NonRetryableError(`invalid email ${i.email}`, { status: 400 }) : { id: `id-${i.email}` },
              )
            },
          },
        },
      },
    })
    const g = make({ connectors: [connector], connections: { crm: { default: {} } } })
    const emails = ['a', 'bad', 'c', 'd']
    const results = emails.map((email) => g.execute(call('crm.upsert', { table: 't1', email })).catch((e: any) => e) as Promise<any>)
    const other = g.execute(call('crm.upsert', { table: 't2', email: 'x' }))
    await new Promise((r) => setTimeout(r, 20))
    expect(batches).toEqual([['a', 'bad', 'c']])
    clock.advance(50)
    const settled = await Promise.all(results)
    expect(await other).toEqual({ id: 'id-x' })
    expect(settled[0]).toEqual({ id: 'id-a' })
    expect(settled[1].name).toBe('NonRetryableError')
    expect(settled[1].message).toContain('invalid email bad')
    expect(settled[2]).toEqual({ id: 'id-c' })
    expect(settled[3]).toEqual({ id: 'id-d' })
    expect(batches.map((b) => b.join()).sort()).toEqual(['a,bad,c', 'd', 'x'])
    // five calls, three provider requests: a burst limit of 3 is enough, one token per batch
    expect(ofType('connector:rateLimited').length).toBe(0)
  })
})

describe('gateway: batched calls of stopped runs', () => {
  /** A batched `crm.upsert`; `joined` lists calls as they enter a batch, `batches` what was sent. */
  function batchedCrm(rate?: { limit: number; windowMs: number }) {
    const joined: string[] = []
    const batches: string[][] = []
    const connector = defineConnector({
      id: 'crm',
      connection: z.object({}),
      ...(rate ? { limits: { rates: [{ name: 'burst', ...rate }] } } : {}),
      actions: {
        upsert: {
          input: z.object({ email: z.string() }),
          run: async () => {
            throw new Error('single path not used')
          },
          batch: {
            maxSize: 10,
            windowMs: 50,
            key: (i: { email: string }) => {
              joined.push(i.email)
              return ''
            },
            run: async (inputs: Array<{ email: string }>) => {
              batches.push(inputs.map((i) => i.email))
              return inputs.map((i) => ({ id: `id-${i.email}` }))
            },
          },
        },
      },
    })
    const g = make({ connectors: [connector], connections: { crm: { default: {} } } })
    const stopped = new Error('the process is shutting down')
    /** Start a call for `email`; `stop()` aborts its run's signal as the engine does at the deadline. */
    const start = (email: string) => {
      const run = new AbortController()
      const result = g.execute(call('crm.upsert', { email }, { signal: run.signal })).catch((e: unknown) => e)
      return { result, stop: () => run.abort(stopped) }
    }
    return { g, joined, batches, start, stopped }
  }

  it('takes a stopped call out of a batch still collecting; the others are sent', async () => {
    const { joined, batches, start, stopped } = batchedCrm()
    const [a, b, c] = ['a', 'b', 'c'].map(start)
    await eventually(() => joined.length === 3)
    b!.stop()
    expect(await b!.result).toBe(stopped)
    clock.advance(50)
    expect(await a!.result).toEqual({ id: 'id-a' })
    expect(await c!.result).toEqual({ id: 'id-c' })
    expect(batches).toEqual([['a', 'c']])
    // a batch whose every call was stopped is never sent, not even by close()
    const d = start('d')
    await eventually(() => joined.length === 4)
    d.stop()
    expect(await d.result).toBe(stopped)
    await gateway!.close()
    gateway = undefined
    clock.advance(1000)
    expect(batches).toEqual([['a', 'c']])
    const skipped = ofType('connector:call').filter((e) => e.status !== 'ok')
    expect(skipped).toHaveLength(2)
  })

  it('drops stopped calls from a batch waiting for the rate limiter, and sends nothing when all were stopped', async () => {
    const { joined, batches, start, stopped } = batchedCrm({ limit: 1, windowMs: 500 })
    const x = start('x')
    await eventually(() => joined.length === 1)
    clock.advance(50)
    expect(await x.result).toEqual({ id: 'id-x' })

    // The next batch waits in place for the window (500 ms ≤ the 1 s in-place wait).
    const [a, b, c] = ['a', 'b', 'c'].map(start)
    await eventually(() => joined.length === 4)
    clock.advance(50)
    await eventually(() => ofType('connector:rateLimited').length === 1)
    b!.stop()
    expect(await b!.result).toBe(stopped)
    clock.advance(500)
    expect(await a!.result).toEqual({ id: 'id-a' })
    expect(await c!.result).toEqual({ id: 'id-c' })
    expect(batches).toEqual([['x'], ['a', 'c']])

    // Every call of a waiting batch stopped: the wait ends at once and the request never goes out.
    const [d, e] = ['d', 'e'].map(start)
    await eventually(() => joined.length === 6)
    clock.advance(50)
    await eventually(() => ofType('connector:rateLimited').length === 2)
    d!.stop()
    e!.stop()
    expect(await d!.result).toBe(stopped)
    expect(await e!.result).toBe(stopped)
    clock.advance(2000)
    await gateway!.close()
    gateway = undefined
    expect(batches).toEqual([['x'], ['a', 'c']])
  })
})

describe('gateway: effect ledger and identity map', () => {
  it('skips an identical write, returns the stored output and counts a saved call', async () => {
    let runs = 0
    const connector = defineConnector({
      id: 'crm',
      connection: z.object({}),
      actions: {
        update: {
          input: z.object({ email: z.string(), name: z.string() }),
          effectKey: (i: { email: string }) => `contact:${i.email}`,
          run: async (i: { email: string; name: string }, ctx) => {
            runs++
            const known = await ctx.identity.get(`contact:${i.email}`)
            const id = known ?? `id-${runs}`
            if (!known) await ctx.identity.set(`contact:${i.email}`, id)
            return { id, name: i.name }
          },
        },
      },
    })
    const g = make({ connectors: [connector], connections: { crm: { default: {} } } })
    const first = await g.execute(call('crm.update', { email: 'ann@acme.com', name: 'Ann' }))
    const again = await g.execute(call('crm.update', { name: 'Ann', email: 'ann@acme.com' }))
    expect(again).toEqual(first)
    expect(runs).toBe(1)
    expect(ofType('connector:saved')).toMatchObject([{ effectKey: 'contact:ann@acme.com', connector: 'crm', connection: 'default' }])
    expect(ofType('connector:call').map((c) => c.status)).toEqual(['ok', 'saved'])
    const changed = await g.execute(call('crm.update', { email: 'ann@acme.com', name: 'Ann B' }))
    expect(runs).toBe(2)
    expect(changed).toEqual({ id: 'id-1', name: 'Ann B' })
    expect(await store.getKey('identity:crm:default', 'contact:ann@acme.com', clock.now())).toMatchObject({ value: 'id-1' })
  })

  it('a throwing event listener never breaks a call', async () => {
    const { connector } = counterConnector()
    gateway = createGateway({
      ...loopbackGateway,
      connectors: [connector],
      connections: { clay: { default: { token: 't' } } },
      store,
      clock,
      onEvent: () => {
        throw new Error('listener bug')
      },
    })
    expect(await gateway.execute(call('clay.send', { row: {} }))).toEqual({ accepted: true })
  })
})
