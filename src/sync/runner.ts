/**
 * The sync runner: owns the loaded syncs' sides, runs their passes on schedule (every `every`,
 * a drift repair every `repair`), when nudged by a webhook, and on demand (`sync run`). A pass of
 * a sync runs in one process of the cluster at a time: the process holding the sync's lease, a
 * keyed value with an expiry renewed while it lives, so syncs run cluster-wide once, like
 * schedules. Passes of one sync never overlap in a process either.
 *
 * A sync an operator paused (`pipewright pause <sync>`, `store.pauses` kind `sync`) runs no pass:
 * scheduled passes, drift repairs and webhook nudges are held (the nudged records stay in the
 * sync's dirty set) and the held pass runs within `pauseRefreshMs` of the resume. `run(id)`
 * refuses with `PW_SYNC_PAUSED` unless `force`; a dry run (`plan`) is allowed.
 *
 * @example
 * ```ts
 * const runner = createSyncRunner({ hub, syncs })
 * await runner.start()               // schedules
 * const report = await runner.run('crm-contacts')
 * ```
 * @module
 */

import { waitOrAbort } from '../engine/clock.js'
import type { Hub } from '../engine/hub.js'
import { ErrorCodes, isPipewrightError, PipewrightError, retryAfterOf } from '../errors.js'
import type { SourceContext } from '../sources/contract.js'
import type { RunStatus } from '../types.js'
import { type PassOptions, runPass } from './pass.js'
import type { PassReport } from './report.js'
import type { SideKind, SyncSide } from './side.js'
import { builtinSideKinds } from './sides/index.js'
import { LAST_PASS_NS, LAST_REPAIR_NS, LAST_REPAIR_REPORT_NS } from './status.js'
import type { CompiledSync } from './types.js'
import { runKeyOf, type WriteBatch, writePipelineId } from './writes.js'

const LEASE_NS = 'sync:lease'
const LEASE_MS = 60_000
/** Write runs' delivery ids are remembered this long: the same write is never started twice within it. */
const JOB_DEDUPE_MS = 30 * 86_400_000
/** A pass that stopped at `maxRecords` is followed at once by the next, this many times at most. */
const MAX_FOLLOW_UPS = 20

export class SyncBusyError extends PipewrightError {
  constructor(syncId: string, owner: unknown) {
    super(`sync ${syncId} is running in another process (${String(owner)}); try again when its pass ends`, { code: ErrorCodes.SYNC_BUSY })
    this.name = 'SyncBusyError'
  }
}

export class SyncPausedError extends PipewrightError {
  constructor(syncId: string) {
    super(`sync ${syncId} is paused; \`pipewright resume ${syncId}\` resumes it (or run with --force)`, { code: ErrorCodes.SYNC_PAUSED })
    this.name = 'SyncPausedError'
  }
}

export function syncNotFound(id: string, known: string[]): PipewrightError {
  return new PipewrightError(`no sync "${id}" is loaded; known: ${known.join(', ') || 'none'}`, { code: ErrorCodes.SYNC_NOT_FOUND })
}

export interface SyncRunnerOptions {
  hub: Hub
  syncs: CompiledSync[]
  sideKinds?: Map<string, SideKind<any>>
  /** Run passes on the syncs' schedules. @defaultValue true */
  schedule?: boolean
  /** Defaults for every pass (settle timeout, page size). */
  pass?: Omit<PassOptions, 'mode' | 'dryRun' | 'signal'>
  /** How often passes held by a pause check whether the sync was resumed. @defaultValue 2000 */
  pauseRefreshMs?: number
}

export type SyncRunner = ReturnType<typeof createSyncRunner>

