/**
 * Sync writes as runs. Each sync has a write pipeline, `sync:<id>` (manual trigger, never loaded
 * from a file), whose event is one {@link WriteBatch}: the writes of up to 100 links (a bare
 * {@link WriteJob}, as runs started before batching carry, is a batch of one). Its steps:
 *
 *   write-a → write-b → split → relate-b → record
 *
 * `write-*` turn each job into the side's {@link SideWrite} and execute them all at once through
 * the gateway (rate limits, coalescing into provider batch calls, budgets, effect ledger,
 * circuit), each step checkpointed; `record` writes the links and shadows (and clears the links'
 * pending markers) in one store transaction. So a link and its shadows are recorded only once its
 * writes succeeded.
 *
 * Failures stay per record. A step whose writes all failed alike (a 429, a timeout: the whole
 * provider call) throws, and the run retries as a unit; a batch of one always throws (retried,
 * then dead-lettered and replayable like any run). When only some jobs failed, `split` moves
 * them out of the batch before anything is recorded: a job that failed permanently into its own
 * run (keyed by the job's key: it retries and dead-letters alone), the ones that failed for a
 * passing reason together into one new batch; what a moved job already wrote travels with it
 * (`done`), so it is not written again. The links' pending markers follow them.
 * @module
 */
import { createHash } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { invocation } from '../connectors/contract.js'
import { waitOrAbort } from '../engine/clock.js'
import { ErrorCodes, isNonRetryable, NonRetryableError, retryAfterOf } from '../errors.js'
import type { CompiledPipeline, CompiledStep, Scope, StepHelpers } from '../pipeline/types.js'
import type { Store } from '../store/contract.js'
import type { SyncDirty, SyncLink, SyncShadow } from '../store/sync-contract.js'
import type { Clock, RetryPolicy } from '../types.js'
import type { SideWrite, SyncSide } from './side.js'
import type { CompiledSync, SyncSideName } from './types.js'
import { hashValues } from './values.js'

export interface SideOp {
  op: 'create' | 'update' | 'delete' | 'archive'
  /** The record written (absent for a create). */
  id?: string
  fields?: Record<string, unknown>
  upsertOn?: string
}

/** What a side's write returned: the record written, and whether the side stored other values. */
export interface SideDone {
  id: string | null
  diverged?: true
}

/** The writes of one link, and what to record when they succeeded. */
export interface WriteJob {
  sync: string
  linkId: string
  /** The job's own key: a content hash of its writes (the same writes planned again get the same key). */
  key: string
  a?: SideOp
  b?: SideOp
  /** Relations of the b record to set and unset after the writes (HubSpot associations). */
  relations?: Array<{ name: string; set?: string; unset?: string }>
  /** The link as it must be recorded (a create's id is filled in from the write's output). */
  link: Omit<SyncLink, 'pendingRun' | 'updatedAt' | 'syncId'>
  /** Shadows to record, per side: values after the writes, and the modification time read. */
  shadows: Partial<Record<SyncSideName, { values: Record<string, unknown>; modifiedAt: number | null }>>
  /** Shadow hashes the plan was made against (null: none yet): a newer shadow means this write is stale. */
  base: Record<SyncSideName, string | null>
  /** Parts already done by the batch this job was moved out of: not written again. */
  done?: Partial<Record<SyncSideName, SideDone>> & { related?: true }
}

/** One run's worth of work: the jobs of up to {@link WRITE_BATCH} links. */
export interface WriteBatch {
  sync: string
  /** The run's delivery id: a single job's key, else `batch:<hash of the jobs' keys>`. */
  key: string
  jobs: WriteJob[]
}

/** Links a write run carries at most (HubSpot's batch size: the gateway sends them as one call). */
export const WRITE_BATCH = 100

export const writePipelineId = (syncId: string) => `sync:${syncId}`

/** A batch of these jobs; `parent` (the batch they were moved out of) keeps a split's key its own. */
export function writeBatch(sync: string, jobs: WriteJob[], parent?: string): WriteBatch {
  if (jobs.length === 1) return { sync, key: jobs[0]!.key, jobs }
  const h = createHash('sha256')
  if (parent) h.update(`${parent}\u0000`)
  for (const j of jobs) h.update(`${j.key}\u0000`)
  return { sync, key: `batch:${h.digest('hex').slice(0, 24)}`, jobs }
}

/**
 * A link's pending marker while a run writes it: `<run's delivery id>|<job key>`. Old markers are
 * a job key alone (a run of one job, keyed by it).
 */
