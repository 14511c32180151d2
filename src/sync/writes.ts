/**
 * Sync writes as runs. Each sync has a write pipeline, `sync:<id>` (manual trigger, never loaded
 * from a file), whose event is one {@link WriteJob}: the writes of one link, on one or both
 * sides. Its steps:
 *
 *   write-a → write-b → relate-b → record
 *
 * `write-*` turn the job into the side's {@link SideWrite} and execute it through the gateway
 * (rate limits, batching into provider batch calls, budgets, effect ledger, circuit), each
 * checkpointed; `record` writes the link and both shadows (and clears the link's pending run) in
 * one store transaction. So a link and its shadows are recorded only once its writes succeeded;
 * a failed write is retried, then dead-lettered and replayable like any run.
 * @module
 */
import { invocation } from '../connectors/contract.js'
import { NonRetryableError } from '../errors.js'
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

/** One run's worth of work: the writes of one link, and what to record when they succeeded. */
export interface WriteJob {
  sync: string
  linkId: string
  /** The job's delivery id: the link's pending marker while the run is in flight. */
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
}

export const writePipelineId = (syncId: string) => `sync:${syncId}`

/** Retries of sync writes: as pipelines' defaults (5 attempts, 1 s → 10 min). */
const RETRY: RetryPolicy = { maxAttempts: 5, initialIntervalMs: 1000, maxIntervalMs: 600_000, backoffCoefficient: 2 }
const TIMEOUT_MS = 300_000

export interface WritePipelineContext {
  store: Store
  clock: Clock
  /** The sides of the sync, built when the runtime starts. */
  sides(): { a: SyncSide; b: SyncSide }
}

/** Build the write pipeline of a sync. */
export function syncWritePipeline(sync: CompiledSync, ctx: WritePipelineContext): CompiledPipeline {
  const code = (id: string, fn: (job: WriteJob, scope: Scope, helpers: StepHelpers) => Promise<unknown>): CompiledStep => ({
    id,
    kind: 'code',
    retry: RETRY,
    timeoutMs: TIMEOUT_MS,
    concurrencyKey: null,
    fn: (scope, helpers) => fn(scope.event as WriteJob, scope, helpers),
  })
  const run = async (w: SideWrite, helpers: StepHelpers) => helpers.action(invocation(w.ref, w.input, w.connection))
  const writeStep = (side: SyncSideName) =>
    code(`write-${side}`, async (job, _scope, helpers) => {
      const op = job[side]
      if (!op) return null
      const s = ctx.sides()[side]
      const output = await run(buildWrite(s, op), helpers)
      return { id: op.op === 'create' ? s.createdId(output) : (op.id ?? null), ...(s.diverged?.(output) ? { diverged: true } : {}) }
    })
  const steps: CompiledStep[] = [
    writeStep('a'),
    writeStep('b'),
    code('relate-b', async (job, scope, helpers) => {
      const rels = job.relations ?? []
      if (rels.length === 0) return null
      const side = ctx.sides().b
      const id = (scope['write-b'] as { id: string | null } | null)?.id ?? job.link.bId
      if (!id) throw new NonRetryableError(`sync ${sync.id}: no b-side id to relate for link ${job.linkId}`)
      for (const r of rels) {
        const rel = side.relations?.[r.name]
        if (!rel) throw new NonRetryableError(`sync ${sync.id}: side ${side.ref} has no relation "${r.name}"`)
        if (r.unset) await run(rel.unset(id, r.unset), helpers)
        if (r.set) await run(rel.set(id, r.set), helpers)
      }
      return { id, relations: rels.length }
    }),
    code('record', async (job, scope) => recordJob(sync, ctx, job, scope)),
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

/** The `record` step: link + shadows in one transaction; a stale write marks its records dirty. */
async function recordJob(sync: CompiledSync, ctx: WritePipelineContext, job: WriteJob, scope: Scope) {
  const now = ctx.clock.now()
  const link: SyncLink = { ...job.link, syncId: sync.id, pendingRun: null, updatedAt: now }
  for (const side of ['a', 'b'] as const) {
    const out = scope[`write-${side}`] as { id: string | null } | null
    if (job[side]?.op !== 'create' || !out?.id) continue
    const [taken] = (await ctx.store.sync.linksByRecord(sync.id, side, [out.id])).filter((l) => l.id !== job.linkId)
    if (taken)
      throw new NonRetryableError(
        `sync ${sync.id}: the ${side}-side record ${out.id} written for link ${job.linkId} is already linked (link ${taken.id}); two records share a match key — fix the data, then replay`,
      )
    if (side === 'a') link.aId = out.id
    else link.bId = out.id
  }
  if (link.aId && link.bId && link.state !== 'deleted') link.state = 'linked'
  const current = await ctx.store.sync.getShadows(sync.id, [job.linkId])
  const stale = (['a', 'b'] as const).some((s) => (current.find((x) => x.side === s)?.hash ?? null) !== job.base[s])
  const shadows: SyncShadow[] = []
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
  }
  const dirty: SyncDirty[] = stale
    ? (['a', 'b'] as const).flatMap((side) => {
        const id = side === 'a' ? link.aId : link.bId
        return id ? [{ side, recordId: id, reason: 'stale write', at: now }] : []
      })
    : []
  for (const side of ['a', 'b'] as const) {
    const id = side === 'a' ? link.aId : link.bId
    if (!stale && id && (scope[`write-${side}`] as { diverged?: boolean } | null)?.diverged)
      dirty.push({ side, recordId: id, reason: 'stored differently than written', at: now })
  }
  await ctx.store.sync.apply(sync.id, { links: [link], shadows, dirty })
  return { linkId: link.id, aId: link.aId, bId: link.bId, state: link.state, ...(stale ? { stale: true } : {}) }
}
