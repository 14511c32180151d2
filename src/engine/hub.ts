/**
 * `createHub(options)`: the live object that owns the store, dispatch, action gateway,
 * pipelines, events, sweeper, heartbeats and schedules. Everything below receives it
 * explicitly; there are no module-level singletons.
 *
 * @example
 * ```ts
 * const hub = await createHub({ pipelines, store: 'sqlite:.pipewright/pipewright.db', actions })
 * await hub.start()
 * const [r] = await hub.ingest('leads', [{ payload: { email: 'a@b.co' } }])
 * await hub.close()
 * ```
 * @module
 */
import { setMaxListeners } from 'node:events'
import { hostname } from 'node:os'
import type { ActionExecutor } from '../connectors/contract.js'
import type { Dispatch } from '../dispatch/contract.js'
import { createMemoryDispatch } from '../dispatch/memory.js'
import { ErrorCodes, PipewrightError } from '../errors.js'
import { newId } from '../ids.js'
import type { CompiledPipeline, Scope } from '../pipeline/types.js'
import type { PayloadCipher } from '../privacy/cipher.js'
import { compilePiiPaths, type PiiMatcher } from '../privacy/paths.js'
import { sealedStores } from '../privacy/sealed-store.js'
import type { AcceptInput, AcceptResult, Store } from '../store/contract.js'
import type { Clock, EventRecord, Random, RunRecord, TriggerKind } from '../types.js'
import { systemClock } from './clock.js'
import { HubEvents } from './events.js'
import { type EngineContext, executeRun } from './executor.js'
import { KeyLocks, Slots } from './locks.js'
import { createPauseGate } from './pause-gate.js'
import { createRedactor, type RedactOptions } from './redact.js'

export interface HubOptions {
  pipelines: CompiledPipeline[]
  store: Store
  /** The action gateway. */
  actions: ActionExecutor
  /** @defaultValue in-process dispatch */
  dispatch?: Dispatch
  clock?: Clock
  random?: Random
  /** Execute runs in this process. @defaultValue true */
  worker?: boolean
  /** Runs executing at once in this process. @defaultValue 64 */
  concurrency?: number
  /** How long a leased run stays ours without a heartbeat. @defaultValue 30000 */
  leaseMs?: number
  /** How often the store is swept for due runs that dispatch lost. @defaultValue 5000 */
  sweepIntervalMs?: number
  /** How often a running hub reads which pipelines are paused. @defaultValue 2000 */
  pauseRefreshMs?: number
  /** Fire schedule triggers from this process. @defaultValue true when worker */
  scheduler?: boolean
  /** Back-pressure: ingest refuses (429) when more runs than this wait in dispatch. @defaultValue 50000 */
  maxQueuedRuns?: number
  redact?: RedactOptions
  workerId?: string
  /**
   * Seal PII fields of stored payloads (docs/security.md#customer-data-at-rest): `paths` for every
   * pipeline, besides each pipeline's own `pii`. Without it the store is used as it is.
   */
  pii?: { cipher: PayloadCipher; paths?: readonly string[] }
}

export interface Delivery {
  payload: unknown
  /** The payload's JSON text as received, if the caller has it: stored instead of re-serialising. */
  payloadJson?: string
  deliveryId?: string | null
  meta?: Record<string, unknown> | null
}

export interface IngestResult {
  runId: string
  eventId: string | null
  duplicate: boolean
}

export class BackPressureError extends PipewrightError {
  readonly retryAfterMs: number
  constructor(depth: number, retryAfterMs: number) {
    super(`${depth} runs are waiting to execute; try again shortly`, { code: ErrorCodes.BACK_PRESSURE })
    this.name = 'BackPressureError'
    this.retryAfterMs = retryAfterMs
  }
}

export type Hub = Awaited<ReturnType<typeof createHub>>

