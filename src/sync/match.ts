/**
 * Matching, pure: pairing records that have no link yet by the match key, then the fallback
 * key. A key that names exactly one unlinked record on each side pairs them. A key that names
 * several records on one side — or a record already linked — is ambiguous: reported, never
 * merged, never created on the other side (creating would make the duplicate a merge). A key
 * group holding a record whose write is still in flight waits for the next pass.
 * @module
 */
import type { SyncSideName } from './types.js'

export interface Candidate {
  side: SyncSideName
  id: string
  key: string | null
  fallbackKey: string | null
  /** A stored half-link (seen in an earlier pass), by link id. */
  linkId?: string
  /** Its write is still in flight. */
  busy?: boolean
}

/** A linked pair's keys: a new record with one of them is ambiguous. */
export interface Occupied {
  linkId: string
  key: string | null
  fallbackKey: string | null
  /** Being written or deleted now: its key may be free next pass, so the group waits. */
  busy?: boolean
}

export interface MatchResult {
  pairs: Array<{ a: Candidate; b: Candidate; via: 'key' | 'fallback' }>
  ambiguous: Array<{ via: 'key' | 'fallback'; key: string; members: Candidate[]; linkedTo: string[] }>
  /** No partner: created on the other side when allowed, else kept as a half-link. */
  unmatched: Candidate[]
  /** In a group with a record being written: looked at again next pass. */
  deferred: Candidate[]
}

export function matchCandidates(candidates: readonly Candidate[], occupied: readonly Occupied[] = []): MatchResult {
  const out: MatchResult = { pairs: [], ambiguous: [], unmatched: [], deferred: [] }
  const occupiedBy = { key: new Map<string, Occupied[]>(), fallback: new Map<string, Occupied[]>() }
  for (const o of occupied) {
    if (o.key) push(occupiedBy.key, o.key, o)
    if (o.fallbackKey) push(occupiedBy.fallback, o.fallbackKey, o)
  }
  const second = stage(candidates, 'key', occupiedBy.key, out)
  const rest = stage(second, 'fallback', occupiedBy.fallback, out)
  out.unmatched.push(...rest)
  return out
}

/** One matching stage; returns the candidates left for the next one. */
function stage(list: readonly Candidate[], via: 'key' | 'fallback', occupied: Map<string, Occupied[]>, out: MatchResult): Candidate[] {
  const groups = new Map<string, Candidate[]>()
  const left: Candidate[] = []
  for (const c of list) {
    const k = via === 'key' ? c.key : c.fallbackKey
    if (k === null) left.push(c)
    else push(groups, k, c)
  }
  for (const [key, members] of groups) {
    const occupants = occupied.get(key) ?? []
    const linkedTo = occupants.map((o) => o.linkId)
    if (members.some((m) => m.busy) || occupants.some((o) => o.busy)) {
      out.deferred.push(...members.filter((m) => !m.busy))
      continue
    }
    const as = members.filter((m) => m.side === 'a')
    const bs = members.filter((m) => m.side === 'b')
    if (linkedTo.length > 0 || as.length > 1 || bs.length > 1) out.ambiguous.push({ via, key, members, linkedTo })
    else if (as.length === 1 && bs.length === 1) out.pairs.push({ a: as[0]!, b: bs[0]!, via })
    else left.push(...members)
  }
  return left
}

function push<V>(m: Map<string, V[]>, k: string, v: V): void {
  const list = m.get(k)
  if (list) list.push(v)
  else m.set(k, [v])
}
