/**
 * The sync part of the `Store` contract (DESIGN §12): links, shadows, cursors, conflicts and the
 * dirty set of every sync, reached as `store.sync`. Same rules as the rest of the store: every
 * write is durable before its promise resolves, reads see earlier writes of the process, times
 * are epoch ms supplied by the caller. Both backends pass tests/conformance/store-sync-suite.ts.
 *
 * Words:
 * - link: a record on side a ↔ its record on side b. A record seen on one side only (no partner
 *   yet, out of scope, or ambiguous) is kept as a link with the other id null, so a partner that
 *   appears later is matched from the store, never from a provider's lagging search.
 * - shadow: per link and side, the field values last written to or read from that side, and
 *   their hash. A change equal to the shadow is our own write coming back (an echo).
 * - cursor: how far a side's change feed has been read.
 * - conflict: both sides changed one field since the shadow; kept with both values and the winner.
 * - dirty: a record to look at again on the next pass (a webhook nudge, a change deferred while a
 *   write of its link was in flight).
 * @module
 */

export type SyncSideName = 'a' | 'b'

/**
 * `linked`: both ids known. `unmatched`: one side only, waiting for a partner or out of scope.
 * `ambiguous`: its match key names several records; reported, never merged. `deleted`: one side
 * was deleted and the `deletes` policy was applied (kept for history and so it never re-matches).
 */
export type SyncLinkState = 'linked' | 'unmatched' | 'ambiguous' | 'deleted'

export interface SyncLink {
  syncId: string
  id: string
  aId: string | null
  bId: string | null
  /** Normalised match key and fallback key of the record(s), for matching partners that appear later. */
  key: string | null
  fallbackKey: string | null
  state: SyncLinkState
  /** The run writing this link now, if any (set when the run is started, cleared when it records). */
  pendingRun: string | null
  createdAt: number
  updatedAt: number
}

export interface SyncShadow {
  syncId: string
  linkId: string
  side: SyncSideName
  /** Field values under the side's own names, as last written or read. */
  values: Record<string, unknown>
  /** Hash of the canonical values. */
  hash: string
  /** The record's provider modification time when read, if known. */
  modifiedAt: number | null
  updatedAt: number
}

export interface SyncConflict {
  /** Deterministic (link, field, values, times): recording the same conflict twice keeps one. */
  id: string
  syncId: string
  linkId: string
  /** `<a field> ↔ <b field>`. */
  field: string
  aValue: unknown
  bValue: unknown
  aModifiedAt: number | null
  bModifiedAt: number | null
  winner: SyncSideName
  /** `owner a`, `owner b`, `latest`, `tie → a` … */
  reason: string
  createdAt: number
}

export interface SyncDirty {
  side: SyncSideName
  recordId: string
  reason: string
  at: number
}

/** Everything a sync pass or a write run records, applied in one transaction. */
export interface SyncChange {
  /** Links written whole (insert or replace). */
  links?: SyncLink[]
  /** Set or clear `pendingRun` only (no other column). `onlyIf`: change it only while it equals this. */
  pending?: Array<{ linkId: string; runId: string | null; onlyIf?: string | null; at: number }>
  shadows?: SyncShadow[]
  /** Inserted; a conflict whose id exists is skipped. */
  conflicts?: SyncConflict[]
  /** Added to the dirty set (a newer `at` replaces an older one). */
  dirty?: SyncDirty[]
  /** Removed from the dirty set, but only entries marked at or before `upTo` (a later nudge survives). */
  clean?: Array<{ side: SyncSideName; recordId: string; upTo: number }>
  cursors?: Array<{ side: SyncSideName; cursor: unknown; at: number }>
}

export interface SyncLinkFilter {
  state?: SyncLinkState | SyncLinkState[]
  /** Keyset pagination: links whose id sorts after this one. */
  after?: string
  /** @defaultValue 100 */
  limit?: number
}

export interface SyncStore {
  /** Links whose side-`side` record id is one of `ids`. */
  linksByRecord(syncId: string, side: SyncSideName, ids: readonly string[]): Promise<SyncLink[]>
  /** Links whose `key` (or `fallbackKey`) is one of `keys`. */
  linksByKey(syncId: string, which: 'key' | 'fallbackKey', keys: readonly string[]): Promise<SyncLink[]>
  getLinks(syncId: string, ids: readonly string[]): Promise<SyncLink[]>
  /** Links in id order (keyset pagination with `after`). */
  listLinks(syncId: string, filter?: SyncLinkFilter): Promise<SyncLink[]>
  countLinks(syncId: string): Promise<Record<SyncLinkState, number>>
  /** Shadows of these links (both sides). */
  getShadows(syncId: string, linkIds: readonly string[]): Promise<SyncShadow[]>
  getCursor(syncId: string, side: SyncSideName): Promise<unknown | null>
  /** Newest first; `before` is a conflict's `createdAt` for paging. */
  listConflicts(syncId: string, filter?: { before?: number; limit?: number }): Promise<SyncConflict[]>
  countConflicts(syncId: string, since?: number): Promise<number>
  /** Oldest first. */
  listDirty(syncId: string, limit?: number): Promise<SyncDirty[]>
  /** Apply a change in one transaction. */
  apply(syncId: string, change: SyncChange): Promise<void>
  /** Forget everything of a sync (links, shadows, cursors, conflicts, dirty): `sync reset`. */
  reset(syncId: string): Promise<void>
}

export function emptyLinkCounts(): Record<SyncLinkState, number> {
  return { linked: 0, unmatched: 0, ambiguous: 0, deleted: 0 }
}