/** How soon a run that found its concurrency key or pipeline slot busy comes round again. */
const BUSY_RETRY_MS = 250
/** How long a stopping worker waits for Redis to take back the runs it hands back (the sweep covers). */
const HAND_BACK_ADD_MS = 500

export async function createHub(options: HubOptions) {
  const clock = options.clock ?? systemClock
  const random = options.random ?? Math.random
  // PII sealing (when configured): the hub writes through `store`, runs read through `engineStore`.
  const sealing = options.pii ? sealedStores(options.store, { cipher: options.pii.cipher, matcherFor: (id) => piiOf(id) }) : null
  const store = sealing?.store ?? options.store
  const dispatch = options.dispatch ?? createMemoryDispatch({ clock })
  const events = new HubEvents()
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${newId('w').slice(-6)}`
  const leaseMs = options.leaseMs ?? 30_000
  const concurrency = options.concurrency ?? 64
  const runsHere = options.worker ?? true
  const redactor = createRedactor(options.redact)
  const locks = new KeyLocks()
  const slots = new Slots()

  // ── pipelines: latest by id, every loaded version by id@version ──────────────────────
  const latest = new Map<string, CompiledPipeline>()
  const versions = new Map<string, CompiledPipeline>()
  const byPath = new Map<string, CompiledPipeline>()
  const setPipelines = (list: CompiledPipeline[]) => {
    latest.clear()
    byPath.clear()
    for (const p of list) {
      latest.set(p.id, p)
      versions.set(`${p.id}@${p.version}`, p)
      if (p.trigger.kind === 'webhook') byPath.set(p.trigger.options.path, p)
    }
  }
  setPipelines(options.pipelines)
  const piiMatchers = new WeakMap<CompiledPipeline, PiiMatcher | null>()
  const hubPii = compilePiiPaths(options.pii?.paths ?? [])
  const piiOf = (pipelineId: string): PiiMatcher | null => {
    const p = latest.get(pipelineId)
    if (!p) return hubPii
    let m = piiMatchers.get(p)
    if (m === undefined) {
      m = compilePiiPaths([...(options.pii?.paths ?? []), ...(p.pii ?? [])])
      piiMatchers.set(p, m)
    }
    return m
  }

  // Runs accepted by this process, kept in memory until a worker here picks them up.
  const fresh = new Map<string, { event: EventRecord; key: string | null; run: RunRecord }>()
  const inflight = new Set<string>()
  const pauses = createPauseGate({
    store,
    refreshMs: options.pauseRefreshMs,
    release: (ids) => {
      if (ids.length) void dispatch.dispatchMany(ids.map((runId) => ({ runId }))).catch(() => undefined)
    },
    onError: (error) => events.emit('hub:error', { message: 'reading paused pipelines failed', error }),
  })
  const keyWaiters = new Map<string, string[]>()
  const pipelineWaiters = new Map<string, string[]>()
  const cacheFresh = runsHere && dispatch.kind === 'memory'

  // Aborted at the shutdown deadline (close): effects in flight stop and their runs are handed back.
  const shutdown = new AbortController()
  // Every step in flight listens to it (and removes its listener when done): no cap, no warning.
  setMaxListeners(0, shutdown.signal)
  /** Called whenever a run stops executing here (close waits for the last). */
  let onIdle: (() => void) | null = null

  const ctx: EngineContext = {
    shutdown: shutdown.signal,
    store: sealing?.engine ?? store,
    actions: options.actions,
    events,
    clock,
    random,
    workerId,
    leaseMs,
    locks,
    redact: redactor,
    resolvePipeline: (id, version) => versions.get(`${id}@${version}`) ?? latest.get(id) ?? null,
    startCall: async (pipelineId, input, key, now) => {
      const target = latest.get(pipelineId)
      if (!target) throw new PipewrightError(`call: pipeline ${pipelineId} is not loaded`, { code: ErrorCodes.PIPELINE_NOT_FOUND })
      const [r] = await ingest(pipelineId, [{ payload: input, deliveryId: `call:${key}` }], {
        trigger: 'manual',
        now,
        dedupeWindowMs: 30 * 86_400_000,
      })
      return r!.runId
    },
    redispatch: (runId, dueAt) => {
      void dispatch
        .dispatch(runId, dueAt)
        .catch((error) => events.emit('hub:error', { message: `dispatch of ${runId} failed; the sweeper will retry`, error }))
    },
  }

  // ── ingest ────────────────────────────────────────────────────────────────────────────
  async function computeKey(p: CompiledPipeline, payload: unknown, runId: string, now: number): Promise<string | null> {
    if (!p.concurrencyKey) return null
    const scope: Scope = { event: payload, run: { id: runId, pipelineId: p.id, attempt: 0, createdAt: now } }
    const k = await p.concurrencyKey(scope)
    return k === undefined || k === null ? null : String(k)
  }

  async function ingest(
    pipelineId: string,
    deliveries: Delivery[],
    opts: { trigger?: TriggerKind; now?: number; dedupeWindowMs?: number } = {},
  ): Promise<IngestResult[]> {
    const p = latest.get(pipelineId)
    if (!p) throw new PipewrightError(`pipeline ${pipelineId} is not loaded`, { code: ErrorCodes.PIPELINE_NOT_FOUND })
    const maxQueued = options.maxQueuedRuns ?? 50_000
    if (runsHere && dispatch.kind === 'memory') {
      const depth = await dispatch.depth()
      if (depth >= maxQueued) throw new BackPressureError(depth, 1000)
    }
    const now = opts.now ?? clock.now()
    const trigger = opts.trigger ?? p.trigger.kind
    const windowMs = opts.dedupeWindowMs ?? (p.trigger.kind === 'webhook' ? p.trigger.options.dedupeWindowMs : 86_400_000)
    const inputs: AcceptInput[] = []
    // A paused pipeline's runs are stored queued and parked at once (never leased here).
    const paused = pauses.isPaused(pipelineId)
    const leaseNow = cacheFresh && !paused
    for (const d of deliveries) {
      const event: EventRecord = {
        id: newId('evt', now),
        pipelineId,
        trigger,
        deliveryId: d.deliveryId ?? null,
        payload: d.payload,
        meta: d.meta ?? null,
        receivedAt: now,
      }
      const runId = newId('run', now)
      const run: RunRecord = {
        id: runId,
        pipelineId,
        pipelineVersion: p.version,
        eventId: event.id,
        // Runs this process will execute are stored already leased to it (one write fewer per run);
        // heartbeats keep the lease while they wait here, and the sweeper recovers them after a crash.
        status: leaseNow ? 'running' : 'queued',
        currentStep: null,
        attempt: 0,
        dueAt: now,
        waitReason: null,
        leaseOwner: leaseNow ? workerId : null,
        leaseExpiresAt: leaseNow ? now + leaseMs : null,
        concurrencyKey: p.concurrencyKey ? await computeKey(p, d.payload, runId, now) : null,
        replayOf: null,
        replayFrom: null,
        error: null,
        createdAt: now,
        updatedAt: now,
        finishedAt: null,
      }
      const input: AcceptInput = { event, run }
      if (d.deliveryId) input.dedupe = { scope: pipelineId, key: d.deliveryId, expiresAt: now + windowMs }
      if (d.payloadJson !== undefined) input.payloadJson = d.payloadJson
      inputs.push(input)
    }
    const results: AcceptResult[] = inputs.length === 1 ? [await store.accept(inputs[0]!)] : await store.acceptMany(inputs)
    const out: IngestResult[] = []
    const toDispatch: Array<{ runId: string }> = []
    results.forEach((r, i) => {
      if (r.accepted) {
        const input = inputs[i]!
        if (paused && runsHere) pauses.park(pipelineId, r.runId)
        else {
          if (leaseNow) fresh.set(r.runId, { event: input.event, key: input.run.concurrencyKey, run: input.run })
          toDispatch.push({ runId: r.runId })
        }
        out.push({ runId: r.runId, eventId: r.eventId, duplicate: false })
        if (events.has('event:accepted')) events.emit('event:accepted', { pipelineId, eventId: r.eventId, runId: r.runId, trigger })
      } else {
        out.push({ runId: r.duplicateOf, eventId: null, duplicate: true })
        events.emit('event:duplicate', { pipelineId, runId: r.duplicateOf })
      }
    })
    // An in-process queue only serves a worker in this process: without one (`start --no-worker`
    // on SQLite), workers elsewhere find these runs in the store, and queueing them here would
    // only grow memory.
    if (toDispatch.length && (runsHere || dispatch.kind !== 'memory')) await dispatch.dispatchMany(toDispatch)
    return out
  }

  // ── worker ────────────────────────────────────────────────────────────────────────────
  async function handle(runId: string): Promise<void> {
    if (inflight.has(runId)) return
    const cached = fresh.get(runId)
    fresh.delete(runId)
    // A run accepted here is already leased to us; any other is leased first (the lease returns
    // the run, so no separate read), and handed back in the rare case its key or slot is busy.
    // Where the store can, the lease also brings the event and step results (one round trip).
    const req = { runId, owner: workerId, now: clock.now(), leaseMs }
    const full = cached ? null : store.leaseRunFull ? await store.leaseRunFull(req) : undefined
    const leased = cached ? cached.run : full === undefined ? await store.leaseRun(req) : (full?.run ?? null)
    if (!leased) return
    const pipelineId = leased.pipelineId
    if (pauses.isPaused(pipelineId)) {
      // Paused: the event stays stored and the run waits, parked here until resumed.
      await store.releaseLeases(workerId, [runId], clock.now())
      pauses.park(pipelineId, runId)
      return
    }
    const key = cached ? cached.key : leased.concurrencyKey
    const p = latest.get(pipelineId)
    // Busy key or pipeline slot: a run accepted here waits in memory and is woken when the
    // holder finishes; any other hands its lease back and comes round again shortly.
    const wait = async (waiters: Map<string, string[]>, name: string) => {
      if (cached) {
        fresh.set(runId, cached)
        push(waiters, name, runId)
        return
      }
      await store.releaseLeases(workerId, [runId], clock.now())
      ctx.redispatch(runId, clock.now() + BUSY_RETRY_MS)
    }
    const lockKey = key === null ? null : `${pipelineId}#${key}`
    if (lockKey && !locks.tryAcquire(lockKey)) return wait(keyWaiters, lockKey)
    const limit = p?.concurrency ?? null
    if (limit !== null && !slots.tryTake(pipelineId, limit)) {
      if (lockKey) locks.release(lockKey)
      return wait(pipelineWaiters, pipelineId)
    }
    inflight.add(runId)
    try {
      await executeRun(
        ctx,
        runId,
        cached
          ? { event: cached.event, fresh: true, leased: cached.run }
          : { fresh: false, leased, ...(full ? { event: full.event ?? undefined, steps: full.steps } : {}) },
      )
    } catch (error) {
      events.emit('hub:error', { message: `run ${runId} could not be executed; it will be retried by the sweeper`, error })
    } finally {
      inflight.delete(runId)
      if (inflight.size === 0) onIdle?.()
      if (limit !== null) {
        slots.give(pipelineId)
        wake(pipelineWaiters, pipelineId)
      }
      if (lockKey) {
        locks.release(lockKey)
        wake(keyWaiters, lockKey)
      }
    }
  }

  function push(map: Map<string, string[]>, key: string, runId: string) {
    const list = map.get(key)
    if (list) {
      if (!list.includes(runId)) list.push(runId)
    } else map.set(key, [runId])
  }

  function wake(map: Map<string, string[]>, key: string) {
    const list = map.get(key)
    const next = list?.shift()
    if (list && list.length === 0) map.delete(key)
    if (next) ctx.redispatch(next, 0)
  }

  // ── sweeper and heartbeats ────────────────────────────────────────────────────────────
  let sweepTimer: NodeJS.Timeout | null = null
  let beatTimer: NodeJS.Timeout | null = null
  let sweeping = false

  async function sweep(): Promise<number> {
    if (sweeping) return 0
    sweeping = true
    try {
      // With a dispatch shared by many processes, one of them sweeps per interval: a keyed value
      // with an expiry picks it, so N workers cost the store and Redis one sweep, not N.
      if (dispatch.kind !== 'memory') {
        const now = clock.now()
        const every = options.sweepIntervalMs ?? 5000
        if (!(await store.setKeyIfAbsent('pipewright:sweep', 'owner', workerId, now, now + every - Math.min(500, every / 5)))) return 0
      }
      const due = await store.listDueRuns(clock.now(), 5000)
      const waiting = new Set([...keyWaiters.values(), ...pipelineWaiters.values()].flat())
      const lost = due.filter((r) => !inflight.has(r.id) && !waiting.has(r.id) && !pauses.isParked(r.id))
      const items = lost.map((r) => ({ runId: r.id }))
      if (items.length)
        await (dispatch.dispatchMissing
          ? dispatch.dispatchMissing(lost.map((r) => ({ runId: r.id, dueAt: r.dueAt })))
          : dispatch.dispatchMany(items))
      return items.length
    } catch (error) {
      events.emit('hub:error', { message: 'sweep failed', error })
      return 0
    } finally {
      sweeping = false
    }
  }

  /** Runs whose lease this process holds: executing, or accepted here and waiting for a slot. */
  const held = () => [...inflight, ...fresh.keys()]

  async function heartbeat() {
    if (inflight.size === 0 && fresh.size === 0) return
    try {
      await store.heartbeat(workerId, held(), clock.now(), leaseMs)
    } catch (error) {
      events.emit('hub:error', { message: 'heartbeat failed', error })
    }
  }

  let started = false
  let closed = false
  const startHooks: Array<() => Promise<void> | void> = []
  const closeHooks: Array<() => Promise<void> | void> = []

  const hub = {
    workerId,
    store,
    dispatch,
    events,
    clock,
    redactor,
    /** Whether PII fields of stored payloads are sealed here (decided at creation; src/privacy). */
    sealsPayloads: sealing !== null,
    actions: options.actions,
    pipelines: () => [...latest.values()],
    getPipeline: (id: string) => latest.get(id) ?? null,
    getPipelineByPath: (path: string) => byPath.get(path) ?? null,
    /** Replace the loaded pipelines (dev reload). Runs keep their pinned versions while loaded. */
    setPipelines,
    ingest,
    sweep,
    /** Registered by the scheduler and server so they start and stop with the hub. */
    onStart: (fn: () => Promise<void> | void) => startHooks.push(fn),
    onClose: (fn: () => Promise<void> | void) => closeHooks.unshift(fn),
    inflightCount: () => inflight.size,
    /** Whether a pipeline is paused (as of the last read of the store). */
    isPaused: (pipelineId: string) => pauses.isPaused(pipelineId),
    /** Read the paused pipelines now (after a pause or resume made through this process). */
    refreshPauses: () => pauses.refresh(),

    async start() {
      if (started) throw new PipewrightError('hub already started. Did you call `start()` twice?', { code: ErrorCodes.CONFIG_INVALID })
      started = true
      await store.migrate()
      await pauses.refresh()
      pauses.start()
      if (runsHere) {
        await dispatch.startWorker(handle, { concurrency })
        await sweep()
        sweepTimer = setInterval(() => void sweep(), options.sweepIntervalMs ?? 5000)
        sweepTimer.unref()
        beatTimer = setInterval(() => void heartbeat(), Math.max(250, Math.floor(leaseMs / 3)))
        beatTimer.unref()
      }
      for (const fn of startHooks) await fn()
    },

    /** Resolve when the run reaches a terminal state (or `timeoutMs` passes: resolves with the run as it is). */
    async waitForRun(runId: string, timeoutMs = 30_000): Promise<RunRecord | null> {
      const deadline = clock.now() + timeoutMs
      let delay = 5
      while (true) {
        const run = await store.getRun(runId)
        if (!run || ['succeeded', 'filtered', 'dead'].includes(run.status) || clock.now() >= deadline) return run
        await new Promise<void>((resolve) => {
          const off = events.on('run:end', (e) => {
            if (e.run.id === runId) {
              off()
              resolve()
            }
          })
          setTimeout(
            () => {
              off()
              resolve()
            },
            Math.min(delay, Math.max(1, deadline - clock.now())),
          )
        })
        delay = Math.min(delay * 2, 250)
      }
    },

    /**
     * Graceful shutdown: stop leasing and let in-flight runs finish until `deadlineMs` from now.
     * At the deadline, effects still in flight are aborted and no new one starts; each of those
     * runs saves the results of the effects it completed and is handed back (`queued`), waiting
     * at most `handBackMs` for them. Then the remaining leases are released, a shared dispatch
     * (BullMQ) gets the handed-back runs again at once, and the store closes.
     */
    async close(closeOptions: { deadlineMs?: number; handBackMs?: number } = {}) {
      if (closed) return
      closed = true
      const until = clock.now() + (closeOptions.deadlineMs ?? 10_000)
      for (const fn of closeHooks) await fn()
      if (sweepTimer) clearInterval(sweepTimer)
      pauses.stop()
      if (beatTimer) clearInterval(beatTimer)
      // Runs cut at the deadline hand themselves back (queued, lease released) as they stop.
      const cutRuns: string[] = []
      const cut = () => {
        if (shutdown.signal.aborted) return
        cutRuns.push(...inflight)
        shutdown.abort(new PipewrightError('the process is shutting down; the run is handed back', { code: ErrorCodes.SHUTTING_DOWN }))
      }
      if (runsHere) {
        // The deadline is ours: effects are cut when it passes even while the dispatch is still
        // stopping (BullMQ hands its unfinished jobs back and closes its worker through Redis).
        const atDeadline = clock.setTimeout(() => inflight.size > 0 && cut(), Math.max(0, until - clock.now()))
        await dispatch.stopWorker(Math.max(0, until - clock.now()))
        clock.clearTimeout(atDeadline)
      }
      if (inflight.size > 0) {
        cut()
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, closeOptions.handBackMs ?? 1000)
          onIdle = () => {
            clearTimeout(timer)
            resolve()
          }
          if (inflight.size === 0) onIdle()
        })
        onIdle = null
      }
      const mine = held()
      let released = mine.length === 0
      if (mine.length)
        released = await store.releaseLeases(workerId, mine, clock.now()).then(
          () => true,
          () => false,
        )
      // With a shared dispatch, put the handed-back runs straight back on the queue (one bulk add,
      // job id = run id as every due-now dispatch, so a run Redis still holds is not added twice)
      // rather than leave them for the next sweep. Bounded: with Redis down or slow, shutdown waits
      // at most HAND_BACK_ADD_MS for it (the add goes on while the dispatch closes) and the
      // sweeper finds the runs in the store as before.
      if (runsHere && dispatch.kind !== 'memory') {
        const back = released ? [...new Set([...cutRuns, ...mine])] : cutRuns.filter((id) => !mine.includes(id))
        if (back.length) {
          let timer: NodeJS.Timeout | undefined
          await Promise.race([
            dispatch.dispatchMany(back.map((runId) => ({ runId }))).catch(() => undefined),
            new Promise<void>((resolve) => {
              timer = setTimeout(resolve, HAND_BACK_ADD_MS)
            }),
          ])
          clearTimeout(timer)
        }
      }
      await dispatch.close()
      await options.actions.close()
      await store.close()
    },
  }
  return hub
}
