import { Writable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineConnector, invocation } from '../src/connectors/contract.js'
import { createGateway, type GatewayEvent } from '../src/connectors/gateway/index.js'
import type { Dispatch } from '../src/dispatch/contract.js'
import { createMemoryDispatch } from '../src/dispatch/memory.js'
import { systemClock } from '../src/engine/clock.js'
import { attachRunLogs, createLogger } from '../src/observe/logger.js'
import { manual, schedule } from '../src/pipeline/define.js'
import { createServer } from '../src/server/app.js'
import type { Store } from '../src/store/contract.js'
import { createScheduler, tickDeliveryId } from '../src/triggers/schedules.js'
import { compile, eventually, ScriptedActions, sqliteStore, startHub, tempDir } from './helpers/engine.js'

const act = (ref: string, params: Record<string, unknown> = {}) => invocation(ref, params)
let tmp: ReturnType<typeof tempDir>
let store: Store
const closers: Array<() => Promise<void>> = []

beforeEach(() => {
  tmp = tempDir()
  store = sqliteStore(tmp.dir)
})
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
  tmp.cleanup()
})

describe('pipeline concurrency', () => {
  it('never runs more than `concurrency` runs of a pipeline at once', async () => {
    let active = 0
    let peak = 0
    const actions = new ScriptedActions().on('crm.write', async () => {
      peak = Math.max(peak, ++active)
      await new Promise((r) => setTimeout(r, 15))
      active--
      return {}
    })
    const p = compile({ id: 'capped', trigger: manual(), concurrency: 2, steps: [{ id: 'w', action: act('crm.write') }] })
    const hub = await startHub({ pipelines: [p], store, actions })
    closers.push(() => hub.close())
    const rs = await hub.ingest(
      'capped',
      Array.from({ length: 10 }, (_, i) => ({ payload: { i } })),
    )
    for (const r of rs) expect((await hub.waitForRun(r.runId))?.status).toBe('succeeded')
    expect(peak).toBe(2)
  })
})

describe('graceful shutdown', () => {
  it('lets in-flight runs finish within the deadline', async () => {
    const actions = new ScriptedActions().on('slow.write', async () => {
      await new Promise((r) => setTimeout(r, 150))
      return { ok: true }
    })
    const p = compile({ id: 'g1', trigger: manual(), steps: [{ id: 'w', action: act('slow.write') }] })
    const hub = await startHub({ pipelines: [p], store, actions })
    const [r] = await hub.ingest('g1', [{ payload: {} }])
    await eventually(() => actions.calls.length === 1)
    await hub.close({ deadlineMs: 5000 })
    const store2 = sqliteStore(tmp.dir)
    expect((await store2.getRun(r!.runId))?.status).toBe('succeeded')
    await store2.close()
  })

  it('returns the lease of a run still in flight at the deadline so another worker takes it at once', async () => {
    let release: () => void = () => {}
    const actions = new ScriptedActions().on('stuck.write', () => new Promise((r) => (release = () => r({ ok: true }))))
    const p = compile({ id: 'g2', trigger: manual(), steps: [{ id: 'w', action: act('stuck.write') }] })
    const hub = await startHub({ pipelines: [p], store, actions, leaseMs: 60_000 })
    const [r] = await hub.ingest('g2', [{ payload: {} }])
    await eventually(() => actions.calls.length === 1)
    await hub.close({ deadlineMs: 100 })
    release()
    const store2 = sqliteStore(tmp.dir)
    const run = await store2.getRun(r!.runId)
    expect(run?.status).toBe('queued')
    expect(run?.leaseOwner).toBeNull()
    // A fresh worker picks it up without waiting for the 60 s lease to expire.
    const actions2 = new ScriptedActions()
    const hub2 = await startHub({ pipelines: [p], store: store2, actions: actions2 })
    closers.push(() => hub2.close())
    await eventually(async () => (await store2.getRun(r!.runId))?.status === 'succeeded', 3000)
    expect(actions2.calls).toHaveLength(1)
  })
})

