/**
 * The per-link decision of the reconcile loop, pure: given both records as they are now and
 * their shadows (what each side held after the last sync), which fields to write where, which
 * conflicts to record, and what the shadows become. See ARCHITECTURE.md, "Deciding a link".
 *
 * Per field, with `x'` = the value transformed for the other side:
 * - in step (b holds a' already): nothing;
 * - `a-to-b`: b := a' (edits on b are overwritten); `b-to-a`: the mirror;
 * - `both`: the side that changed since its shadow wins; when both changed (a conflict, recorded)
 *   or there is no shadow yet (first pairing), the owner wins: `a`, `b`, or `latest` — the later
 *   provider timestamp, a tie within the skew tolerance going to `ties`.
 * @module
 */
import type { SourceRecord } from '../sources/contract.js'
import type { SyncShadow } from '../store/sync-contract.js'
import { withConflictSection } from './markers.js'
import type { CompiledField, CompiledSync, SyncSideName } from './types.js'
import { plain, sameValue } from './values.js'

export type Normalize = (field: string, value: unknown) => unknown

export interface LinkInput {
  a: SourceRecord | null
  b: SourceRecord | null
  shadowA: SyncShadow | null
  shadowB: SyncShadow | null
}

export interface PlannedConflict {
  field: CompiledField
  aValue: unknown
  bValue: unknown
  winner: SyncSideName
  reason: string
}

export interface LinkPlan {
  /** Fields to write on a (a's names), or null. */
  writeA: Record<string, unknown> | null
  writeB: Record<string, unknown> | null
  conflicts: PlannedConflict[]
  /** Shadow values once the writes succeeded. */
  shadowA: Record<string, unknown>
  shadowB: Record<string, unknown>
}

const settle = async (v: unknown) => (v instanceof Promise ? await v : v)

/** A name for each side in conflict sections: its kind (`folder`, `notion`), or `a`/`b` when both are one kind. */
function sideNames(sync: Pick<CompiledSync, 'sides'>): Record<SyncSideName, string> {
  const { a, b } = sync.sides
  return a.kind === b.kind ? { a: `side a (${a.kind})`, b: `side b (${b.kind})` } : { a: a.kind, b: b.kind }
}

/** Who wins a field both sides claim. */
export function resolveOwner(
  sync: Pick<CompiledSync, 'skewMs' | 'ties'>,
  f: Pick<CompiledField, 'owner'>,
  aModifiedAt: number | null | undefined,
  bModifiedAt: number | null | undefined,
): { winner: SyncSideName; reason: string } {
  if (f.owner === 'a' || f.owner === 'b') return { winner: f.owner, reason: `owner ${f.owner}` }
  if (aModifiedAt === null || aModifiedAt === undefined || bModifiedAt === null || bModifiedAt === undefined)
    return { winner: sync.ties, reason: `no timestamp, tie → ${sync.ties}` }
  const d = aModifiedAt - bModifiedAt
  if (Math.abs(d) <= sync.skewMs) return { winner: sync.ties, reason: `tie within ${sync.skewMs} ms → ${sync.ties}` }
  return { winner: d > 0 ? 'a' : 'b', reason: 'latest' }
}

/** The mapped fields of a record as a shadow holds them (side names, provider-normalised, JSON). */
export function shadowValues(
  side: SyncSideName,
  fields: readonly CompiledField[],
  record: Record<string, unknown>,
  norm: Normalize,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of fields) {
    const name = f[side]
    out[name] = plain(norm(name, record[name]))
  }
  return out
}

