/**
 * What a pass did (or, for `plan`, would do): counts per outcome and the planned writes per
 * side, shown by `pipewright sync plan|run` and `/api/v1/syncs/<id>/plan|run`.
 * @module
 */
import type { SyncSideName } from './types.js'

export interface PlannedWrite {
  side: SyncSideName
  op: 'create' | 'update' | 'delete' | 'archive'
  linkId: string
  /** The record written (absent for a create). */
  id?: string
  fields?: Record<string, unknown>
}

/** Something a drift repair found out of step and fixed (or, in a plan, would fix). */
export interface RepairFix {
  linkId: string
  /**
   * `fields`: linked records whose values differ (a change the change feed missed);
   * `missing`: a record no link knew of (created behind the cursor's back), paired or created;
   * `gone`: a linked record that no longer exists (a deletion the feed missed).
   */
  kind: 'fields' | 'missing' | 'gone'
  a: string | null
  b: string | null
  /** Fields written on each side to bring the pair in step (side's own names). */
  fields?: Partial<Record<SyncSideName, string[]>>
}

export interface PassReport {
  sync: string
  mode: 'incremental' | 'repair'
  dryRun: boolean
  startedAt: number
  finishedAt: number | null
  /** Records read per side (changes, or the whole side in repair mode). */
  read: Record<SyncSideName, number>
  /** More changes wait: the runner starts another pass at once. */
  more: boolean
  /** Changes equal to the shadow: our own writes coming back, or nothing mapped changed. */
  echoes: number
  matched: { key: number; fallback: number }
  /** Records with no partner that stay unlinked (create not allowed, or out of scope). */
  unmatched: number
  ambiguous: Array<{ key: string; via: 'key' | 'fallback'; records: Array<{ side: SyncSideName; id: string }>; linkedTo?: string[] }>
  /** Writes planned, per side and kind. */
  writes: Record<SyncSideName, Record<PlannedWrite['op'], number>>
  /** The planned writes themselves (the first {@link MAX_LISTED}). */
  planned: PlannedWrite[]
  relations: number
  conflicts: number
  /** Deletions whose policy is `ignore` (the link ended, nothing written). */
  deletesIgnored: number
  /** Links a drift repair found out of step and fixed. */
  repaired: number
  /** What the drift repair fixed (the first {@link MAX_LISTED}); empty for incremental passes. */
  fixed: RepairFix[]
  paused: number
  outOfScope: number
  /** Changes left for the next pass (a write of the link still in flight). */
  deferred: number
  runs: { started: number; succeeded: number; dead: number; pending: number }
}

export const MAX_LISTED = 1000

export function emptyReport(sync: string, mode: PassReport['mode'], dryRun: boolean, now: number): PassReport {
  const ops = () => ({ create: 0, update: 0, delete: 0, archive: 0 })
  return {
    sync,
    mode,
    dryRun,
    startedAt: now,
    finishedAt: null,
    read: { a: 0, b: 0 },
    more: false,
    echoes: 0,
    matched: { key: 0, fallback: 0 },
    unmatched: 0,
    ambiguous: [],
    writes: { a: ops(), b: ops() },
    planned: [],
    relations: 0,
    conflicts: 0,
    deletesIgnored: 0,
    repaired: 0,
    fixed: [],
    paused: 0,
    outOfScope: 0,
    deferred: 0,
    runs: { started: 0, succeeded: 0, dead: 0, pending: 0 },
  }
}

export function reportWrite(report: PassReport, w: PlannedWrite): void {
  report.writes[w.side][w.op] += 1
  if (report.planned.length < MAX_LISTED) report.planned.push(w)
}

export function reportFix(report: PassReport, f: RepairFix): void {
  report.repaired += 1
  if (report.fixed.length < MAX_LISTED) report.fixed.push(f)
}