export function createSyncRunner(options: SyncRunnerOptions) {
  const { hub } = options
  const { store, clock } = hub
  const kinds = options.sideKinds ?? builtinSideKinds()
  const syncs = new Map(options.syncs.map((s) => [s.id, s]))
  const sides = new Map<string, { a: SyncSide; b: SyncSide }>()
  const chains = new Map<string, Promise<unknown>>()
  const timers: unknown[] = []
  const nudges = new Map<string, unknown>()
  /** Passes skipped while their sync was paused, run once it is resumed (a repair outranks a pass). */
  const held = new Map<string, { mode: 'incremental' | 'repair'; skipped: number }>()
  let heldTimer: NodeJS.Timeout | null = null
  const closing = new AbortController()
  let stopped = false
  let reads = 0

  function get(id: string): CompiledSync {
    const s = syncs.get(id)
    if (!s) throw syncNotFound(id, [...syncs.keys()])
    return s
  }

  function sourceContext(sync: CompiledSync): SourceContext {
    const pipelineId = writePipelineId(sync.id)
    return {
      clock,
      invoke: (ref, input, o = {}) =>
        withWaits(() => {
          const n = ++reads
          return hub.actions.execute({
            ref,
            input,
            ...(o.connection ? { connection: o.connection } : {}),
            runId: `${pipelineId}:read`,
            pipelineId,
            stepId: `read#${n}`,
            attempt: 1,
            idempotencyKey: `${pipelineId}:read#${n}`,
            signal: o.signal ?? closing.signal,
          })
        }),
    }
  }

  /** Reads wait out rate limits, open circuits and transient failures (bounded), as a run would. */
  async function withWaits<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn()
      } catch (error) {
        const code = isPipewrightError(error) ? error.code : undefined
        const waitable = code === ErrorCodes.RATE_LIMITED || code === ErrorCodes.RETRY_AFTER || code === ErrorCodes.CIRCUIT_OPEN
        const retryable = waitable || (code !== ErrorCodes.NON_RETRYABLE && code !== ErrorCodes.CONNECTOR_UNKNOWN && attempt <= 3)
        if (!retryable || attempt > 50 || closing.signal.aborted) throw error
        const ms = Math.min(retryAfterOf(error) ?? 250 * 2 ** Math.min(attempt, 6), 60_000)
        await sleep(ms)
      }
    }
  }

  function sleep(ms: number): Promise<void> {
    return waitOrAbort(clock, ms, closing.signal)
  }

  function sidesOf(sync: CompiledSync): { a: SyncSide; b: SyncSide } {
    let s = sides.get(sync.id)
    if (!s) {
      const ctx = sourceContext(sync)
      const make = (spec: CompiledSync['sides']['a']) => {
        const kind = kinds.get(spec.kind)
        if (!kind) throw new PipewrightError(`sync ${sync.id}: unknown side kind ${spec.kind}`, { code: ErrorCodes.SYNC_INVALID })
        return kind.create(spec, ctx)
      }
      s = { a: make(sync.sides.a), b: make(sync.sides.b) }
      sides.set(sync.id, s)
    }
    return s
  }

  /** Runs started for jobs a write run moved out of its batch, by that run (the latest few thousand). */
  const moved = new Map<string, string[]>()

  async function startWrites(sync: CompiledSync, batches: WriteBatch[]): Promise<string[]> {
    const ids: string[] = []
    for (let i = 0; i < batches.length; i += 500) {
      const part = batches.slice(i, i + 500)
      const res = await hub.ingest(
        writePipelineId(sync.id),
        part.map((batch) => ({ payload: batch, deliveryId: batch.key })),
        { trigger: 'manual', dedupeWindowMs: JOB_DEDUPE_MS },
      )
      ids.push(...res.map((r) => r.runId))
    }
    return ids
  }

  /** Start the runs of jobs a write run moved out of its batch (a pass awaiting that run awaits them too). */
  async function split(syncId: string, parentRunId: string, batches: WriteBatch[]): Promise<string[]> {
    const ids = await startWrites(get(syncId), batches)
    moved.set(parentRunId, [...new Set([...(moved.get(parentRunId) ?? []), ...ids])])
    while (moved.size > 5000) moved.delete(moved.keys().next().value!)
    return ids
  }

  /**
   * Wait until these runs end, at most `timeoutMs` — and the runs moved out of them, which are
   * started before the run that moved them ends. Counts by final status, over every run awaited.
   */
  async function awaitRuns(runIds: string[], timeoutMs: number): Promise<{ runs: number; counts: Partial<Record<RunStatus, number>> }> {
    const all = new Set(runIds)
    const left = new Set(runIds)
    const final = new Map<string, RunStatus>()
    const done = (id: string, status: RunStatus) => {
      if (!left.delete(id)) return
      final.set(id, status)
      for (const child of moved.get(id) ?? [])
        if (!all.has(child)) {
          all.add(child)
          left.add(child)
        }
    }
    const off = hub.events.on('run:end', (e) => done(e.run.id, e.status))
    const deadline = clock.now() + timeoutMs
    try {
      let delay = 50
      while (left.size > 0 && clock.now() < deadline && !closing.signal.aborted) {
        await sleep(Math.min(delay, Math.max(1, deadline - clock.now())))
        delay = Math.min(delay * 2, 1000)
        for (const id of [...left].slice(0, 200)) {
          const run = await store.getRun(id)
          if (run && (run.status === 'succeeded' || run.status === 'dead' || run.status === 'filtered')) done(id, run.status)
        }
      }
    } finally {
      off()
    }
    const counts: Partial<Record<RunStatus, number>> = {}
    for (const s of final.values()) counts[s] = (counts[s] ?? 0) + 1
    return { runs: all.size, counts }
  }

  /** Status of the run a link's pending marker names, or null when no run carries it. */
  async function jobStatus(sync: CompiledSync, marker: string): Promise<RunStatus | null> {
    const runId = await store.findDuplicate(writePipelineId(sync.id), runKeyOf(marker), clock.now())
    if (!runId) return null
    return (await store.getRun(runId))?.status ?? null
  }

  /** Hold (or take over an expired) lease of the sync; false when another process holds it. */
  async function lease(id: string): Promise<true | { owner: unknown }> {
    const now = clock.now()
    if (await store.setKeyIfAbsent(LEASE_NS, id, hub.workerId, now, now + LEASE_MS)) return true
    const held = await store.getKey(LEASE_NS, id, now)
    if (held && held.value !== hub.workerId) return { owner: held.value }
    await store.setKey(LEASE_NS, id, hub.workerId, now, now + LEASE_MS)
    return true
  }

  async function pass(sync: CompiledSync, opts: PassOptions): Promise<PassReport> {
    const env = {
      sync,
      store,
      sides: sidesOf(sync),
      clock,
      startWrites: (batches: WriteBatch[]) => startWrites(sync, batches),
      jobStatus: (key: string) => jobStatus(sync, key),
      awaitRuns,
    }
    return runPass(env, { ...options.pass, ...opts, signal: closing.signal })
  }

  /** Run passes of a sync now (serialised with its other passes in this process). */
  function run(
    id: string,
    opts: { mode?: 'incremental' | 'repair'; dryRun?: boolean; settleTimeoutMs?: number; force?: boolean } = {},
  ): Promise<PassReport> {
    const sync = get(id)
    const prev = chains.get(id) ?? Promise.resolve()
    const next = prev
      .catch(() => undefined)
      .then(async () => {
        if (opts.dryRun) return pass(sync, opts)
        if (!opts.force && (await isPaused(id))) throw new SyncPausedError(id)
        const held = await lease(id)
        if (held !== true) throw new SyncBusyError(id, held.owner)
        const renew = setInterval(() => void lease(id).catch(() => undefined), LEASE_MS / 3)
        renew.unref?.()
        try {
          let report = await pass(sync, opts)
          for (let i = 0; report.more && i < MAX_FOLLOW_UPS && !stopped; i++)
            report = merge(report, await pass(sync, { ...opts, mode: 'incremental' }))
          await store.setKey(LAST_PASS_NS, id, { ...report, planned: report.planned.slice(0, 50) }, clock.now())
          if (opts.mode === 'repair') {
            await store.setKey(LAST_REPAIR_NS, id, report.finishedAt, clock.now())
            await store.setKey(LAST_REPAIR_REPORT_NS, id, { ...report, planned: report.planned.slice(0, 50) }, clock.now())
          }
          return report
        } finally {
          clearInterval(renew)
          await store.deleteKey(LEASE_NS, id).catch(() => undefined)
        }
      })
    chains.set(id, next)
    return next
  }

  async function isPaused(id: string): Promise<boolean> {
    return (await store.pauses.get('sync', id)) !== null
  }

  function background(id: string, mode: 'incremental' | 'repair') {
    run(id, { mode }).catch((error) => {
      if (isPipewrightError(error) && error.code === ErrorCodes.SYNC_PAUSED) return hold(id, mode)
      if (isPipewrightError(error) && error.code === ErrorCodes.SYNC_BUSY) return
      hub.events.emit('hub:error', { message: `sync ${id}: ${mode} pass failed`, error })
    })
  }

  /** Keep a pass a pause stopped; poll for the resume while any is held. */
  function hold(id: string, mode: 'incremental' | 'repair') {
    if (stopped) return
    const was = held.get(id)
    held.set(id, { mode: was?.mode === 'repair' ? 'repair' : mode, skipped: (was?.skipped ?? 0) + 1 })
    if (heldTimer) return
    heldTimer = setInterval(() => void releaseHeld().catch(() => undefined), options.pauseRefreshMs ?? 2000)
    heldTimer.unref?.()
  }

  async function releaseHeld() {
    for (const [id, h] of [...held]) {
      if (stopped || (await isPaused(id))) continue
      held.delete(id)
      background(id, h.mode)
    }
    if ((held.size === 0 || stopped) && heldTimer) {
      clearInterval(heldTimer)
      heldTimer = null
    }
  }

  return {
    syncs: () => [...syncs.values()],
    get,
    sides: (id: string) => sidesOf(get(id)),
    split,
    run,
    plan: (id: string, opts: { mode?: 'incremental' | 'repair' } = {}) => run(id, { ...opts, dryRun: true }),
    /** The syncs with a pass held by a pause (run once resumed), and how many passes were skipped. */
    held: () => [...held].map(([sync, h]) => ({ sync, ...h })),
    /** Whether an operator paused the sync (read from the store now). */
    isPaused: (id: string) => isPaused(get(id).id),
    /** A side changed (a webhook): run a pass shortly, coalescing nudges that arrive together. */
    nudge(id: string) {
      get(id)
      if (stopped || nudges.has(id)) return
      nudges.set(
        id,
        clock.setTimeout(() => {
          nudges.delete(id)
          background(id, 'incremental')
        }, 200),
      )
    },
    lastPass: async (id: string) => ((await store.getKey(LAST_PASS_NS, get(id).id, clock.now()))?.value as PassReport | undefined) ?? null,
    async start() {
      if (options.schedule === false) return
      for (const sync of syncs.values()) {
        if (sync.everyMs !== null) {
          const t = setInterval(() => background(sync.id, 'incremental'), sync.everyMs)
          t.unref?.()
          timers.push(t)
          background(sync.id, 'incremental')
        }
        if (sync.repairEveryMs !== null) {
          const every = sync.repairEveryMs
          // Due `every` after the last repair (kept in the store, so restarts do not postpone it);
          // a sync never repaired counts from its first start (its first pass reads everything anyway).
          const check = async () => {
            if (stopped) return
            const now = clock.now()
            const last = (await store.getKey(LAST_REPAIR_NS, sync.id, now))?.value as number | undefined
            if (last === undefined) await store.setKeyIfAbsent(LAST_REPAIR_NS, sync.id, now, now)
            else if (now - last >= every) background(sync.id, 'repair')
          }
          void check().catch(() => undefined)
          const t = setInterval(() => void check().catch(() => undefined), Math.min(every, 3_600_000))
          t.unref?.()
          timers.push(t)
        }
      }
    },
    async close() {
      stopped = true
      for (const t of timers.splice(0)) clearInterval(t as NodeJS.Timeout)
      if (heldTimer) clearInterval(heldTimer)
      held.clear()
      for (const t of nudges.values()) clock.clearTimeout(t)
      nudges.clear()
      closing.abort()
      await Promise.allSettled([...chains.values()])
    },
  }
}

