/**
 * A durable, lock-free bucket of members kept in the store's keyed state, shared by the
 * `aggregate` step and the waiting `dedupe` modes (`latest`, `merge`).
 *
 * A bucket is a row of slots `<bucket>#0`, `<bucket>#1`, … Each member claims the first free
 * slot with `setKeyIfAbsent`, so two processes never take one slot. Sealing walks the slots
 * from 0 and writes a seal into the first free one; a member that meets a seal knows the bucket
 * was already collected. Every sealer stops at the same slot, so sealing twice (a retried run,
 * a second worker) returns the same members in the same order.
 * @module
 */
import type { Store } from '../store/contract.js'

export type BucketStore = Pick<Store, 'getKey' | 'setKey' | 'setKeyIfAbsent'>

export interface Member {
  /** Who added it (run id and step path); a member is collected at most once per bucket. */
  id: string
  item: unknown
}

const SEAL = '__pipewright_seal__'

export type ClaimResult = { kind: 'claimed'; index: number } | { kind: 'sealed' } | { kind: 'full' }

export interface BucketTimes {
  now: number
  /** When the bucket's keys may be purged. */
  expiresAt: number
}

/**
 * Add a member to a bucket (or find the slot it already holds). `full` when every one of `max`
 * slots is taken, `sealed` when the bucket was collected before this member got in.
 */
export async function claimSlot(
  store: BucketStore,
  ns: string,
  bucket: string,
  member: Member,
  max: number,
  t: BucketTimes,
): Promise<ClaimResult> {
  const mine = await store.getKey(ns, `${bucket}@${member.id}`, t.now)
  if (mine && typeof mine.value === 'number') return { kind: 'claimed', index: mine.value }
  const hint = await store.getKey(ns, `${bucket}#next`, t.now)
  let i = typeof hint?.value === 'number' ? Math.min(hint.value, max) : 0
  for (; i < max; i++) {
    if (await store.setKeyIfAbsent(ns, `${bucket}#${i}`, member, t.now, t.expiresAt)) {
      await store.setKey(ns, `${bucket}@${member.id}`, i, t.now, t.expiresAt)
      await store.setKey(ns, `${bucket}#next`, i + 1, t.now, t.expiresAt)
      return { kind: 'claimed', index: i }
    }
    const held = (await store.getKey(ns, `${bucket}#${i}`, t.now))?.value
    if (held === SEAL) return { kind: 'sealed' }
    if ((held as Member | undefined)?.id === member.id) return { kind: 'claimed', index: i }
  }
  return { kind: 'full' }
}

/** Close a bucket and return its members in slot order (the same answer every time). */
export async function sealBucket(store: BucketStore, ns: string, bucket: string, max: number, t: BucketTimes): Promise<Member[]> {
  const members: Member[] = []
  const seen = new Set<string>()
  for (let i = 0; i < max; i++) {
    if (await store.setKeyIfAbsent(ns, `${bucket}#${i}`, SEAL, t.now, t.expiresAt)) break
    const held = (await store.getKey(ns, `${bucket}#${i}`, t.now))?.value
    if (held === SEAL) break
    const m = held as Member | undefined
    // A member that crashed between claiming and recording its claim may hold two slots.
    if (m && !seen.has(m.id)) {
      seen.add(m.id)
      members.push(m)
    }
  }
  return members
}

/** Merge items in order: a later item's fields win unless they are null, undefined or ''. */
export function mergeItems(items: unknown[]): unknown {
  let out: Record<string, unknown> | null = null
  for (const item of items) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      out = out ?? {}
      continue
    }
    out = { ...(out ?? {}) }
    for (const [k, v] of Object.entries(item)) if (v !== null && v !== undefined && v !== '') out[k] = v
  }
  return out ?? (items.length ? items[items.length - 1] : null)
}