describe('graceful shutdown: the deadline does not wait for the dispatch', () => {
  it('cuts effects at the deadline even while the dispatch takes longer to stop', async () => {
    let abortedAfter = -1
    let closing = 0
    const actions = new ScriptedActions().on(
      'stuck.write',
      (call) =>
        new Promise((_, reject) =>
          call.signal.addEventListener('abort', () => {
            abortedAfter = Date.now() - closing
            reject(call.signal.reason)
          }),
        ),
    )
    // A dispatch that needs 1.5 s more to stop once its handlers are handed back, as BullMQ
    // closing its worker through a slow Redis does.
    const inner = createMemoryDispatch({ clock: systemClock })
    const dispatch: Dispatch = {
      ...inner,
      async stopWorker(ms) {
        await inner.stopWorker(ms)
        await new Promise((r) => setTimeout(r, 1500))
      },
    }
    const p = compile({ id: 'g3', trigger: manual(), steps: [{ id: 'w', action: act('stuck.write') }] })
    const hub = await startHub({ pipelines: [p], store, actions, dispatch })
    const [r] = await hub.ingest('g3', [{ payload: {} }])
    await eventually(() => actions.calls.length === 1)
    closing = Date.now()
    await hub.close({ deadlineMs: 200 })
    // Cut at the deadline (200 ms; generous slack for a busy machine), not after the dispatch's 1.5 s.
    expect(abortedAfter).toBeGreaterThanOrEqual(190)
    expect(abortedAfter).toBeLessThan(1200)
    const store2 = sqliteStore(tmp.dir)
    expect((await store2.getRun(r!.runId))?.status).toBe('queued')
    await store2.close()
  })
})

describe('graceful shutdown with batched effects', () => {
  /** A real gateway whose `crm.upsert` is batched and limited to one request per 900 ms. */
  function batchedGateway(batches: string[][], events: GatewayEvent[]) {
    const crm = defineConnector({
      id: 'crm',
      connection: z.object({}),
      limits: { rates: [{ name: 'burst', limit: 1, windowMs: 900 }] },
      actions: {
        upsert: {
          input: z.object({ email: z.string() }),
          run: async () => {
            throw new Error('single path not used')
          },
          batch: {
            maxSize: 10,
            windowMs: 10,
            run: async (inputs: Array<{ email: string }>) => {
              batches.push(inputs.map((i) => i.email))
              return inputs.map((i) => ({ id: `id-${i.email}` }))
            },
          },
        },
      },
    })
    return createGateway({
      connectors: [crm],
      connections: { crm: { default: {} } },
      store,
      clock: systemClock,
      onEvent: (e) => events.push(e),
    })
  }

  it('hands back a run whose effect waits in a batch at the deadline, and the batch is not sent after it', async () => {
    const batches: string[][] = []
    const events: GatewayEvent[] = []
    const p = compile({
      id: 'b1',
      trigger: manual(),
      steps: [{ id: 'w', action: act('crm.upsert', { email: ({ event }: any) => event.email }) }],
    })
    const hub = await startHub({ pipelines: [p], store, actions: batchedGateway(batches, events), leaseMs: 60_000 })
    const [first] = await hub.ingest('b1', [{ payload: { email: 'first' } }])
    expect((await hub.waitForRun(first!.runId))?.status).toBe('succeeded')
    // The second run's batch waits for the limiter's window (the first request took its token).
    const [second] = await hub.ingest('b1', [{ payload: { email: 'second' } }])
    await eventually(() => events.some((e) => e.type === 'connector:rateLimited'))
    await hub.close({ deadlineMs: 0 })
    // close() waited for the gateway to finish what it had: the waiting batch was dropped, not sent.
    expect(batches).toEqual([['first']])
    const store2 = sqliteStore(tmp.dir)
    const run = await store2.getRun(second!.runId)
    expect(run?.status).toBe('queued')
    expect(run?.leaseOwner).toBeNull()
    // The next process sends it.
    const hub2 = await startHub({ pipelines: [p], store: store2, actions: batchedGateway(batches, events) })
    closers.push(() => hub2.close())
    expect((await hub2.waitForRun(second!.runId))?.status).toBe('succeeded')
    expect(batches).toEqual([['first'], ['second']])
  })
})