/** Decide one link whose records both exist. */
export async function planLink(
  sync: CompiledSync,
  input: LinkInput & { a: SourceRecord; b: SourceRecord },
  norm: { a: Normalize; b: Normalize },
): Promise<LinkPlan> {
  const { a, b, shadowA, shadowB } = input
  const first = !shadowA || !shadowB
  const writeA: Record<string, unknown> = {}
  const writeB: Record<string, unknown> = {}
  const conflicts: PlannedConflict[] = []
  const nextA = shadowValues('a', sync.fields, a.fields, norm.a)
  const nextB = shadowValues('b', sync.fields, b.fields, norm.b)
  for (const f of sync.fields) {
    const av = a.fields[f.a]
    const bv = b.fields[f.b]
    const wantB = norm.b(f.b, await settle(f.toB(av, a.fields)))
    const wantA = norm.a(f.a, await settle(f.toA(bv, b.fields)))
    const toB = () => {
      writeB[f.b] = plain(wantB)
      nextB[f.b] = plain(wantB)
    }
    const toA = () => {
      writeA[f.a] = plain(wantA)
      nextA[f.a] = plain(wantA)
    }
    if (f.direction === 'a-to-b') {
      if (!sameValue(wantB, bv)) toB()
      continue
    }
    if (f.direction === 'b-to-a') {
      if (!sameValue(wantA, av)) toA()
      continue
    }
    if (sameValue(wantB, bv)) continue
    const aChanged = first || !sameValue(norm.a(f.a, av), shadowA.values[f.a])
    const bChanged = first || !sameValue(norm.b(f.b, bv), shadowB.values[f.b])
    if (aChanged && !bChanged) toB()
    else if (bChanged && !aChanged) toA()
    else {
      const { winner, reason } = resolveOwner(sync, f, a.modifiedAt, b.modifiedAt)
      if (!first && aChanged && bChanged) {
        conflicts.push({ field: f, aValue: plain(av), bValue: plain(bv), winner, reason })
        if (f.conflict === 'markers') {
          // both sides get the winner's text and a section holding the loser's (in a's terms, then mapped to b)
          const names = sideNames(sync)
          const merged = withConflictSection(String((winner === 'a' ? av : wantA) ?? ''), String((winner === 'a' ? wantA : av) ?? ''), {
            winner: names[winner],
            loser: names[winner === 'a' ? 'b' : 'a'],
            winnerAt: winner === 'a' ? a.modifiedAt : b.modifiedAt,
            loserAt: winner === 'a' ? b.modifiedAt : a.modifiedAt,
          })
          const mA = plain(norm.a(f.a, merged))
          const mB = plain(norm.b(f.b, await settle(f.toB(merged, { ...a.fields, [f.a]: merged }))))
          writeA[f.a] = mA
          nextA[f.a] = mA
          writeB[f.b] = mB
          nextB[f.b] = mB
          continue
        }
      }
      if (winner === 'a') toB()
      else toA()
    }
  }
  return {
    writeA: Object.keys(writeA).length ? writeA : null,
    writeB: Object.keys(writeB).length ? writeB : null,
    conflicts,
    shadowA: nextA,
    shadowB: nextB,
  }
}

/**
 * The fields of a record created on side `to` from `record` on the other side: every field that
 * flows that way (empty values left out), plus the match and fallback keys when not mapped.
 */
export async function createFields(
  sync: CompiledSync,
  to: SyncSideName,
  record: Record<string, unknown>,
  norm: Normalize,
): Promise<Record<string, unknown>> {
  const from: SyncSideName = to === 'a' ? 'b' : 'a'
  const out: Record<string, unknown> = {}
  for (const f of sync.fields) {
    if (f.direction === (to === 'b' ? 'b-to-a' : 'a-to-b')) continue
    const v = norm(f[to], await settle((to === 'b' ? f.toB : f.toA)(record[f[from]], record)))
    if (v !== null && v !== undefined && v !== '') out[f[to]] = plain(v)
  }
  for (const key of [sync.match, sync.match.fallback]) {
    if (!key || out[key[to]] !== undefined) continue
    const v = record[key[from]]
    if (v !== null && v !== undefined && v !== '') out[key[to]] = plain(v)
  }
  return out
}
