/**
 * Budgets, the circuit breaker and 429 storms through the real engine (hub + SQLite store),
 * the real gateway and connectors, against the Clay and HubSpot emulators.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { clayConnector } from '../src/connectors/clay/connector.js'
import { type ClayEmulator, clayEmulator } from '../src/connectors/clay/emulator.js'
import { clay } from '../src/connectors/clay/index.js'
import type { RawConnections } from '../src/connectors/gateway/connections.js'
import { createGateway, type GatewayEvent } from '../src/connectors/gateway/index.js'
import { createHubspotConnector } from '../src/connectors/hubspot/connector.js'
import { hubspotEmulator } from '../src/connectors/hubspot/emulator.js'
import type { HubspotState } from '../src/connectors/hubspot/emulator-state.js'
import { hubspot } from '../src/connectors/hubspot/index.js'
import { systemClock } from '../src/engine/clock.js'
import type { Hub } from '../src/engine/hub.js'
import { manual } from '../src/pipeline/define.js'
import type { StepDefinition } from '../src/pipeline/types.js'
import type { EmulatorServer } from '../src/sandbox/index.js'
import type { RunStatus } from '../src/types.js'
import { compile, eventually, sqliteStore, startHub, tempDir } from './helpers/engine.js'
import { loopbackGateway } from './helpers/net.js'

let tmp: ReturnType<typeof tempDir>
let hub: Hub | null = null
let events: GatewayEvent[]
const emulators: Array<{ close(): Promise<void> }> = []

beforeEach(() => {
  tmp = tempDir('pw-e2e-resilience-')
  events = []
})
afterEach(async () => {
  await hub?.close({ deadlineMs: 2000 })
  hub = null
  for (const e of emulators.splice(0)) await e.close()
  tmp.cleanup()
})

async function startWith(step: StepDefinition, connections: RawConnections) {
  const store = sqliteStore(tmp.dir)
  await store.migrate()
  const gateway = createGateway({
    ...loopbackGateway,
    connectors: [createHubspotConnector(), { ...clayConnector }],
    connections,
    store,
    clock: systemClock,
    onEvent: (e) => events.push(e),
  })
  const pipeline = compile({ id: 'p', trigger: manual(), retry: { maxAttempts: 10, initialInterval: 50, maxInterval: 200 }, steps: [step] })
  hub = await startHub({ pipelines: [pipeline], store, actions: gateway, sweepIntervalMs: 100 })
  return hub
}

const count = (h: Hub) => h.store.countRuns({ pipelineId: 'p' })
const until = (h: Hub, pred: (c: Record<RunStatus, number>) => boolean, ms = 15_000) =>
  eventually(async () => {
    const c = await count(h)
    return pred(c) ? c : null
  }, ms)
const rows = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ payload: { email: `p${from + i}@acme.com` } }))
const ofType = <T extends GatewayEvent['type']>(t: T) => events.filter((e): e is Extract<GatewayEvent, { type: T }> => e.type === t)

describe('budgets', () => {
  let emu: ClayEmulator
  beforeEach(async () => {
    emu = clayEmulator({ token: 'tok', perSecond: 1000 })
    emulators.push(emu)
    await emu.listen()
  })
  const clayConnection = (extra: Record<string, unknown>) => ({
    clay: {
      default: {
        webhookUrls: [emu.webhookUrl('wh_leads')],
        token: 'tok',
        limits: {
          rates: [{ name: 'per-second', limit: 1000, windowMs: 1000 }],
          budgets: [{ name: 'submissions', period: 'day', limit: 20 }],
        },
        ...extra,
      },
    },
  })
  const sendRow = { id: 'send', action: clay.sendRow({ row: ({ event }: any) => event }) }

  it('reports 70/85/95/100 % and at 100 % parks the remaining runs waiting with reason quota until the next day', async () => {
    const h = await startWith(sendRow, clayConnection({}))
    await h.ingest('p', rows(25))
    await until(h, (c) => c.succeeded === 20 && c.waiting === 5)
    expect(emu.rows('wh_leads')).toHaveLength(20)
    expect(ofType('budget:level').map((e) => [e.level, e.used])).toEqual([
      [70, 14],
      [85, 17],
      [95, 19],
      [100, 20],
    ])
    const waiting = await h.store.listRuns({ pipelineId: 'p', status: 'waiting' })
    const midnight = new Date()
    midnight.setUTCHours(24, 0, 0, 0)
    for (const r of waiting) {
      expect(r.waitReason).toBe('quota')
      expect(Math.abs(r.dueAt - midnight.getTime())).toBeLessThan(60_000)
    }
    expect(await h.store.listDeadLetters({ pipelineId: 'p' })).toHaveLength(0)
  })

  it('dead-letters the runs past 100 % with reason quota when the connection says so', async () => {
    const h = await startWith(sendRow, clayConnection({ onBudgetExhausted: 'dead-letter' }))
    await h.ingest('p', rows(23))
    await until(h, (c) => c.succeeded === 20 && c.dead === 3)
    const dead = await h.store.listDeadLetters({ pipelineId: 'p' })
    expect(dead.map((d) => d.reason)).toEqual(['quota', 'quota', 'quota'])
    expect(dead[0]!.error?.message).toMatch(/budget submissions of clay:default is used up \(20 per day\); dead-lettering/)
    expect(emu.rows('wh_leads')).toHaveLength(20)
  })
})

describe('HubSpot: circuit breaker and 429 storms', () => {
  let emu: EmulatorServer<HubspotState>
  beforeEach(async () => {
    emu = hubspotEmulator({ searchLagMs: 0, tenSecondlyLimit: 10_000, sendRetryAfter: true })
    emulators.push(emu)
    await emu.listen()
  })
  const contact = {
    id: 'contact',
    action: hubspot.contacts.upsert({ properties: ({ event }: any) => ({ email: event.email }) }),
  }
  const hubspotConnection = (extra: Record<string, unknown> = {}) => ({
    hubspot: {
      default: {
        token: 'pat-test',
        baseUrl: emu.url,
        limits: { rates: [{ name: 'ten-secondly', limit: 10_000, windowMs: 10_000 }] },
        ...extra,
      },
    },
  })

  it('opens the circuit on sustained 503s, parks runs waiting (not dead), and recovers when HubSpot heals', async () => {
    emu.faults.set({ errorRate: 1 })
    const h = await startWith(contact, hubspotConnection({ circuit: { failureThreshold: 3, halfOpenAfterMs: 500 } }))
    await h.ingest('p', rows(6))
    await eventually(async () => {
      const waiting = await h.store.listRuns({ pipelineId: 'p', status: 'waiting' })
      return waiting.some((r) => r.waitReason === 'circuit')
    })
    expect((await count(h)).dead).toBe(0)
    expect(ofType('connector:circuit').map((e) => e.state)).toContain('open')
    const failedWhileOpen = emu.requests().length
    emu.faults.clear()
    const c = await until(h, (x) => x.succeeded === 6)
    expect(c?.dead).toBe(0)
    const states = ofType('connector:circuit').map((e) => e.state)
    expect(states.slice(states.lastIndexOf('open'))).toEqual(['open', 'half-open', 'closed'])
    expect(emu.state.objects.contacts.size).toBe(6)
    // While open, calls were refused in-process instead of hammering HubSpot.
    expect(failedWhileOpen).toBeLessThan(6 * 4)
  })

  it('a 429 storm delivers every record exactly once per idempotency key', async () => {
    emu.faults.set({ rateLimitStorm: { probability: 0.6, durationMs: 1500, retryAfterMs: 200 } })
    const h = await startWith(contact, hubspotConnection())
    await h.ingest('p', rows(60))
    await until(h, (c) => c.succeeded === 60, 20_000)
    const log = emu.requests().filter((r) => r.method === 'POST' && r.path === '/crm/v3/objects/contacts')
    expect(log.filter((r) => r.status === 429).length).toBeGreaterThan(0)
    const created = new Map<string, number>()
    for (const r of log.filter((x) => x.status === 201)) {
      const key = String(r.headers['idempotency-key'])
      created.set(key, (created.get(key) ?? 0) + 1)
    }
    expect(created.size).toBe(60)
    expect([...created.values()].every((n) => n === 1)).toBe(true)
    expect(emu.state.objects.contacts.size).toBe(60)
    expect(ofType('connector:call').filter((e) => e.status === 'rate-limited').length).toBeGreaterThan(0)
  })
})