describe('schedules', () => {
  const hourAgo = () => Date.now() - 3_600_000

  async function hubWithSchedule(missed: 'skip' | 'run-once' | 'run-all') {
    const p = compile({
      id: 'tick',
      trigger: schedule({ cron: '*/5 * * * *', missed }),
      steps: [{ id: 'x', map: ({ event }) => event.tick }],
    })
    const hub = await startHub({ pipelines: [p], store })
    closers.push(() => hub.close())
    return hub
  }

  it('fires a tick once even when asked twice (as by two processes)', async () => {
    const hub = await hubWithSchedule('skip')
    const s = createScheduler(hub)
    const tick = new Date('2026-11-23T10:00:00Z')
    const a = await s.fire('tick', tick)
    const b = await s.fire('tick', tick)
    expect(a.duplicate).toBe(false)
    expect(b).toEqual({ runId: a.runId, duplicate: true })
    expect((await store.getEvent((await store.getRun(a.runId))!.eventId))?.deliveryId).toBe(tickDeliveryId('tick', tick))
  })

  it.each([
    ['skip', 0],
    ['run-once', 1],
    ['run-all', 12],
  ] as const)('catches up missed ticks with policy %s → %i runs', async (missed, expected) => {
    const hub = await hubWithSchedule(missed)
    await store.setKey('schedule:last-tick', 'tick', hourAgo(), Date.now())
    const s = createScheduler(hub)
    await s.start()
    s.stop()
    const counts = await store.countRuns({ pipelineId: 'tick' })
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(expected)
  })
})

describe('logs', () => {
  it('writes one JSON line per run end and per step failure, with secrets masked', async () => {
    const lines: any[] = []
    const sink = new Writable({
      write(chunk, _enc, cb) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l))
        cb()
      },
    })
    const actions = new ScriptedActions().on('crm.write', () => {
      throw new Error('401 for token sk_live_SUPERSECRET123')
    })
    const p = compile({ id: 'logged', trigger: manual(), retry: { maxAttempts: 1 }, steps: [{ id: 'w', action: act('crm.write') }] })
    const hub = await startHub({ pipelines: [p], store, actions, redact: { secrets: ['sk_live_SUPERSECRET123'] } })
    closers.push(() => hub.close())
    const log = createLogger({ destination: sink as any })
    attachRunLogs(hub.events, log, hub.redactor)
    const [r] = await hub.ingest('logged', [{ payload: {} }])
    await hub.waitForRun(r!.runId)
    await eventually(() => lines.some((l) => l.msg === 'run dead'))
    const stepLine = lines.find((l) => l.status === 'failed')
    expect(stepLine).toMatchObject({ pipeline: 'logged', run_id: r!.runId, step: 'w', attempt: 1, action: 'crm.write' })
    expect(typeof stepLine.timestamp).toBe('string')
    expect(typeof stepLine.duration_ms).toBe('number')
    const endLine = lines.find((l) => l.msg === 'run dead')
    expect(endLine).toMatchObject({ pipeline: 'logged', run_id: r!.runId, status: 'dead' })
    expect(JSON.stringify(lines)).not.toContain('SUPERSECRET')
    expect((await store.getDeadLetter(r!.runId))?.error?.message).not.toContain('SUPERSECRET')
  })
})

