/**
 * The `dedupe` step's decisions, on the store's keyed state (durable, shared by every worker).
 *
 * A window opens with the first run of a key and closes `windowMs` later; it is never
 * extended. `first` decides at once. `latest` and `merge` add the run to the window's bucket
 * and park it until the window closes; then the bucket is sealed and exactly one run of the
 * window goes on (the last to arrive, or the first with every item merged in). Sealing gives
 * every run of the window the same answer, so at most one run per key and window goes on.
 * @module
 */
import { type BucketStore, claimSlot, mergeItems, sealBucket } from './aggregate-bucket.js'

export type DedupeKeep = 'first' | 'latest' | 'merge'

/** Step output of a run that goes on or is dropped. */
export interface DedupeOutput {
  key: string
  duplicate: boolean
  /** The run that went on instead of this one. */
  duplicateOf: string | null
  /** `merge`: the merged item; `latest`: this run's item. */
  item?: unknown
}

/** What a `latest`/`merge` run keeps while it waits for its window to close. */
export interface DedupeWaiting {
  key: string
  phase: 'waiting'
  bucket: string
  closesAt: number
}

export type DedupeDecision = { kind: 'pass' | 'drop'; output: DedupeOutput } | { kind: 'wait'; until: number; state: DedupeWaiting }

/** Most runs one window of `latest`/`merge` collects; later ones are dropped. */
export const MAX_DEDUPE_BUCKET = 10_000
const KEEP_AFTER_CLOSE_MS = 7 * 86_400_000

interface Arrival {
  ns: string
  key: string
  runId: string
  /** Member id: run id and step path, so a step in forEach dedupes per item. */
  memberId: string
  item: unknown
  keep: DedupeKeep
  windowMs: number
  now: number
}

export async function dedupeArrive(store: BucketStore, a: Arrival): Promise<DedupeDecision> {
  const closesAt = a.now + a.windowMs
  if (a.keep === 'first') {
    const fresh = await store.setKeyIfAbsent(a.ns, `first:${a.key}`, a.runId, a.now, closesAt)
    const owner = fresh ? a.runId : ((await store.getKey(a.ns, `first:${a.key}`, a.now))?.value as string | undefined)
    const first = fresh || owner === a.runId
    return { kind: first ? 'pass' : 'drop', output: { key: a.key, duplicate: !first, duplicateOf: first ? null : (owner ?? null) } }
  }
  await store.setKeyIfAbsent(a.ns, `window:${a.key}`, { id: a.memberId, closesAt }, a.now, closesAt)
  const win = ((await store.getKey(a.ns, `window:${a.key}`, a.now))?.value as { id: string; closesAt: number } | undefined) ?? {
    id: a.memberId,
    closesAt,
  }
  const state: DedupeWaiting = { key: a.key, phase: 'waiting', bucket: `bucket:${a.key}:${win.id}`, closesAt: win.closesAt }
  const claim = await claimSlot(store, a.ns, state.bucket, { id: a.memberId, item: { runId: a.runId, item: a.item } }, MAX_DEDUPE_BUCKET, {
    now: a.now,
    expiresAt: win.closesAt + KEEP_AFTER_CLOSE_MS,
  })
  if (claim.kind !== 'claimed') return settle(store, a.ns, state, a.keep, a.memberId, a.now)
  return { kind: 'wait', until: win.closesAt, state }
}

/** After the window closed: seal it and decide whether this run is the one that goes on. */
export async function dedupeSettle(
  store: BucketStore,
  ns: string,
  state: DedupeWaiting,
  keep: DedupeKeep,
  memberId: string,
  now: number,
): Promise<DedupeDecision> {
  return settle(store, ns, state, keep, memberId, now)
}

async function settle(
  store: BucketStore,
  ns: string,
  state: DedupeWaiting,
  keep: DedupeKeep,
  memberId: string,
  now: number,
): Promise<DedupeDecision> {
  const members = await sealBucket(store, ns, state.bucket, MAX_DEDUPE_BUCKET, { now, expiresAt: state.closesAt + KEEP_AFTER_CLOSE_MS })
  const survivor = keep === 'latest' ? members[members.length - 1] : members[0]
  const entries = members.map((m) => m.item as { runId: string; item: unknown })
  const winner = survivor ? (survivor.item as { runId: string; item: unknown }) : null
  if (survivor && survivor.id === memberId) {
    const item = keep === 'merge' ? mergeItems(entries.map((e) => e.item)) : winner!.item
    return { kind: 'pass', output: { key: state.key, duplicate: false, duplicateOf: null, item } }
  }
  return { kind: 'drop', output: { key: state.key, duplicate: true, duplicateOf: winner?.runId ?? null } }
}

export function isDedupeWaiting(v: unknown): v is DedupeWaiting {
  return typeof v === 'object' && v !== null && (v as DedupeWaiting).phase === 'waiting' && typeof (v as DedupeWaiting).bucket === 'string'
}