/** A pass and its follow-ups as one report. */
function merge(x: PassReport, y: PassReport): PassReport {
  const sum = (a: Record<string, number>, b: Record<string, number>) =>
    Object.fromEntries(Object.keys(a).map((k) => [k, (a[k] ?? 0) + (b[k] ?? 0)]))
  return {
    ...y,
    mode: x.mode,
    startedAt: x.startedAt,
    read: sum(x.read, y.read) as PassReport['read'],
    echoes: x.echoes + y.echoes,
    matched: sum(x.matched, y.matched) as PassReport['matched'],
    unmatched: x.unmatched + y.unmatched,
    ambiguous: [...x.ambiguous, ...y.ambiguous],
    writes: { a: sum(x.writes.a, y.writes.a), b: sum(x.writes.b, y.writes.b) } as PassReport['writes'],
    planned: [...x.planned, ...y.planned].slice(0, 1000),
    relations: x.relations + y.relations,
    conflicts: x.conflicts + y.conflicts,
    deletesIgnored: x.deletesIgnored + y.deletesIgnored,
    repaired: x.repaired + y.repaired,
    fixed: [...x.fixed, ...y.fixed].slice(0, 1000),
    paused: x.paused + y.paused,
    outOfScope: x.outOfScope + y.outOfScope,
    deferred: x.deferred + y.deferred,
    runs: sum(x.runs, y.runs) as PassReport['runs'],
  }
}