export const pendingMarker = (runKey: string, jobKey: string) => `${runKey}|${jobKey}`
export const runKeyOf = (marker: string) => (marker.includes('|') ? marker.slice(0, marker.indexOf('|')) : marker)
export const jobKeyOf = (marker: string) => (marker.includes('|') ? marker.slice(marker.indexOf('|') + 1) : marker)

/** Retries of sync writes: as pipelines' defaults (5 attempts, 1 s → 10 min). */
const RETRY: RetryPolicy = { maxAttempts: 5, initialIntervalMs: 1000, maxIntervalMs: 600_000, backoffCoefficient: 2 }
const TIMEOUT_MS = 300_000
/** How long a write step waits, in all, for writes of its batch the rate limiter held back. */
const MAX_PACED_WAIT_MS = 60_000

const waitable = (e: unknown) => {
  const code = (e as { code?: unknown })?.code
  return code === ErrorCodes.RATE_LIMITED || code === ErrorCodes.RETRY_AFTER
}

export interface WritePipelineContext {
  store: Store
  clock: Clock
  /** The sides of the sync, built when the runtime starts. */
  sides(): { a: SyncSide; b: SyncSide }
  /** Start runs of jobs moved out of the run `parentRunId`; their run ids (existing ones for keys already started). */
  split(parentRunId: string, batches: WriteBatch[]): Promise<string[]>
}

/** A side's step output, per job: done, failed (the job leaves the batch), or nothing to do (null). */
type Outcome = SideDone | { failed: { message: string; code?: string }; permanent: boolean } | null

const failed = (o: Outcome | undefined): o is Extract<Outcome, { failed: unknown }> => o !== null && o !== undefined && 'failed' in o

/** The jobs of a run's event (a bare job is a batch of one). */
function batchOf(event: unknown): WriteBatch {
  const e = event as WriteBatch | WriteJob
  return 'jobs' in e ? e : { sync: e.sync, key: e.key, jobs: [e] }
}

/** Build the write pipeline of a sync. */
export function syncWritePipeline(sync: CompiledSync, ctx: WritePipelineContext): CompiledPipeline {
  const code = (id: string, fn: (batch: WriteBatch, scope: Scope, helpers: StepHelpers) => Promise<unknown>): CompiledStep => ({
    id,
    kind: 'code',
    retry: RETRY,
    timeoutMs: TIMEOUT_MS,
    concurrencyKey: null,
    fn: (scope, helpers) => {
      // every write of the batch waits on the step's signal (a batched call listens to leave its batch)
      setMaxListeners(0, helpers.signal)
      return fn(batchOf(scope.event), scope, helpers)
    },
  })
  const run = async (w: SideWrite, helpers: StepHelpers) => helpers.action(invocation(w.ref, w.input, w.connection))
  const writeStep = (side: SyncSideName) =>
    code(`write-${side}`, async (batch, scope, helpers) => {
      const s = ctx.sides()[side]
      const out: Outcome[] = batch.jobs.map((job, i) => {
        if (!job[side] || (side === 'b' && failed(outcomes(scope, 'a')?.[i]))) return null
        return job.done?.[side] ?? null
      })
      let todo = batch.jobs.flatMap((job, i) =>
        job[side] && out[i] === null && !(side === 'b' && failed(outcomes(scope, 'a')?.[i])) ? [i] : [],
      )
      const tried = todo.length
      const errors = new Map<number, unknown>()
      for (let waited = 0; ; ) {
        await Promise.all(
          todo.map(async (i) => {
            const op = batch.jobs[i]![side]!
            try {
              const output = await run(buildWrite(s, op), helpers)
              out[i] = {
                id: op.op === 'create' ? s.createdId(output) : (op.id ?? null),
                ...(s.diverged?.(output) ? { diverged: true } : {}),
              }
              errors.delete(i)
            } catch (error) {
              errors.set(i, error)
              const code = (error as { code?: unknown }).code
              out[i] = {
                failed: { message: error instanceof Error ? error.message : String(error), ...(typeof code === 'string' ? { code } : {}) },
                permanent: isNonRetryable(error),
              }
            }
          }),
        )
        // Writes the rate limiter held back while others of the batch went out (a provider that
        // takes one record a request, paced) wait here and go again, keeping the batch whole.
        const paced = [...errors].filter(([, e]) => waitable(e))
        if (paced.length === 0 || errors.size === tried || waited >= MAX_PACED_WAIT_MS || helpers.signal.aborted) break
        const ms = Math.min(Math.max(...paced.map(([, e]) => retryAfterOf(e) ?? 1000)), MAX_PACED_WAIT_MS - waited)
        await waitOrAbort(ctx.clock, ms, helpers.signal)
        waited += ms
        todo = paced.map(([i]) => i)
      }
      if (errors.size === 0) return out
      const first = errors.values().next().value
      // one job, or the whole call failed for a passing reason (a limit, a timeout): the run retries as a unit
      if (batch.jobs.length === 1 || (errors.size === tried && ![...errors.values()].some(isNonRetryable))) throw first
      return out
    })
  const steps: CompiledStep[] = [
    writeStep('a'),
    writeStep('b'),
    code('split', async (batch, scope) => {
      const moved = batch.jobs.flatMap((job, i) =>
        live(scope, i) ? [] : [{ job: withDone(job, scope, i), permanent: permanentAt(scope, i) }],
      )
      if (moved.length === 0) return null
      // a permanent failure runs alone (retried and dead-lettered alone); passing ones go on together
      const passing = moved.filter((m) => !m.permanent).map((m) => m.job)
      const batches = [
        ...moved.filter((m) => m.permanent).map((m) => writeBatch(sync.id, [m.job])),
        ...(passing.length ? [writeBatch(sync.id, passing, batch.key)] : []),
      ]
      return moveOut(sync, ctx, batch, batches, scope)
    }),
    code('relate-b', async (batch, scope, helpers) => {
      const side = ctx.sides().b
      const out = await Promise.all(
        batch.jobs.map(async (job, i) => {
          const rels = job.relations ?? []
          if (rels.length === 0 || job.done?.related || !live(scope, i)) return null
          const id = (outcomes(scope, 'b')?.[i] as SideDone | null | undefined)?.id ?? job.link.bId
          if (!id) throw new NonRetryableError(`sync ${sync.id}: no b-side id to relate for link ${job.linkId}`)
          for (const r of rels) {
            const rel = side.relations?.[r.name]
            if (!rel) throw new NonRetryableError(`sync ${sync.id}: side ${side.ref} has no relation "${r.name}"`)
            if (r.unset) await run(rel.unset(id, r.unset), helpers)
            if (r.set) await run(rel.set(id, r.set), helpers)
          }
          return { id, relations: rels.length }
        }),
      )
      return out.some((o) => o !== null) ? out : null
    }),
    code('record', async (batch, scope) => recordBatch(sync, ctx, batch, scope)),
  ]
  return Object.freeze({
    id: writePipelineId(sync.id),
    version: sync.version,
    description: `writes of sync ${sync.id}`,
    source: { format: sync.source.format, file: sync.source.file },
    trigger: { kind: 'manual', options: {} },
    steps,
    retry: RETRY,
    concurrency: null,
    concurrencyKey: null,
  }) as CompiledPipeline
}