describe('HTTP API and metrics', () => {
  it('serves runs, run detail, dead letters with replay, and Prometheus metrics; requires the token when set', async () => {
    let fail = true
    const actions = new ScriptedActions().on('crm.write', () => {
      if (fail) throw new Error('boom')
      return { ok: true }
    })
    const p = compile({ id: 'api', trigger: manual(), retry: { maxAttempts: 1 }, steps: [{ id: 'w', action: act('crm.write') }] })
    const hub = await startHub({ pipelines: [p], store, actions })
    closers.push(() => hub.close())
    const server = await createServer(hub, { apiToken: 'tok-123456-abcdefghijklmnopqrstuvwxyz' })
    closers.push(() => server.close())
    const [r] = await hub.ingest('api', [{ payload: { a: 1 } }])
    await hub.waitForRun(r!.runId)
    const auth = { authorization: 'Bearer tok-123456-abcdefghijklmnopqrstuvwxyz' }

    expect((await server.app.inject({ url: '/api/v1/runs' })).statusCode).toBe(401)
    const runs = (await server.app.inject({ url: '/api/v1/runs', headers: auth })).json()
    expect(runs.runs.map((x: any) => [x.id, x.status])).toEqual([[r!.runId, 'dead']])
    const detail = (await server.app.inject({ url: `/api/v1/runs/${r!.runId}`, headers: auth })).json()
    expect(detail.event.payload).toEqual({ a: 1 })
    expect(detail.deadLetter.reason).toBe('retryable-exhausted')
    expect((await server.app.inject({ url: '/api/v1/runs/run_nope', headers: auth })).statusCode).toBe(404)

    fail = false
    const replay = await server.app.inject({
      method: 'POST',
      url: '/api/v1/dead-letters/replay',
      headers: auth,
      payload: { filter: { pipeline: 'api' }, from: 'failed-step' },
    })
    expect(replay.statusCode).toBe(200)
    const newId = replay.json().replayed[0].newRunId
    await eventually(async () => (await store.getRun(newId))?.status === 'succeeded')
    // The counter moves when the engine hears its final write is durable, a moment after a
    // reader can already see the row.
    const succeeded = 'pipewright_runs_total{pipeline="api",status="succeeded"} 1'
    await eventually(async () => (await server.app.inject({ url: '/metrics' })).body.includes(succeeded))

    const metrics = await server.app.inject({ url: '/metrics' })
    expect(metrics.body).toContain('pipewright_runs_total{pipeline="api",status="dead"} 1')
    expect(metrics.body).toContain('pipewright_runs_total{pipeline="api",status="succeeded"} 1')
    expect(metrics.body).toContain('pipewright_step_duration_seconds_bucket')
    expect(metrics.body).toContain('pipewright_events_accepted_total{pipeline="api"} 1')
    expect((await server.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' })
    expect((await server.app.inject({ url: '/readyz' })).statusCode).toBe(200)
  })
})

describe('logs from code steps', () => {
  it('writes helpers.log lines at their level with the run and step, secrets masked', async () => {
    const lines: any[] = []
    const sink = new Writable({
      write(chunk, _enc, cb) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l))
        cb()
      },
    })
    const p = compile({
      id: 'chatty',
      trigger: manual(),
      steps: [
        {
          id: 'work',
          code: async (_scope, h) => {
            h.log.info('calling the CRM with key sk_live_SUPERSECRET123', { token: 'abc', rows: 3 })
            return 1
          },
        },
      ],
    })
    const hub = await startHub({ pipelines: [p], store, redact: { secrets: ['sk_live_SUPERSECRET123'] } })
    closers.push(() => hub.close())
    attachRunLogs(hub.events, createLogger({ destination: sink as any }), hub.redactor)
    const [r] = await hub.ingest('chatty', [{ payload: {} }])
    await hub.waitForRun(r!.runId)
    const line = await eventually(() => lines.find((l) => l.step === 'work' && l.msg.startsWith('calling')))
    expect(line).toMatchObject({ level: 'info', run_id: r!.runId, pipeline: 'chatty', data: { token: '[redacted]', rows: 3 } })
    expect(line.msg).toBe('calling the CRM with key [redacted]')
  })
})
