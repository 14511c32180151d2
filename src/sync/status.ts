/**
 * What `pipewright sync list | status | conflicts` and `/api/v1/syncs…` show about a sync:
 * its definition in brief, link counts, what waits (the dirty set), conflicts, the last pass and
 * the last drift repair. Read from the store only: it works in any process, with or without
 * the sync's sides reachable. One function per view, shared by the CLI and the API.
 * @module
 */
import type { Problem } from '../errors.js'
import type { Store } from '../store/contract.js'
import type { SyncConflict, SyncLinkState } from '../store/sync-contract.js'
import type { PassReport } from './report.js'
import type { CompiledSync, SyncSideName } from './types.js'

/** Where the runner keeps each sync's last pass and last drift repair (store key-values). */
export const LAST_PASS_NS = 'sync:last-pass'
export const LAST_REPAIR_NS = 'sync:last-repair'
export const LAST_REPAIR_REPORT_NS = 'sync:last-repair-report'

/** Most dirty records counted for `pending` (the count says "at least" beyond it). */
const PENDING_COUNTED = 5000

export interface SyncSummary {
  id: string
  description: string | null
  file: string | null
  sides: Record<SyncSideName, string>
  /** Poll interval and drift-repair interval, ms (null: never on its own). */
  schedule: { everyMs: number | null; repairEveryMs: number | null }
  links: Record<SyncLinkState, number>
  /** Records waiting to be looked at again on the next pass (nudged, deferred, ambiguous). */
  pending: number
  conflicts: number
  lastPass: PassBrief | null
  warnings: Problem[]
}

/** A pass report without its planned-write list. */
export type PassBrief = Omit<PassReport, 'planned'>

export interface SyncStatus extends SyncSummary {
  cursors: Record<SyncSideName, unknown>
  /** The last drift repair (a full comparison of both sides) and what it fixed. */
  lastRepair: PassBrief | null
  /** When the next drift repair is due (epoch ms), if the sync repairs on its own. */
  nextRepairAt: number | null
  fields: Array<{ a: string; b: string; direction: string; owner: string }>
}

const sideRef = (s: CompiledSync['sides']['a']) => `${s.kind}:${s.connection}/${s.object}`

export function brief(report: PassReport | null | undefined): PassBrief | null {
  if (!report) return null
  const { planned: _p, ...rest } = report
  return rest
}

export async function syncSummary(store: Store, sync: CompiledSync, now: number): Promise<SyncSummary> {
  const [links, dirty, conflicts, last] = await Promise.all([
    store.sync.countLinks(sync.id),
    store.sync.listDirty(sync.id, PENDING_COUNTED),
    store.sync.countConflicts(sync.id),
    store.getKey(LAST_PASS_NS, sync.id, now),
  ])
  return {
    id: sync.id,
    description: sync.description,
    file: sync.source.file,
    sides: { a: sideRef(sync.sides.a), b: sideRef(sync.sides.b) },
    schedule: { everyMs: sync.everyMs, repairEveryMs: sync.repairEveryMs },
    links,
    pending: dirty.length,
    conflicts,
    lastPass: brief(last?.value as PassReport | undefined),
    warnings: sync.warnings,
  }
}

export async function syncStatus(store: Store, sync: CompiledSync, now: number): Promise<SyncStatus> {
  const [summary, a, b, repair, repairAt] = await Promise.all([
    syncSummary(store, sync, now),
    store.sync.getCursor(sync.id, 'a'),
    store.sync.getCursor(sync.id, 'b'),
    store.getKey(LAST_REPAIR_REPORT_NS, sync.id, now),
    store.getKey(LAST_REPAIR_NS, sync.id, now),
  ])
  const lastRepairAt = typeof repairAt?.value === 'number' ? repairAt.value : null
  return {
    ...summary,
    cursors: { a: a ?? null, b: b ?? null },
    lastRepair: brief(repair?.value as PassReport | undefined),
    // null until the sync has run where its schedule runs (the first start sets the baseline)
    nextRepairAt: sync.repairEveryMs === null || lastRepairAt === null ? null : lastRepairAt + sync.repairEveryMs,
    fields: sync.fields.map((f) => ({ a: f.a, b: f.b, direction: f.direction, owner: f.owner })),
  }
}

export async function syncConflicts(
  store: Store,
  sync: CompiledSync,
  options: { before?: number; limit?: number } = {},
): Promise<SyncConflict[]> {
  return store.sync.listConflicts(sync.id, options)
}
