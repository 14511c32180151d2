/**
 * Conformance suite for the `Store` contract (src/store/contract.ts), run against every
 * backend. Each test gets a fresh store from `create()` and calls `cleanup()` afterwards.
 * `reopen()` (when given) opens a second store on the same data, for the durability test.
 *
 * @example
 * ```ts
 * storeSuite('sqlite', async () => ({ store, cleanup, reopen }))
 * ```
 * @module
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { AcceptInput, Store } from '../../src/store/contract.js'
import type { DeadLetterRecord, EventRecord, RunRecord, RunStatus, StepResultRecord } from '../../src/types.js'
import { consentSuite } from './consent-suite.js'
import { credentialsSuite } from './credentials-suite.js'
import { governanceSuite } from './governance-suite.js'
import { observeSuite } from './observe-suite.js'
import { storeSyncSuite } from './store-sync-suite.js'

export interface StoreHarness {
  store: Store
  cleanup(): Promise<void>
  /** Open another store on the same database (after `store.close()`). */
  reopen?(): Promise<Store>
}

const T0 = 1_700_000_000_000

let counter = 0
function uid(prefix: string): string {
  counter += 1
  return `${prefix}-${counter.toString().padStart(5, '0')}`
}

/** Test record builders, shared by the backend-specific store tests. */
export function makeEvent(over: Partial<EventRecord> = {}): EventRecord {
  return {
    id: uid('evt'),
    pipelineId: 'clay-to-hubspot',
    trigger: 'webhook',
    deliveryId: null,
    payload: { row_data: { email: 'ada@example.com', website: 'example.com' }, intent: 90, tags: ['a', 'b'] },
    meta: { contentType: 'application/json' },
    receivedAt: T0,
    ...over,
  }
}

export function makeRun(eventId: string, over: Partial<RunRecord> = {}): RunRecord {
  return {
    id: uid('run'),
    pipelineId: 'clay-to-hubspot',
    pipelineVersion: 'v1',
    eventId,
    status: 'queued',
    currentStep: null,
    attempt: 0,
    dueAt: T0,
    waitReason: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    concurrencyKey: null,
    replayOf: null,
    replayFrom: null,
    error: null,
    createdAt: T0,
    updatedAt: T0,
    finishedAt: null,
    ...over,
  }
}

export function makeAccept(
  over: { run?: Partial<RunRecord>; event?: Partial<EventRecord>; dedupe?: AcceptInput['dedupe'] } = {},
): AcceptInput {
  const event = makeEvent(over.event)
  const run = makeRun(event.id, { pipelineId: event.pipelineId, createdAt: event.receivedAt, updatedAt: event.receivedAt, ...over.run })
  return over.dedupe ? { event, run, dedupe: over.dedupe } : { event, run }
}

/** Every run id `listRuns` yields, following `before` from page to page. */
async function pageThrough(store: Store, limit: number): Promise<string[]> {
  const seen: string[] = []
  let before: string | undefined
  for (let page = 0; page < 20; page++) {
    const rows = await store.listRuns(before === undefined ? { limit } : { limit, before })
    if (rows.length === 0) break
    seen.push(...rows.map((r) => r.id))
    before = rows[rows.length - 1].id
  }
  return seen
}

/** The listing order: newest first, ties broken by id, descending. */
export const newestFirst = (runs: RunRecord[]) => [...runs].sort((x, y) => y.createdAt - x.createdAt || (x.id < y.id ? 1 : -1))

function makeStep(runId: string, stepPath: string, over: Partial<StepResultRecord> = {}): StepResultRecord {
  return {
    runId,
    stepPath,
    status: 'succeeded',
    output: { step: stepPath, ok: true },
    attempts: 1,
    startedAt: T0 + 10,
    finishedAt: T0 + 20,
    error: null,
    ...over,
  }
}

function makeDeadLetter(run: RunRecord, over: Partial<DeadLetterRecord> = {}): DeadLetterRecord {
  return {
    runId: run.id,
    pipelineId: run.pipelineId,
    pipelineVersion: run.pipelineVersion,
    eventId: run.eventId,
    reason: 'permanent',
    stepId: 'company',
    attempts: 1,
    error: { name: 'NonRetryableError', message: 'HubSpot said 400', code: 'PW_NON_RETRYABLE', status: 400 },
    lastInput: { domain: 'example.com' },
    createdAt: T0 + 100,
    replayedBy: null,
    discardedAt: null,
    ...over,
  }
}

async function expectRejectCode(p: Promise<unknown>, code: string): Promise<void> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error, `expected a rejection with ${code}`).not.toBeNull()
  expect((error as { code?: string }).code).toBe(code)
  expect((error as Error).message).toContain(code)
}