function outcomes(scope: Scope, side: SyncSideName): Outcome[] | null {
  return scope[`write-${side}`] as Outcome[] | null
}

/** Whether job `i` is still in the batch: none of its writes failed. */
function live(scope: Scope, i: number): boolean {
  return !failed(outcomes(scope, 'a')?.[i]) && !failed(outcomes(scope, 'b')?.[i])
}

function permanentAt(scope: Scope, i: number): boolean {
  return (['a', 'b'] as const).some((side) => {
    const o = outcomes(scope, side)?.[i]
    return failed(o) && o.permanent
  })
}

/** A job moved out of its batch, carrying what the batch already wrote for it. */
function withDone(job: WriteJob, scope: Scope, i: number, related = false): WriteJob {
  const done: NonNullable<WriteJob['done']> = { ...job.done }
  for (const side of ['a', 'b'] as const) {
    const o = outcomes(scope, side)?.[i]
    if (o && !failed(o)) done[side] = o
  }
  if (related) done.related = true
  return Object.keys(done).length ? { ...job, done } : job
}

/** Start runs of jobs moved out of this run and point their links' pending markers at them. */
async function moveOut(sync: CompiledSync, ctx: WritePipelineContext, from: WriteBatch, batches: WriteBatch[], scope: Scope) {
  const runs = await ctx.split(scope.run.id, batches)
  const at = ctx.clock.now()
  const pending = batches.flatMap((b) =>
    b.jobs.map((j) => ({ linkId: j.linkId, runId: pendingMarker(b.key, j.key), onlyIf: pendingMarker(from.key, j.key), at })),
  )
  await ctx.store.sync.apply(sync.id, { pending })
  return { moved: batches.map((b, n) => ({ key: b.key, run: runs[n], links: b.jobs.map((j) => j.linkId) })) }
}

