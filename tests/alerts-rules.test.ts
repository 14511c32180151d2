/**
 * Each default alert rule under a scripted incident on a manual clock: it fires once (one
 * signed webhook message), holds while the condition lasts, and resolves once (one message)
 * after the condition has been clear for the cool-down.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../src/engine/clock.js'
import type { Store } from '../src/store/contract.js'
import type { DeadLetterRecord } from '../src/types.js'
import { makeAccept } from './conformance/store-suite.js'
import { scriptedAlerting, WEBHOOK_SECRET, webhookReceiver } from './helpers/alerts.js'
import { sqliteStore, tempDir } from './helpers/engine.js'

const MIN = 60_000
const T0 = Date.UTC(2026, 0, 5, 10, 0, 30)

let tmp: ReturnType<typeof tempDir>
let store: Store
let clock: ManualClock
let receiver: Awaited<ReturnType<typeof webhookReceiver>>
let setup: ReturnType<typeof scriptedAlerting>

beforeEach(async () => {
  tmp = tempDir('pw-alerts-')
  store = sqliteStore(tmp.dir)
  await store.migrate()
  clock = new ManualClock(T0)
  receiver = await webhookReceiver(() => clock.now())
  setup = scriptedAlerting(store, clock, {
    defaults: { cooldown: '5m' },
    channels: { hook: { type: 'webhook', url: receiver.url, secret: WEBHOOK_SECRET } },
  })
})

afterEach(async () => {
  await setup.close()
  await receiver.close()
  await store.close()
  tmp.cleanup()
})

/** Evaluate, deliver, and return this pass's transitions of `rule` as `transition:subject`. */
async function pass(rule: string): Promise<string[]> {
  const report = await setup.alerting.evaluate()
  await setup.alerting.deliver()
  expect(report.errors).toEqual([])
  return report.transitions.filter((t) => t.rule === rule).map((t) => `${t.transition}:${t.subject}`)
}

/**
 * The scripted incident: `start` makes the condition hold; it fires once and holds; `stop`
 * ends it (or time does, as its window passes). Evaluated every minute from then on, it
 * resolves once, 5 minutes (the cool-down) after the last evaluation that found it.
 */
async function incident(rule: string, subject: string, start: () => Promise<void> | void, stop: () => Promise<void> | void, windowMs = 0) {
  await start()
  expect(await pass(rule)).toEqual([`fired:${subject}`])
  await clock.advance(MIN)
  expect(await pass(rule)).toEqual([])
  await stop()
  const seen: string[] = []
  for (let m = 0; m < windowMs / MIN + 10; m++) {
    await clock.advance(MIN)
    seen.push(...(await pass(rule)))
  }
  expect(seen).toEqual([`resolved:${subject}`])
  const [done] = await store.alerts.listIncidents({ rule, status: ['resolved'] })
  expect(done!.resolvedAt! - done!.lastTrueAt).toBeGreaterThanOrEqual(5 * MIN)
  expect(done!.resolvedAt! - done!.lastTrueAt).toBeLessThan(6 * MIN)
  expect(receiver.of(rule)).toEqual([`firing:${subject}`, `resolved:${subject}`])
  expect(receiver.received.every((r) => r.signed)).toBe(true)
  // Nothing else fired on the way.
  expect(new Set(receiver.received.map((r) => r.data.rule))).toEqual(new Set([rule]))
}

const runEnd = (pipelineId: string, status: 'succeeded' | 'dead') =>
  setup.events.emit('run:end', { run: { ...makeAccept({ run: { pipelineId } }).run }, status, durationMs: 5 })