export function storeSuite(name: string, create: () => Promise<StoreHarness>): void {
  observeSuite(name, create)
  describe(`Store conformance: ${name}`, () => {
    consentSuite(create)
    credentialsSuite(create)
    governanceSuite(create)
    let harness: StoreHarness | undefined
    let store: Store

    async function setup(): Promise<Store> {
      harness = await create()
      store = harness.store
      return store
    }

    afterEach(async () => {
      await harness?.cleanup()
      harness = undefined
    })

    storeSyncSuite(setup)

    /** Accept a run and lease it for `owner`. */
    async function leased(owner = 'worker-a', over: Partial<RunRecord> = {}): Promise<RunRecord> {
      const input = makeAccept({ run: over })
      await store.accept(input)
      const run = await store.leaseRun({ runId: input.run.id, owner, now: T0 + 1, leaseMs: 30_000 })
      expect(run?.status).toBe('running')
      return run!
    }

    describe('ingest', () => {
      it('stores an accepted event and its run, and returns them unchanged', async () => {
        await setup()
        const input = makeAccept({ event: { deliveryId: 'dlv-1', payload: { nested: { n: 1.5, s: 'é✓', list: [1, null, true] } } } })
        const result = await store.accept(input)
        expect(result).toEqual({ accepted: true, eventId: input.event.id, runId: input.run.id })
        expect(await store.getEvent(input.event.id)).toEqual(input.event)
        expect(await store.getRun(input.run.id)).toEqual(input.run)
        expect(await store.getEvent('missing')).toBeNull()
        expect(await store.getRun('missing')).toBeNull()
      })

      it('stores the JSON text given with an accept, which reads back as the same payload', async () => {
        await setup()
        const input = { ...makeAccept({ event: { payload: { a: 1, b: ['x', 2.5] } } }), payloadJson: '{ "a" : 1.0, "b" : [ "x", 2.5 ] }' }
        await store.accept(input)
        expect((await store.getEvent(input.event.id))?.payload).toEqual({ a: 1, b: ['x', 2.5] })
      })

      it('acceptMany returns one result per input, in input order, and stores all of them', async () => {
        await setup()
        const dedupe = { scope: 'hook', key: 'same', expiresAt: T0 + 60_000 }
        const inputs = [makeAccept(), makeAccept({ dedupe }), makeAccept(), makeAccept({ dedupe })]
        const results = await store.acceptMany(inputs)
        expect(results).toEqual([
          { accepted: true, eventId: inputs[0].event.id, runId: inputs[0].run.id },
          { accepted: true, eventId: inputs[1].event.id, runId: inputs[1].run.id },
          { accepted: true, eventId: inputs[2].event.id, runId: inputs[2].run.id },
          { accepted: false, duplicateOf: inputs[1].run.id },
        ])
        for (const i of [0, 1, 2]) expect(await store.getRun(inputs[i].run.id)).toEqual(inputs[i].run)
        expect(await store.getRun(inputs[3].run.id)).toBeNull()
        expect(await store.acceptMany([])).toEqual([])
      })

      it('a repeated delivery id returns the first run and stores nothing new', async () => {
        await setup()
        const dedupe = { scope: 'clay-to-hubspot', key: 'dlv-7', expiresAt: T0 + 60_000 }
        const first = makeAccept({ dedupe })
        const second = makeAccept({ dedupe, event: { receivedAt: T0 + 5 } })
        expect((await store.accept(first)).accepted).toBe(true)
        expect(await store.accept(second)).toEqual({ accepted: false, duplicateOf: first.run.id })
        expect(await store.getEvent(second.event.id)).toBeNull()
        expect(await store.getRun(second.run.id)).toBeNull()
        expect(await store.findDuplicate('clay-to-hubspot', 'dlv-7', T0 + 10)).toBe(first.run.id)
        expect(await store.findDuplicate('other-scope', 'dlv-7', T0 + 10)).toBeNull()
        // the same key in another scope is a different delivery
        const otherScope = makeAccept({ dedupe: { ...dedupe, scope: 'other-scope' } })
        expect((await store.accept(otherScope)).accepted).toBe(true)
      })

      it('two identical deliveries issued concurrently start exactly one run', async () => {
        await setup()
        const dedupe = { scope: 'hook', key: 'dup-concurrent', expiresAt: T0 + 60_000 }
        const a = makeAccept({ dedupe })
        const b = makeAccept({ dedupe })
        const results = await Promise.all([store.accept(a), store.accept(b)])
        const accepted = results.filter((r) => r.accepted)
        const duplicates = results.filter((r) => !r.accepted)
        expect(accepted).toHaveLength(1)
        expect(duplicates).toHaveLength(1)
        const winner = accepted[0] as { runId: string }
        expect(duplicates[0]).toEqual({ accepted: false, duplicateOf: winner.runId })
        const counts = await store.countRuns()
        expect(counts.queued).toBe(1)
      })

      it('an expired dedupe key counts as absent', async () => {
        await setup()
        const first = makeAccept({ dedupe: { scope: 'hook', key: 'k', expiresAt: T0 + 1_000 } })
        await store.accept(first)
        expect(await store.findDuplicate('hook', 'k', T0 + 999)).toBe(first.run.id)
        expect(await store.findDuplicate('hook', 'k', T0 + 1_000)).toBeNull()
        const later = makeAccept({ event: { receivedAt: T0 + 1_000 }, dedupe: { scope: 'hook', key: 'k', expiresAt: T0 + 5_000 } })
        expect(await store.accept(later)).toEqual({ accepted: true, eventId: later.event.id, runId: later.run.id })
        expect(await store.findDuplicate('hook', 'k', T0 + 1_001)).toBe(later.run.id)
      })

      it('insertRun adds a run for an existing event', async () => {
        await setup()
        const input = makeAccept()
        await store.accept(input)
        const extra = makeRun(input.event.id, { createdAt: T0 + 1 })
        await store.insertRun(extra)
        expect(await store.getRun(extra.id)).toEqual(extra)
      })

      it('a failing write rejects alone; writes issued in the same tick still commit', async () => {
        await setup()
        const input = makeAccept()
        await store.accept(input)
        const other = makeAccept()
        const [dupInsert, lost, ok] = await Promise.allSettled([
          store.insertRun(input.run), // primary key clash
          store.saveSteps(input.run.id, 'nobody', [makeStep(input.run.id, 'x')]),
          store.accept(other),
        ])
        expect(dupInsert.status).toBe('rejected')
        expect(lost.status).toBe('rejected')
        expect(ok).toEqual({ status: 'fulfilled', value: { accepted: true, eventId: other.event.id, runId: other.run.id } })
        expect(await store.getRun(other.run.id)).toEqual(other.run)
        expect(await store.getSteps(input.run.id)).toEqual([])
      })

      it('reads observe writes issued earlier but not yet awaited (read-your-writes)', async () => {
        await setup()
        const input = makeAccept()
        const pending = store.accept(input)
        const run = await store.getRun(input.run.id)
        expect(run?.id).toBe(input.run.id)
        await pending
        const keyWrite = store.setKey('ns', 'k', { v: 1 }, T0)
        expect((await store.getKey('ns', 'k', T0))?.value).toEqual({ v: 1 })
        await keyWrite
      })

      it('migrate is idempotent and ping answers', async () => {
        await setup()
        await store.migrate()
        await store.migrate()
        await expect(store.ping()).resolves.toBeUndefined()
        expect(['sqlite', 'postgres']).toContain(store.kind)
      })
    })

    describe('leases', () => {
      it('leases a due queued run: status running, owner and expiry set', async () => {
        await setup()
        const input = makeAccept()
        await store.accept(input)
        const run = await store.leaseRun({ runId: input.run.id, owner: 'w1', now: T0 + 5, leaseMs: 30_000 })
        expect(run).toMatchObject({ id: input.run.id, status: 'running', leaseOwner: 'w1', leaseExpiresAt: T0 + 30_005 })
        expect(await store.getRun(input.run.id)).toEqual(run)
      })

      it('does not lease a run that is not due yet, an unknown run, or a terminal run', async () => {
        await setup()
        const future = makeAccept({ run: { dueAt: T0 + 10_000 } })
        await store.accept(future)
        expect(await store.leaseRun({ runId: future.run.id, owner: 'w1', now: T0 + 9_999, leaseMs: 1_000 })).toBeNull()
        expect((await store.leaseRun({ runId: future.run.id, owner: 'w1', now: T0 + 10_000, leaseMs: 1_000 }))?.status).toBe('running')
        expect(await store.leaseRun({ runId: 'missing', owner: 'w1', now: T0, leaseMs: 1_000 })).toBeNull()
        for (const status of ['succeeded', 'filtered', 'dead'] as RunStatus[]) {
          const done = makeAccept({ run: { status, finishedAt: T0 } })
          await store.accept(done)
          expect(await store.leaseRun({ runId: done.run.id, owner: 'w1', now: T0 + 100_000, leaseMs: 1_000 })).toBeNull()
        }
      })

      it('leases a waiting run once it is due', async () => {
        await setup()
        const input = makeAccept({ run: { status: 'waiting', waitReason: 'retry', dueAt: T0 + 500 } })
        await store.accept(input)
        expect(await store.leaseRun({ runId: input.run.id, owner: 'w', now: T0 + 499, leaseMs: 1_000 })).toBeNull()
        expect(await store.leaseRun({ runId: input.run.id, owner: 'w', now: T0 + 500, leaseMs: 1_000 })).toMatchObject({
          status: 'running',
          leaseOwner: 'w',
        })
      })

      it('refuses a second owner while the lease is live, and hands over once it expired', async () => {
        await setup()
        const input = makeAccept()
        await store.accept(input)
        await store.leaseRun({ runId: input.run.id, owner: 'w1', now: T0, leaseMs: 1_000 })
        expect(await store.leaseRun({ runId: input.run.id, owner: 'w2', now: T0 + 999, leaseMs: 1_000 })).toBeNull()
        expect(await store.leaseRun({ runId: input.run.id, owner: 'w1', now: T0 + 999, leaseMs: 1_000 })).toBeNull()
        const taken = await store.leaseRun({ runId: input.run.id, owner: 'w2', now: T0 + 1_000, leaseMs: 1_000 })
        expect(taken).toMatchObject({ status: 'running', leaseOwner: 'w2', leaseExpiresAt: T0 + 2_000 })
      })

      it('two concurrent leases of one run: exactly one wins', async () => {
        await setup()
        const input = makeAccept()
        await store.accept(input)
        const results = await Promise.all(
          ['w1', 'w2', 'w3', 'w4'].map((owner) => store.leaseRun({ runId: input.run.id, owner, now: T0 + 1, leaseMs: 10_000 })),
        )
        const winners = results.filter((r) => r !== null)
        expect(winners).toHaveLength(1)
        expect((await store.getRun(input.run.id))?.leaseOwner).toBe(winners[0]!.leaseOwner)
      })

      it('heartbeat extends held leases and returns the ids no longer held', async () => {
        await setup()
        const kept = await leased('w1')
        const stolen = await leased('w1')
        // stolen: the lease expires and another worker takes it
        await store.heartbeat('w1', [kept.id], T0 + 25_000, 30_000)
        expect(await store.leaseRun({ runId: stolen.id, owner: 'w2', now: T0 + 30_001, leaseMs: 30_000 })).not.toBeNull()
        const lost = await store.heartbeat('w1', [kept.id, stolen.id, 'never-leased'], T0 + 30_002, 30_000)
        expect(lost.sort()).toEqual([stolen.id, 'never-leased'].sort())
        expect((await store.getRun(kept.id))?.leaseExpiresAt).toBe(T0 + 60_002)
        expect((await store.getRun(stolen.id))?.leaseOwner).toBe('w2')
      })

      it('releaseLeases returns the owner’s runs to queued, leaving other owners’ runs alone', async () => {
        await setup()
        const mine = await leased('w1')
        const theirs = await leased('w2')
        await store.releaseLeases('w1', [mine.id, theirs.id], T0 + 50)
        expect(await store.getRun(mine.id)).toMatchObject({ status: 'queued', leaseOwner: null, leaseExpiresAt: null })
        expect(await store.getRun(theirs.id)).toMatchObject({ status: 'running', leaseOwner: 'w2' })
        expect(await store.leaseRun({ runId: mine.id, owner: 'w3', now: T0 + 51, leaseMs: 1_000 })).toMatchObject({ leaseOwner: 'w3' })
      })
    })

    describe('steps and transitions', () => {
      it('saveSteps checkpoints results in first-written order and records progress', async () => {
        await setup()
        const run = await leased('w1')
        await store.saveSteps(run.id, 'w1', [makeStep(run.id, 'lead'), makeStep(run.id, 'company')], {
          currentStep: 'contact',
          attempt: 1,
          at: T0 + 30,
        })
        await store.saveSteps(run.id, 'w1', [makeStep(run.id, 'contact', { output: { id: 42 } })])
        // rewriting an earlier step keeps its position
        await store.saveSteps(run.id, 'w1', [makeStep(run.id, 'lead', { output: { rewritten: true }, attempts: 2 })])
        const steps = await store.getSteps(run.id)
        expect(steps.map((s) => s.stepPath)).toEqual(['lead', 'company', 'contact'])
        expect(steps[0]).toEqual(makeStep(run.id, 'lead', { output: { rewritten: true }, attempts: 2 }))
        expect(steps[2].output).toEqual({ id: 42 })
        expect(await store.getRun(run.id)).toMatchObject({ currentStep: 'contact', attempt: 1, updatedAt: T0 + 30, status: 'running' })
        expect(await store.getSteps('missing')).toEqual([])
      })

      it('saveSteps by a worker that lost the lease fails with PW_LEASE_LOST and writes nothing', async () => {
        await setup()
        const run = await leased('w1')
        await store.leaseRun({ runId: run.id, owner: 'w2', now: T0 + 40_000, leaseMs: 30_000 })
        await expectRejectCode(store.saveSteps(run.id, 'w1', [makeStep(run.id, 'lead')]), 'PW_LEASE_LOST')
        const error = await store.saveSteps(run.id, 'w1', [], { currentStep: 'x', attempt: 3, at: T0 }).catch((e: unknown) => e)
        expect((error as Error).name).toBe('LeaseLostError')
        expect(await store.getSteps(run.id)).toEqual([])
        expect((await store.getRun(run.id))?.currentStep).toBeNull()
      })

      it('transition to succeeded writes the steps, sets finishedAt and clears the lease', async () => {
        await setup()
        const run = await leased('w1')
        await store.transition(run.id, 'w1', { status: 'succeeded', at: T0 + 90 }, [makeStep(run.id, 'notify')])
        expect(await store.getRun(run.id)).toMatchObject({
          status: 'succeeded',
          finishedAt: T0 + 90,
          updatedAt: T0 + 90,
          leaseOwner: null,
          leaseExpiresAt: null,
        })
        expect((await store.getSteps(run.id)).map((s) => s.stepPath)).toEqual(['notify'])
        expect(await store.leaseRun({ runId: run.id, owner: 'w1', now: T0 + 1e9, leaseMs: 1 })).toBeNull()
      })

      it('transition to filtered ends the run as filtered with its steps', async () => {
        await setup()
        const run = await leased('w1')
        await store.transition(run.id, 'w1', { status: 'filtered', at: T0 + 5 }, [
          makeStep(run.id, 'has-email', { status: 'filtered', output: null }),
        ])
        expect(await store.getRun(run.id)).toMatchObject({ status: 'filtered', finishedAt: T0 + 5, leaseOwner: null })
        expect(await store.getSteps(run.id)).toEqual([makeStep(run.id, 'has-email', { status: 'filtered', output: null })])
      })

      it('transition to waiting schedules the run with its reason, step, attempt and error', async () => {
        await setup()
        const run = await leased('w1')
        const error = { name: 'RateLimitedError', message: '429 from HubSpot', code: 'PW_RATE_LIMITED', status: 429, retryAfterMs: 10_000 }
        await store.transition(
          run.id,
          'w1',
          { status: 'waiting', at: T0 + 10, dueAt: T0 + 10_010, reason: 'rate-limit', currentStep: 'company', attempt: 2, error },
          [makeStep(run.id, 'lead')],
        )
        expect(await store.getRun(run.id)).toMatchObject({
          status: 'waiting',
          dueAt: T0 + 10_010,
          waitReason: 'rate-limit',
          currentStep: 'company',
          attempt: 2,
          error,
          leaseOwner: null,
          finishedAt: null,
        })
        expect(await store.getSteps(run.id)).toHaveLength(1)
        expect(await store.nextDueAt()).toBe(T0 + 10_010)
        expect(await store.leaseRun({ runId: run.id, owner: 'w2', now: T0 + 10_009, leaseMs: 1 })).toBeNull()
        expect(await store.leaseRun({ runId: run.id, owner: 'w2', now: T0 + 10_010, leaseMs: 1 })).not.toBeNull()
      })

      it('transition to queued puts the run back with a new due time', async () => {
        await setup()
        const run = await leased('w1')
        await store.transition(run.id, 'w1', { status: 'queued', at: T0 + 3, dueAt: T0 + 3 })
        expect(await store.getRun(run.id)).toMatchObject({ status: 'queued', dueAt: T0 + 3, leaseOwner: null, leaseExpiresAt: null })
      })

      it('transition to dead writes the dead letter and the steps in the same call', async () => {
        await setup()
        const run = await leased('w1')
        const dl = makeDeadLetter(run, { attempts: 5, reason: 'retryable-exhausted' })
        await store.transition(
          run.id,
          'w1',
          { status: 'dead', at: T0 + 100, deadLetter: dl, error: dl.error, currentStep: 'company', attempt: 5 },
          [makeStep(run.id, 'company', { status: 'failed', error: dl.error, output: null, attempts: 5 })],
        )
        expect(await store.getRun(run.id)).toMatchObject({
          status: 'dead',
          error: dl.error,
          currentStep: 'company',
          attempt: 5,
          finishedAt: T0 + 100,
        })
        expect(await store.getDeadLetter(run.id)).toEqual(dl)
        expect((await store.getSteps(run.id))[0]).toMatchObject({ status: 'failed', error: dl.error })
        expect(await store.getDeadLetter('missing')).toBeNull()
      })

      it('transition by a worker that lost the lease fails with PW_LEASE_LOST and changes nothing', async () => {
        await setup()
        const run = await leased('w1')
        await store.leaseRun({ runId: run.id, owner: 'w2', now: T0 + 40_000, leaseMs: 30_000 })
        await expectRejectCode(
          store.transition(run.id, 'w1', { status: 'succeeded', at: T0 + 40_001 }, [makeStep(run.id, 'a')]),
          'PW_LEASE_LOST',
        )
        const dl = makeDeadLetter(run)
        await expectRejectCode(
          store.transition(run.id, 'w1', { status: 'dead', at: T0, deadLetter: dl, error: null, currentStep: null, attempt: 1 }),
          'PW_LEASE_LOST',
        )
        expect(await store.getRun(run.id)).toMatchObject({ status: 'running', leaseOwner: 'w2' })
        expect(await store.getSteps(run.id)).toEqual([])
        expect(await store.getDeadLetter(run.id)).toBeNull()
        await expectRejectCode(store.transition('missing', 'w1', { status: 'succeeded', at: T0 }), 'PW_LEASE_LOST')
      })

      it('leaseRunFull (where offered) leases like leaseRun and answers the event and the step results', async () => {
        await setup()
        if (!store.leaseRunFull) return
        const input = makeAccept()
        await store.accept(input)
        const first = await store.leaseRunFull({ runId: input.run.id, owner: 'w1', now: T0 + 1, leaseMs: 30_000 })
        expect(first?.run).toMatchObject({ id: input.run.id, status: 'running', leaseOwner: 'w1', leaseExpiresAt: T0 + 30_001 })
        expect(first?.event).toEqual(input.event)
        expect(first?.steps).toEqual([])
        // Held: nobody else leases it until it expires.
        expect(await store.leaseRunFull({ runId: input.run.id, owner: 'w2', now: T0 + 2, leaseMs: 30_000 })).toBeNull()
        await store.saveSteps(input.run.id, 'w1', [makeStep(input.run.id, 'a'), makeStep(input.run.id, 'b', { output: null })])
        const again = await store.leaseRunFull({ runId: input.run.id, owner: 'w2', now: T0 + 40_000, leaseMs: 30_000 })
        expect(again?.run.leaseOwner).toBe('w2')
        expect(again?.steps).toEqual(await store.getSteps(input.run.id))
        expect(again?.steps.map((s) => s.stepPath)).toEqual(['a', 'b'])
        expect(await store.leaseRunFull({ runId: 'missing', owner: 'w1', now: T0, leaseMs: 1 })).toBeNull()
      })

      it('leases and final transitions issued together: each answered on its own, a lost lease rejects only its own', async () => {
        await setup()
        if (!store.leaseRunFull) return
        const inputs = [makeAccept(), makeAccept(), makeAccept()]
        await Promise.all(inputs.map((i) => store.accept(i)))
        const ids = inputs.map((i) => i.run.id)
        // Same tick: one batch. The same run asked twice gets one lease.
        const leases = await Promise.all([
          ...ids.map((runId) => store.leaseRunFull!({ runId, owner: 'w1', now: T0 + 1, leaseMs: 30_000 })),
          store.leaseRunFull({ runId: ids[0]!, owner: 'w9', now: T0 + 1, leaseMs: 30_000 }),
        ])
        expect(leases.slice(0, 3).map((l) => l?.run.leaseOwner)).toEqual(['w1', 'w1', 'w1'])
        expect(leases.slice(0, 3).map((l) => l?.event?.id)).toEqual(inputs.map((i) => i.event.id))
        expect(leases[3]).toBeNull()
        // Run 2 is taken over by w2 after expiry; w1's three transitions then go out together.
        await store.leaseRun({ runId: ids[1]!, owner: 'w2', now: T0 + 40_000, leaseMs: 30_000 })
        const outcomes = await Promise.allSettled([
          store.transition(ids[0]!, 'w1', { status: 'succeeded', at: T0 + 50 }, [makeStep(ids[0]!, 'a'), makeStep(ids[0]!, 'b')]),
          store.transition(ids[1]!, 'w1', { status: 'succeeded', at: T0 + 50 }, [makeStep(ids[1]!, 'a')]),
          store.transition(ids[2]!, 'w1', { status: 'filtered', at: T0 + 60 }, [makeStep(ids[2]!, 'f', { status: 'filtered' })]),
        ])
        expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
        expect(((outcomes[1] as PromiseRejectedResult).reason as { code?: string }).code).toBe('PW_LEASE_LOST')
        expect(await store.getRun(ids[0]!)).toMatchObject({ status: 'succeeded', finishedAt: T0 + 50, leaseOwner: null })
        expect(await store.getRun(ids[1]!)).toMatchObject({ status: 'running', leaseOwner: 'w2' })
        expect(await store.getRun(ids[2]!)).toMatchObject({ status: 'filtered', finishedAt: T0 + 60 })
        expect((await store.getSteps(ids[0]!)).map((s) => s.stepPath)).toEqual(['a', 'b'])
        expect(await store.getSteps(ids[1]!)).toEqual([])
        expect((await store.getSteps(ids[2]!)).map((s) => s.status)).toEqual(['filtered'])
      })
    })

    describe('dead letters', () => {
      async function kill(over: Partial<DeadLetterRecord> = {}, runOver: Partial<RunRecord> = {}): Promise<RunRecord> {
        const run = await leased('w', runOver)
        const dl = makeDeadLetter(run, over)
        await store.transition(run.id, 'w', {
          status: 'dead',
          at: dl.createdAt,
          deadLetter: dl,
          error: dl.error,
          currentStep: dl.stepId,
          attempt: dl.attempts,
        })
        return run
      }

      it('lists unresolved dead letters newest first and filters them', async () => {
        await setup()
        const a = await kill({ createdAt: T0 + 100, reason: 'permanent', stepId: 'company' })
        const b = await kill({ createdAt: T0 + 200, reason: 'quota', stepId: 'notify' })
        const c = await kill({ createdAt: T0 + 300, reason: 'permanent', stepId: 'company' }, { pipelineId: 'forms-to-slack' })
        const ids = (list: DeadLetterRecord[]) => list.map((d) => d.runId)
        expect(ids(await store.listDeadLetters())).toEqual([c.id, b.id, a.id])
        expect(ids(await store.listDeadLetters({ reason: 'permanent' }))).toEqual([c.id, a.id])
        expect(ids(await store.listDeadLetters({ stepId: 'notify' }))).toEqual([b.id])
        expect(ids(await store.listDeadLetters({ pipelineId: 'forms-to-slack' }))).toEqual([c.id])
        expect(ids(await store.listDeadLetters({ since: T0 + 200 }))).toEqual([c.id, b.id])
        expect(ids(await store.listDeadLetters({ until: T0 + 200 }))).toEqual([a.id])
        expect(ids(await store.listDeadLetters({ limit: 2 }))).toEqual([c.id, b.id])
      })

      it('counts the dead letters a filter selects, exactly and without a limit', async () => {
        await setup()
        expect(await store.countDeadLetters()).toBe(0)
        const a = await kill({ createdAt: T0 + 100, reason: 'permanent', stepId: 'company' })
        await kill({ createdAt: T0 + 200, reason: 'quota', stepId: 'notify' })
        await kill({ createdAt: T0 + 300, reason: 'permanent', stepId: 'company' }, { pipelineId: 'forms-to-slack' })
        expect(await store.countDeadLetters()).toBe(3)
        expect(await store.countDeadLetters({ reason: 'permanent' })).toBe(2)
        expect(await store.countDeadLetters({ pipelineId: 'forms-to-slack', reason: 'permanent' })).toBe(1)
        expect(await store.countDeadLetters({ stepId: 'notify' })).toBe(1)
        expect(await store.countDeadLetters({ until: T0 + 300 })).toBe(2)
        await store.discardDeadLetter(a.id, T0 + 400)
        expect(await store.countDeadLetters({ reason: 'permanent' })).toBe(1)
        expect(await store.countDeadLetters({ reason: 'permanent', includeResolved: true })).toBe(2)
      })

      it('markReplayed inserts the new runs with copied steps and resolves the dead letters', async () => {
        await setup()
        const old = await kill()
        const newRun = makeRun(old.eventId, { createdAt: T0 + 500, updatedAt: T0 + 500, dueAt: T0 + 500 })
        const copied = makeStep(newRun.id, 'lead', { output: { copied: true } })
        await store.markReplayed([{ runId: old.id, newRun, from: 'failed-step', copySteps: [copied] }])
        expect(await store.getRun(newRun.id)).toEqual({ ...newRun, replayOf: old.id, replayFrom: 'failed-step' })
        expect(await store.getSteps(newRun.id)).toEqual([copied])
        expect((await store.getDeadLetter(old.id))?.replayedBy).toBe(newRun.id)
        expect(await store.listDeadLetters()).toEqual([])
        expect((await store.listDeadLetters({ includeResolved: true })).map((d) => d.runId)).toEqual([old.id])
      })

      it('markReplayed of an unknown dead letter fails with PW_DEAD_LETTER_NOT_FOUND and inserts no run', async () => {
        await setup()
        const old = await kill()
        const good = makeRun(old.eventId)
        const bad = makeRun(old.eventId)
        await expectRejectCode(
          store.markReplayed([
            { runId: old.id, newRun: good, from: 'trigger', copySteps: [] },
            { runId: 'missing', newRun: bad, from: 'trigger', copySteps: [] },
          ]),
          'PW_DEAD_LETTER_NOT_FOUND',
        )
        expect(await store.getRun(good.id)).toBeNull()
        expect(await store.getRun(bad.id)).toBeNull()
        expect((await store.getDeadLetter(old.id))?.replayedBy).toBeNull()
      })

      it('discardDeadLetter resolves it once; unknown ids return false', async () => {
        await setup()
        const run = await kill()
        expect(await store.discardDeadLetter(run.id, T0 + 900)).toBe(true)
        expect(await store.discardDeadLetter(run.id, T0 + 901)).toBe(false)
        expect(await store.discardDeadLetter('missing', T0)).toBe(false)
        expect((await store.getDeadLetter(run.id))?.discardedAt).toBe(T0 + 900)
        expect(await store.listDeadLetters()).toEqual([])
        expect(await store.listDeadLetters({ includeResolved: true })).toHaveLength(1)
      })
    })

    describe('due runs', () => {
      it('listDueRuns returns due queued/waiting runs and expired leases, oldest due first', async () => {
        await setup()
        const late = makeAccept({ run: { dueAt: T0 + 300, concurrencyKey: 'example.com' } })
        const early = makeAccept({ run: { dueAt: T0 + 100 } })
        const waiting = makeAccept({ run: { status: 'waiting', waitReason: 'retry', dueAt: T0 + 200 } })
        const notDue = makeAccept({ run: { dueAt: T0 + 10_000 } })
        const done = makeAccept({ run: { status: 'succeeded', dueAt: T0, finishedAt: T0 } })
        const live = makeAccept({ run: { dueAt: T0 } })
        const expired = makeAccept({ run: { dueAt: T0 } })
        await store.acceptMany([late, early, waiting, notDue, done, live, expired])
        await store.leaseRun({ runId: live.run.id, owner: 'w', now: T0, leaseMs: 100_000 })
        await store.leaseRun({ runId: expired.run.id, owner: 'w', now: T0, leaseMs: 250 })
        const due = await store.listDueRuns(T0 + 1_000, 10)
        expect(due.map((r) => r.id)).toEqual([early.run.id, waiting.run.id, expired.run.id, late.run.id])
        expect(due[3]).toEqual({ id: late.run.id, pipelineId: late.run.pipelineId, dueAt: T0 + 300, concurrencyKey: 'example.com' })
        expect((await store.listDueRuns(T0 + 1_000, 2)).map((r) => r.id)).toEqual([early.run.id, waiting.run.id])
        expect(await store.listDueRuns(T0 - 1, 10)).toEqual([])
      })

      it('nextDueAt is the earliest dueAt among queued and waiting runs', async () => {
        await setup()
        expect(await store.nextDueAt()).toBeNull()
        await store.acceptMany([
          makeAccept({ run: { dueAt: T0 + 700 } }),
          makeAccept({ run: { status: 'waiting', waitReason: 'delay', dueAt: T0 + 400 } }),
          makeAccept({ run: { status: 'succeeded', dueAt: T0 + 1, finishedAt: T0 } }),
        ])
        expect(await store.nextDueAt()).toBe(T0 + 400)
      })
    })

    describe('listing runs', () => {
      it('lists newest first with filters, and counts by status', async () => {
        await setup()
        const a = makeAccept({ event: { receivedAt: T0 + 1 } })
        const b = makeAccept({ event: { receivedAt: T0 + 2, pipelineId: 'forms' }, run: { status: 'succeeded', finishedAt: T0 } })
        const c = makeAccept({ event: { receivedAt: T0 + 3 }, run: { status: 'dead', finishedAt: T0 } })
        await store.acceptMany([a, b, c])
        const ids = (runs: RunRecord[]) => runs.map((r) => r.id)
        expect(ids(await store.listRuns())).toEqual([c.run.id, b.run.id, a.run.id])
        expect(ids(await store.listRuns({ pipelineId: 'forms' }))).toEqual([b.run.id])
        expect(ids(await store.listRuns({ status: 'queued' }))).toEqual([a.run.id])
        expect(ids(await store.listRuns({ status: ['dead', 'succeeded'] }))).toEqual([c.run.id, b.run.id])
        expect(ids(await store.listRuns({ since: T0 + 2 }))).toEqual([c.run.id, b.run.id])
        expect(ids(await store.listRuns({ until: T0 + 3 }))).toEqual([b.run.id, a.run.id])
        expect(ids(await store.listRuns({ limit: 1 }))).toEqual([c.run.id])
        expect(await store.countRuns()).toEqual({ queued: 1, running: 0, waiting: 0, succeeded: 1, filtered: 0, dead: 1 })
        expect(await store.countRuns({ pipelineId: 'clay-to-hubspot' })).toEqual({
          queued: 1,
          running: 0,
          waiting: 0,
          succeeded: 0,
          filtered: 0,
          dead: 1,
        })
        expect((await store.countRuns({ since: T0 + 3 })).dead).toBe(1)
        expect((await store.countRuns({ since: T0 + 3 })).queued).toBe(0)
      })

      it('keyset pagination with `before` visits every run once, newest first, even with equal timestamps', async () => {
        await setup()
        const inputs = Array.from({ length: 11 }, (_, i) => makeAccept({ event: { receivedAt: T0 + Math.floor(i / 3) } }))
        await store.acceptMany(inputs)
        const all = await store.listRuns({ limit: 100 })
        expect(all).toHaveLength(11)
        const seen = await pageThrough(store, 4)
        expect(seen).toEqual(all.map((r) => r.id))
        expect(new Set(seen).size).toBe(11)
        for (let i = 1; i < all.length; i++) expect(all[i - 1].createdAt).toBeGreaterThanOrEqual(all[i].createdAt)
      })

      it('pages through several pipelines in one newest-first order, ties broken by id', async () => {
        await setup()
        // Four pipelines whose runs interleave in time, several per millisecond, ids not in time order.
        const inputs = Array.from({ length: 23 }, (_, i) =>
          makeAccept({ event: { receivedAt: T0 + ((i * 7) % 9), pipelineId: ['a', 'b', 'c', 'd'][i % 4] } }),
        )
        await store.acceptMany(inputs)
        const expected = newestFirst(inputs.map((x) => x.run)).map((r) => r.id)
        const all = await store.listRuns({ limit: 100 })
        expect(all.map((r) => r.id)).toEqual(expected)
        const seen = await pageThrough(store, 5)
        expect(seen).toEqual(expected)
        const window = await store.listRuns({ since: T0 + 3, until: T0 + 6, limit: 4 })
        const inWindow = inputs.map((x) => x.run).filter((r) => r.createdAt >= T0 + 3 && r.createdAt < T0 + 6)
        expect(window.map((r) => r.id)).toEqual(
          newestFirst(inWindow)
            .slice(0, 4)
            .map((r) => r.id),
        )
        expect(await store.listRuns({ limit: 0 })).toEqual([])
      })
    })

    describe('keyed state', () => {
      it('get/set/overwrite/delete a key', async () => {
        await setup()
        expect(await store.getKey('identity', 'example.com', T0)).toBeNull()
        await store.setKey('identity', 'example.com', { hubspotId: '101' }, T0)
        expect(await store.getKey('identity', 'example.com', T0 + 1)).toEqual({
          value: { hubspotId: '101' },
          updatedAt: T0,
          expiresAt: null,
        })
        await store.setKey('identity', 'example.com', ['list', 2], T0 + 5, T0 + 100)
        expect(await store.getKey('identity', 'example.com', T0 + 6)).toEqual({
          value: ['list', 2],
          updatedAt: T0 + 5,
          expiresAt: T0 + 100,
        })
        expect(await store.getKey('other-ns', 'example.com', T0)).toBeNull()
        await store.deleteKey('identity', 'example.com')
        expect(await store.getKey('identity', 'example.com', T0 + 7)).toBeNull()
      })

      it('an expired key reads as absent', async () => {
        await setup()
        await store.setKey('cursor', 'poll', 'abc', T0, T0 + 1_000)
        expect((await store.getKey('cursor', 'poll', T0 + 999))?.value).toBe('abc')
        expect(await store.getKey('cursor', 'poll', T0 + 1_000)).toBeNull()
      })

      it('setKeyIfAbsent sets only when absent or expired', async () => {
        await setup()
        expect(await store.setKeyIfAbsent('lock', 'tick-1', 'w1', T0, T0 + 1_000)).toBe(true)
        expect(await store.setKeyIfAbsent('lock', 'tick-1', 'w2', T0 + 999, T0 + 2_000)).toBe(false)
        expect((await store.getKey('lock', 'tick-1', T0 + 999))?.value).toBe('w1')
        expect(await store.setKeyIfAbsent('lock', 'tick-1', 'w3', T0 + 1_000, null)).toBe(true)
        expect(await store.getKey('lock', 'tick-1', T0 + 1e9)).toEqual({ value: 'w3', updatedAt: T0 + 1_000, expiresAt: null })
        expect(await store.setKeyIfAbsent('lock', 'tick-1', 'w4', T0 + 1e9, null)).toBe(false)
      })

      it('two concurrent setKeyIfAbsent calls: exactly one sets the key', async () => {
        await setup()
        const results = await Promise.all([store.setKeyIfAbsent('cron', 't', 'a', T0), store.setKeyIfAbsent('cron', 't', 'b', T0)])
        expect(results.filter(Boolean)).toHaveLength(1)
      })
    })

    describe('usage counters', () => {
      it('adds, reads and lists usage per connection and period', async () => {
        await setup()
        const day = { connection: 'clay-main', period: 'day:2026-11-23' }
        const life = { connection: 'clay-main', period: 'lifetime' }
        expect(await store.getUsage(day)).toBe(0)
        expect(await store.addUsage(day, 3, T0)).toBe(3)
        expect(await store.addUsage(day, 4, T0 + 10)).toBe(7)
        await store.addUsage(life, 7, T0 + 10)
        await store.addUsage({ connection: 'hubspot', period: 'lifetime' }, 1, T0 + 20)
        expect(await store.getUsage(day)).toBe(7)
        expect(await store.listUsage('clay-main')).toEqual([
          { ...day, used: 7, updatedAt: T0 + 10 },
          { ...life, used: 7, updatedAt: T0 + 10 },
        ])
        expect((await store.listUsage()).map((u) => u.connection)).toEqual(['clay-main', 'clay-main', 'hubspot'])
      })

      it('concurrent additions are all counted', async () => {
        await setup()
        const key = { connection: 'c', period: 'lifetime' }
        const totals = await Promise.all(Array.from({ length: 20 }, (_, i) => store.addUsage(key, 1, T0 + i)))
        expect([...totals].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
        expect(await store.getUsage(key)).toBe(20)
      })
    })

    describe('housekeeping and durability', () => {
      it('purgeExpired removes expired keys and dedupe keys and reports how many', async () => {
        await setup()
        await store.setKey('ns', 'old', 1, T0, T0 + 10)
        await store.setKey('ns', 'live', 2, T0, T0 + 10_000)
        await store.setKey('ns', 'forever', 3, T0, null)
        await store.accept(makeAccept({ dedupe: { scope: 's', key: 'old', expiresAt: T0 + 10 } }))
        await store.accept(makeAccept({ dedupe: { scope: 's', key: 'live', expiresAt: T0 + 10_000 } }))
        expect(await store.purgeExpired(T0 + 10)).toBe(2)
        expect(await store.purgeExpired(T0 + 10)).toBe(0)
        expect((await store.getKey('ns', 'live', T0 + 11))?.value).toBe(2)
        expect((await store.getKey('ns', 'forever', T0 + 11))?.value).toBe(3)
        expect(await store.findDuplicate('s', 'live', T0 + 11)).not.toBeNull()
      })

      it('everything written is still there after close and reopen', async () => {
        await setup()
        if (!harness?.reopen) return
        const input = makeAccept({ dedupe: { scope: 'hook', key: 'durable', expiresAt: T0 + 1e9 } })
        await store.accept(input)
        await store.leaseRun({ runId: input.run.id, owner: 'w', now: T0, leaseMs: 10 })
        await store.saveSteps(input.run.id, 'w', [makeStep(input.run.id, 'lead')])
        const dl = makeDeadLetter({ ...input.run })
        await store.transition(input.run.id, 'w', {
          status: 'dead',
          at: T0 + 5,
          deadLetter: dl,
          error: dl.error,
          currentStep: 'company',
          attempt: 1,
        })
        await store.setKey('identity', 'example.com', { id: 7 }, T0)
        await store.addUsage({ connection: 'c', period: 'lifetime' }, 5, T0)
        // not awaited before close: close must still commit it
        const lastWrite = store.setKey('cursor', 'poll', 'xyz', T0)
        await store.close()
        await lastWrite
        const reopened = await harness.reopen()
        expect(await reopened.getEvent(input.event.id)).toEqual(input.event)
        expect(await reopened.getRun(input.run.id)).toMatchObject({ status: 'dead', currentStep: 'company' })
        expect(await reopened.getSteps(input.run.id)).toEqual([makeStep(input.run.id, 'lead')])
        expect(await reopened.getDeadLetter(input.run.id)).toEqual(dl)
        expect(await reopened.findDuplicate('hook', 'durable', T0)).toBe(input.run.id)
        expect((await reopened.getKey('identity', 'example.com', T0))?.value).toEqual({ id: 7 })
        expect((await reopened.getKey('cursor', 'poll', T0))?.value).toBe('xyz')
        expect(await reopened.getUsage({ connection: 'c', period: 'lifetime' })).toBe(5)
        const again = makeAccept({ dedupe: { scope: 'hook', key: 'durable', expiresAt: T0 + 1e9 } })
        expect(await reopened.accept(again)).toEqual({ accepted: false, duplicateOf: input.run.id })
      })
    })
  })
}