function buildWrite(side: SyncSide, op: SideOp): SideWrite {
  switch (op.op) {
    case 'create':
      return side.create(op.fields ?? {}, op.upsertOn ? { upsertOn: op.upsertOn } : {})
    case 'update':
      return side.update(op.id!, op.fields ?? {})
    case 'delete':
      if (!side.delete) throw new NonRetryableError(`side ${side.ref} cannot delete records`)
      return side.delete(op.id!)
    case 'archive':
      if (!side.archive) throw new NonRetryableError(`side ${side.ref} cannot archive records`)
      return side.archive(op.id!)
  }
}

/**
 * The `record` step: the links and shadows of every job still in the batch, in one transaction; a
 * stale write marks its records dirty. A created record already linked elsewhere (two records
 * sharing a match key) fails that job alone: it moves to a run of its own, which dead-letters.
 */
async function recordBatch(sync: CompiledSync, ctx: WritePipelineContext, batch: WriteBatch, scope: Scope) {
  const now = ctx.clock.now()
  const jobs = batch.jobs.map((job, i) => ({ job, i })).filter(({ i }) => live(scope, i))
  const links = new Map<number, SyncLink>()
  const created = { a: new Map<string, number>(), b: new Map<string, number>() }
  const taken = new Map<number, string>()
  for (const { job, i } of jobs) {
    const link: SyncLink = { ...job.link, syncId: sync.id, pendingRun: null, updatedAt: now }
    for (const side of ['a', 'b'] as const) {
      const out = outcomes(scope, side)?.[i] as SideDone | null | undefined
      if (job[side]?.op !== 'create' || !out?.id) continue
      const twin = created[side].get(out.id)
      if (twin !== undefined) taken.set(i, `link ${batch.jobs[twin]!.linkId} of this batch`)
      else created[side].set(out.id, i)
      if (side === 'a') link.aId = out.id
      else link.bId = out.id
    }
    if (link.aId && link.bId && link.state !== 'deleted') link.state = 'linked'
    links.set(i, link)
  }
  for (const side of ['a', 'b'] as const) {
    if (created[side].size === 0) continue
    for (const other of await ctx.store.sync.linksByRecord(sync.id, side, [...created[side].keys()])) {
      const i = created[side].get((side === 'a' ? other.aId : other.bId)!)
      if (i !== undefined && other.id !== batch.jobs[i]!.linkId) taken.set(i, `link ${other.id}`)
    }
  }
  if (taken.size) {
    const [i, by] = [...taken][0]!
    const message = `sync ${sync.id}: the record written for link ${batch.jobs[i]!.linkId} is already linked (${by}); two records share a match key — fix the data, then replay`
    if (batch.jobs.length === 1) throw new NonRetryableError(message)
    // each such job alone: its run finds the same and dead-letters with this message
    await moveOut(
      sync,
      ctx,
      batch,
      [...taken.keys()].map((n) => writeBatch(sync.id, [withDone(batch.jobs[n]!, scope, n, true)])),
      scope,
    )
  }
  const kept = jobs.filter(({ i }) => !taken.has(i))
  const current = await ctx.store.sync.getShadows(
    sync.id,
    kept.map(({ job }) => job.linkId),
  )
  const shadowOf = new Map(current.map((s) => [`${s.linkId}:${s.side}`, s.hash]))
  const shadows: SyncShadow[] = []
  const dirty: SyncDirty[] = []
  let stales = 0
  for (const { job, i } of kept) {
    const link = links.get(i)!
    const stale = (['a', 'b'] as const).some((s) => (shadowOf.get(`${job.linkId}:${s}`) ?? null) !== job.base[s])
    if (stale) stales += 1
    for (const side of ['a', 'b'] as const) {
      const s = job.shadows[side]
      if (s)
        shadows.push({
          syncId: sync.id,
          linkId: job.linkId,
          side,
          values: s.values,
          hash: hashValues(s.values),
          modifiedAt: s.modifiedAt,
          updatedAt: now,
        })
      const id = side === 'a' ? link.aId : link.bId
      if (!id) continue
      if (stale) dirty.push({ side, recordId: id, reason: 'stale write', at: now })
      else if ((outcomes(scope, side)?.[i] as SideDone | null | undefined)?.diverged)
        dirty.push({ side, recordId: id, reason: 'stored differently than written', at: now })
    }
  }
  await ctx.store.sync.apply(sync.id, { links: kept.map(({ i }) => links.get(i)!), shadows, dirty })
  if (batch.jobs.length === 1 && kept.length === 1) {
    const link = links.get(kept[0]!.i)!
    return { linkId: link.id, aId: link.aId, bId: link.bId, state: link.state, ...(stales ? { stale: true } : {}) }
  }
  return { links: kept.length, ...(stales ? { stale: stales } : {}), ...(taken.size ? { moved: taken.size } : {}) }
}
