/**
 * The `aggregate` step: collect items from many runs into batches and start one batch run per
 * batch. Batches live in the store's keyed state (see aggregate-bucket.ts), so they survive
 * restarts and are shared by every worker.
 *
 * Batches of a key are numbered. An item goes into the current batch, or the next one when the
 * current is full or sealed. The run that adds item `size` seals the batch and starts the batch
 * run at once. When `window` is set, the run that adds a batch's first item is parked until the
 * window closes and then seals it (a durable timer); sealing is idempotent and the batch run is
 * started with a delivery id of its own, so a batch starts exactly one run.
 * @module
 */
import { newId } from '../ids.js'
import type { CompiledPipeline, Scope } from '../pipeline/types.js'
import type { Store } from '../store/contract.js'
import type { EventRecord, RunRecord } from '../types.js'
import { claimSlot, sealBucket } from './aggregate-bucket.js'

const KEEP_MS = 30 * 86_400_000
/** How many batches of a key an item looks through before giving up (all full or sealed). */
const MAX_BATCH_HOPS = 1000

export interface AggregateTarget {
  store: Store
  resolvePipeline(id: string, version: string): CompiledPipeline | null
  redispatch(runId: string, dueAt: number): void
}

/** What the run that added an item keeps as the step's output. */
export interface AggregateOutput {
  batch: string
  position: number
  /** Set when this run sealed the batch: the batch run's id. */
  batchRunId: string | null
  /** Set while this run is the batch's timer. */
  flushAt?: number
}

/** The batch run's event: the aggregate step's output in the batch run too. */
export interface BatchPayload {
  items: unknown[]
  key: string | null
  count: number
  batch: string
}

export type Arrival = { kind: 'flush-now' | 'timer' | 'added'; batch: string; position: number; flushAt?: number }

export async function aggregateArrive(
  store: Store,
  a: { ns: string; group: string; memberId: string; item: unknown; size: number; windowMs: number | null; now: number },
): Promise<Arrival> {
  const times = { now: a.now, expiresAt: a.now + KEEP_MS + (a.windowMs ?? 0) }
  const known = (await store.getKey(a.ns, `member:${a.memberId}`, a.now))?.value as string | undefined
  const cur = (await store.getKey(a.ns, `cur:${a.group}`, a.now))?.value
  let seq = typeof cur === 'number' ? cur : 0
  // A retried run finds the batch it already joined (its claim is recorded per batch).
  const tries = known ? [known] : []
  for (let hop = 0; hop < MAX_BATCH_HOPS; hop++) {
    const batch = tries.shift() ?? `${a.group}#${seq++}`
    const claim = await claimSlot(store, a.ns, batch, { id: a.memberId, item: a.item }, a.size, times)
    if (claim.kind !== 'claimed') continue
    await store.setKey(a.ns, `member:${a.memberId}`, batch, a.now, times.expiresAt)
    if (batch !== known && seq - 1 !== cur) await store.setKey(a.ns, `cur:${a.group}`, seq - 1, a.now, null)
    if (claim.index === a.size - 1) return { kind: 'flush-now', batch, position: claim.index }
    if (claim.index === 0 && a.windowMs !== null) {
      await store.setKeyIfAbsent(a.ns, `flushAt:${batch}`, a.now + a.windowMs, a.now, times.expiresAt)
      const flushAt = (await store.getKey(a.ns, `flushAt:${batch}`, a.now))?.value as number | undefined
      return { kind: 'timer', batch, position: 0, flushAt: flushAt ?? a.now + a.windowMs }
    }
    return { kind: 'added', batch, position: claim.index }
  }
  throw new Error(`aggregate: ${MAX_BATCH_HOPS} batches of key "${a.group}" are full or sealed; raise size or lower the rate`)
}

/**
 * Seal a batch and start its run (idempotent: every call starts or finds the same run).
 * Returns null when the batch is empty (nothing to start).
 */
export async function flushBatch(
  t: AggregateTarget,
  f: {
    ns: string
    batch: string
    size: number
    group: string | null
    source: CompiledPipeline
    stepId: string
    targetId: string | null
    now: number
  },
): Promise<string | null> {
  const members = await sealBucket(t.store, f.ns, f.batch, f.size, { now: f.now, expiresAt: f.now + KEEP_MS })
  if (members.length === 0) return null
  const payload: BatchPayload = { items: members.map((m) => m.item), key: f.group, count: members.length, batch: f.batch }
  const target = f.targetId === null ? f.source : t.resolvePipeline(f.targetId, '')
  if (!target) throw new Error(`aggregate: target pipeline ${f.targetId} is not loaded`)
  const event: EventRecord = {
    id: newId('evt', f.now),
    pipelineId: target.id,
    trigger: 'manual',
    deliveryId: `aggregate:${f.source.id}:${f.stepId}:${f.batch}`,
    payload,
    meta: f.targetId === null ? { aggregate: f.stepId } : { aggregateFrom: f.source.id },
    receivedAt: f.now,
  }
  const runId = newId('run', f.now)
  let concurrencyKey: string | null = null
  if (target.concurrencyKey) {
    const scope: Scope = { event: payload, run: { id: runId, pipelineId: target.id, attempt: 0, createdAt: f.now } }
    const k = await target.concurrencyKey(scope)
    concurrencyKey = k === undefined || k === null ? null : String(k)
  }
  const run: RunRecord = {
    id: runId,
    pipelineId: target.id,
    pipelineVersion: target.version,
    eventId: event.id,
    status: 'queued',
    currentStep: null,
    attempt: 0,
    dueAt: f.now,
    waitReason: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    concurrencyKey,
    replayOf: null,
    replayFrom: null,
    error: null,
    createdAt: f.now,
    updatedAt: f.now,
    finishedAt: null,
  }
  const r = await t.store.accept({ event, run, dedupe: { scope: target.id, key: event.deliveryId!, expiresAt: f.now + KEEP_MS } })
  const id = r.accepted ? r.runId : r.duplicateOf
  if (r.accepted) t.redispatch(id, f.now)
  return id
}

export function isBatchEvent(meta: Record<string, unknown> | null | undefined, stepId: string): boolean {
  return meta?.aggregate === stepId
}