describe('default alert rules under scripted incidents', () => {
  it('run-failure-rate: more than 5 % of a pipeline’s runs dead over 15 minutes', async () => {
    await incident(
      'run-failure-rate',
      'leads',
      () => {
        for (let i = 0; i < 18; i++) runEnd('leads', 'succeeded')
        for (let i = 0; i < 2; i++) runEnd('leads', 'dead')
        // another pipeline with one failure in 40 stays quiet (2.5 %)
        for (let i = 0; i < 39; i++) runEnd('orders', 'succeeded')
        runEnd('orders', 'dead')
      },
      () => {},
      15 * MIN,
    )
  })

  it('step-latency-p95: p95 step latency above 2 s over 15 minutes', async () => {
    const step = (durationMs: number) =>
      setup.events.emit('step:end', {
        run: makeAccept({ run: { pipelineId: 'enrich' } }).run,
        stepId: 'call',
        kind: 'action',
        status: 'succeeded',
        durationMs,
        attempt: 1,
        action: 'http.request',
      })
    await incident(
      'step-latency-p95',
      'enrich',
      () => {
        for (let i = 0; i < 15; i++) step(120)
        for (let i = 0; i < 10; i++) step(4000)
      },
      () => {},
      15 * MIN,
    )
  })

  it('queue-depth: more than 1,000 runs due and not running', async () => {
    const inputs = Array.from({ length: 1001 }, () => makeAccept({ run: { dueAt: T0, createdAt: T0, updatedAt: T0 } }))
    await incident(
      'queue-depth',
      'cluster',
      async () => {
        await store.acceptMany(inputs)
      },
      async () => {
        // A worker catches up: the first hundred run and finish.
        for (const i of inputs.slice(0, 100)) {
          await store.leaseRun({ runId: i.run.id, owner: 'w', now: clock.now(), leaseMs: 30_000 })
          await store.transition(i.run.id, 'w', { status: 'succeeded', at: clock.now() })
        }
      },
    )
  })

  it('provider-429: more than 10 provider 429s per connection in an hour, pacing waits not counted', async () => {
    const where = { connector: 'hubspot', connection: 'main', action: 'contacts.upsert' }
    await incident(
      'provider-429',
      'hubspot:main',
      () => {
        // Our own pacing held calls back 200 times: not a provider refusal.
        for (let i = 0; i < 200; i++) setup.events.emit('connector:rateLimited', { ...where, window: 'burst', waitMs: 100, parked: false })
        for (let i = 0; i < 11; i++) setup.events.emit('connector:providerLimited', { ...where, httpStatus: 429, retryAfterMs: 1000 })
      },
      () => {},
      60 * MIN,
    )
  })

  it('budget: a connection’s budget at 70 % of its allowance', async () => {
    const row = (used: number, period: string) => ({
      connection: 'clay:default',
      budget: 'submissions',
      period,
      limit: 50_000,
      used,
      remaining: 50_000 - used,
      level: 0,
    })
    await incident(
      'budget',
      'clay:default/submissions@month:2026-01',
      () => {
        setup.src.usage = [row(35_100, 'month:2026-01')]
      },
      () => {
        setup.src.usage = [row(12, 'month:2026-02')]
      },
    )
  })

  it('dead-letters: new dead letters in a pipeline within 15 minutes', async () => {
    await incident(
      'dead-letters',
      'crm-sync',
      async () => {
        const input = makeAccept({ run: { pipelineId: 'crm-sync', dueAt: T0 } })
        await store.accept(input)
        await store.leaseRun({ runId: input.run.id, owner: 'w', now: clock.now(), leaseMs: 30_000 })
        const deadLetter: DeadLetterRecord = {
          runId: input.run.id,
          pipelineId: 'crm-sync',
          pipelineVersion: 'v1',
          eventId: input.event.id,
          reason: 'permanent',
          stepId: 'upsert',
          attempts: 1,
          error: { name: 'NonRetryableError', message: 'HubSpot said 400' },
          lastInput: null,
          createdAt: clock.now(),
          replayedBy: null,
          discardedAt: null,
        }
        await store.transition(input.run.id, 'w', {
          status: 'dead',
          at: clock.now(),
          deadLetter,
          error: deadLetter.error,
          currentStep: 'upsert',
          attempt: 1,
        })
      },
      () => {},
      15 * MIN,
    )
  })

  it('circuit-open: a connection’s circuit is open in a process', async () => {
    await incident(
      'circuit-open',
      'hubspot:main',
      () => {
        setup.src.circuits = [{ connector: 'hubspot', connection: 'main', state: 'open', retryAfterMs: 30_000 }]
      },
      () => {
        setup.src.circuits = [{ connector: 'hubspot', connection: 'main', state: 'closed', retryAfterMs: 0 }]
      },
    )
  })

  it('credential-rotation: a credential’s rotate-by date within 14 days', async () => {
    const cred = (rotateBy: number) => ({ id: 'hubspot-main-token', connections: ['hubspot:main'], owner: 'ops@acme.com', rotateBy })
    await incident(
      'credential-rotation',
      'hubspot-main-token',
      () => {
        setup.src.credentials = [cred(T0 + 3 * 86_400_000)]
      },
      () => {
        setup.src.credentials = [cred(T0 + 90 * 86_400_000)]
      },
    )
    expect(receiver.received[0]!.data.summary).toContain('is due for rotation on 2026-01-08, in 3 days')
  })

  it('sync-conflicts: conflicts in a sync within an hour', async () => {
    await incident(
      'sync-conflicts',
      'crm-hubspot',
      () => {
        setup.src.conflicts = [{ sync: 'crm-hubspot', at: clock.now() }]
      },
      () => {},
      60 * MIN,
    )
  })
})

describe('alert rules over time', () => {
  it('a condition that returns within the cool-down is the same incident: no second message', async () => {
    setup.src.circuits = [{ connector: 'slack', connection: 'default', state: 'open', retryAfterMs: 30_000 }]
    expect(await pass('circuit-open')).toEqual(['fired:slack:default'])
    setup.src.circuits = [{ connector: 'slack', connection: 'default', state: 'closed', retryAfterMs: 0 }]
    await clock.advance(2 * MIN)
    expect(await pass('circuit-open')).toEqual([])
    setup.src.circuits = [{ connector: 'slack', connection: 'default', state: 'open', retryAfterMs: 30_000 }]
    await clock.advance(2 * MIN)
    expect(await pass('circuit-open')).toEqual([])
    setup.src.circuits = [{ connector: 'slack', connection: 'default', state: 'closed', retryAfterMs: 0 }]
    await clock.advance(4 * MIN)
    expect(await pass('circuit-open')).toEqual([])
    await clock.advance(2 * MIN)
    expect(await pass('circuit-open')).toEqual(['resolved:slack:default'])
    expect(receiver.of('circuit-open')).toEqual(['firing:slack:default', 'resolved:slack:default'])
  })

  it('a credential past its rotate-by date escalates from warning to critical once', async () => {
    setup.src.credentials = [{ id: 'airtable-pat', connections: [], owner: null, rotateBy: T0 + 86_400_000 }]
    expect(await pass('credential-rotation')).toEqual(['fired:airtable-pat'])
    await clock.advance(86_400_000)
    expect(await pass('credential-rotation')).toEqual(['escalated:airtable-pat'])
    await clock.advance(MIN)
    expect(await pass('credential-rotation')).toEqual([])
    expect(receiver.received.map((r) => `${r.data.kind}:${r.data.severity}`)).toEqual(['firing:warning', 'escalated:critical'])
  })
})
