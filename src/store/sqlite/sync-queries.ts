/**
 * The sync tables' queries (links, shadows, cursors, conflicts, dirty), dialect-neutral kysely
 * code compiled per call for SQLite or Postgres. Row shapes ↔ records live here too. Used by
 * `sqlite/sync-store.ts` and `postgres/sync-store.ts`; see src/store/sync-contract.ts.
 * @module
 */
import type { CompiledQuery, Kysely } from 'kysely'
import type {
  SyncChange,
  SyncConflict,
  SyncDirty,
  SyncLink,
  SyncLinkFilter,
  SyncLinkState,
  SyncShadow,
  SyncSideName,
} from '../sync-contract.js'
import { fromJson, toJson } from './rows.js'

export interface SyncLinksTable {
  sync_id: string
  id: string
  a_id: string | null
  b_id: string | null
  match_key: string | null
  fallback_key: string | null
  state: string
  pending_run: string | null
  created_at: number
  updated_at: number
}

export interface SyncShadowsTable {
  sync_id: string
  link_id: string
  side: string
  field_values: string
  hash: string
  modified_at: number | null
  updated_at: number
}

export interface SyncCursorsTable {
  sync_id: string
  side: string
  cursor: string | null
  updated_at: number
}

export interface SyncConflictsTable {
  sync_id: string
  id: string
  link_id: string
  field: string
  a_value: string | null
  b_value: string | null
  a_modified_at: number | null
  b_modified_at: number | null
  winner: string
  reason: string
  created_at: number
}

export interface SyncDirtyTable {
  sync_id: string
  side: string
  record_id: string
  reason: string
  at: number
}

export type SyncSchema = {
  sync_links: SyncLinksTable
  sync_shadows: SyncShadowsTable
  sync_cursors: SyncCursorsTable
  sync_conflicts: SyncConflictsTable
  sync_dirty: SyncDirtyTable
}

export type SyncDb = Kysely<SyncSchema>
export type Compiled = CompiledQuery<unknown>

/** Largest IN list or multi-row VALUES per statement (well under both dialects' parameter caps). */
export const CHUNK = 400

export function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

// ── rows ↔ records ──────────────────────────────────────────────────────────────────────

export function toLink(r: SyncLinksTable): SyncLink {
  return {
    syncId: r.sync_id,
    id: r.id,
    aId: r.a_id,
    bId: r.b_id,
    key: r.match_key,
    fallbackKey: r.fallback_key,
    state: r.state as SyncLinkState,
    pendingRun: r.pending_run,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  }
}

function linkRow(l: SyncLink): SyncLinksTable {
  return {
    sync_id: l.syncId,
    id: l.id,
    a_id: l.aId,
    b_id: l.bId,
    match_key: l.key,
    fallback_key: l.fallbackKey,
    state: l.state,
    pending_run: l.pendingRun,
    created_at: l.createdAt,
    updated_at: l.updatedAt,
  }
}

export function toShadow(r: SyncShadowsTable): SyncShadow {
  return {
    syncId: r.sync_id,
    linkId: r.link_id,
    side: r.side as SyncSideName,
    values: (fromJson(r.field_values) ?? {}) as Record<string, unknown>,
    hash: r.hash,
    modifiedAt: r.modified_at === null ? null : Number(r.modified_at),
    updatedAt: Number(r.updated_at),
  }
}

export function toConflict(r: SyncConflictsTable): SyncConflict {
  return {
    id: r.id,
    syncId: r.sync_id,
    linkId: r.link_id,
    field: r.field,
    aValue: fromJson(r.a_value),
    bValue: fromJson(r.b_value),
    aModifiedAt: r.a_modified_at === null ? null : Number(r.a_modified_at),
    bModifiedAt: r.b_modified_at === null ? null : Number(r.b_modified_at),
    winner: r.winner as SyncSideName,
    reason: r.reason,
    createdAt: Number(r.created_at),
  }
}

export function toDirty(r: SyncDirtyTable): SyncDirty {
  return { side: r.side as SyncSideName, recordId: r.record_id, reason: r.reason, at: Number(r.at) }
}

// ── reads ───────────────────────────────────────────────────────────────────────────────

export function linksByRecord(db: SyncDb, syncId: string, side: SyncSideName, ids: readonly string[]): Compiled[] {
  const col = side === 'a' ? 'a_id' : 'b_id'
  return chunks(ids).map((part) => db.selectFrom('sync_links').selectAll().where('sync_id', '=', syncId).where(col, 'in', part).compile())
}

export function linksByKey(db: SyncDb, syncId: string, which: 'key' | 'fallbackKey', keys: readonly string[]): Compiled[] {
  const col = which === 'key' ? 'match_key' : 'fallback_key'
  return chunks(keys).map((part) => db.selectFrom('sync_links').selectAll().where('sync_id', '=', syncId).where(col, 'in', part).compile())
}

export function getLinks(db: SyncDb, syncId: string, ids: readonly string[]): Compiled[] {
  return chunks(ids).map((part) => db.selectFrom('sync_links').selectAll().where('sync_id', '=', syncId).where('id', 'in', part).compile())
}

export function listLinks(db: SyncDb, syncId: string, f: SyncLinkFilter = {}): Compiled {
  let q = db.selectFrom('sync_links').selectAll().where('sync_id', '=', syncId)
  if (f.state !== undefined) q = q.where('state', 'in', Array.isArray(f.state) ? f.state : [f.state])
  if (f.after !== undefined) q = q.where('id', '>', f.after)
  return q
    .orderBy('id')
    .limit(f.limit ?? 100)
    .compile()
}

export function countLinks(db: SyncDb, syncId: string): Compiled {
  return db
    .selectFrom('sync_links')
    .select(['state', (e) => e.fn.countAll().as('n')])
    .where('sync_id', '=', syncId)
    .groupBy('state')
    .compile()
}

export function getShadows(db: SyncDb, syncId: string, linkIds: readonly string[]): Compiled[] {
  return chunks(linkIds).map((part) =>
    db.selectFrom('sync_shadows').selectAll().where('sync_id', '=', syncId).where('link_id', 'in', part).compile(),
  )
}

export function getCursor(db: SyncDb, syncId: string, side: SyncSideName): Compiled {
  return db.selectFrom('sync_cursors').select('cursor').where('sync_id', '=', syncId).where('side', '=', side).compile()
}

export function listConflicts(db: SyncDb, syncId: string, f: { before?: number; limit?: number } = {}): Compiled {
  let q = db.selectFrom('sync_conflicts').selectAll().where('sync_id', '=', syncId)
  if (f.before !== undefined) q = q.where('created_at', '<', f.before)
  return q
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(f.limit ?? 100)
    .compile()
}

export function countConflicts(db: SyncDb, syncId: string, since?: number): Compiled {
  let q = db
    .selectFrom('sync_conflicts')
    .select((e) => e.fn.countAll().as('n'))
    .where('sync_id', '=', syncId)
  if (since !== undefined) q = q.where('created_at', '>=', since)
  return q.compile()
}

export function listDirty(db: SyncDb, syncId: string, limit = 1000): Compiled {
  return db.selectFrom('sync_dirty').selectAll().where('sync_id', '=', syncId).orderBy('at').orderBy('record_id').limit(limit).compile()
}

// ── writes ──────────────────────────────────────────────────────────────────────────────

/** The statements of one `apply`, in order; the caller runs them in one transaction. */
export function applyStatements(db: SyncDb, syncId: string, c: SyncChange): Compiled[] {
  const out: Compiled[] = []
  for (const part of chunks(
    lastBy(c.links ?? [], (l) => l.id),
    200,
  )) {
    out.push(
      db
        .insertInto('sync_links')
        .values(part.map((l) => linkRow({ ...l, syncId })))
        .onConflict((oc) =>
          oc.columns(['sync_id', 'id']).doUpdateSet((eb) => ({
            a_id: eb.ref('excluded.a_id'),
            b_id: eb.ref('excluded.b_id'),
            match_key: eb.ref('excluded.match_key'),
            fallback_key: eb.ref('excluded.fallback_key'),
            state: eb.ref('excluded.state'),
            pending_run: eb.ref('excluded.pending_run'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .compile(),
    )
  }
  for (const p of c.pending ?? []) {
    let q = db
      .updateTable('sync_links')
      .set({ pending_run: p.runId, updated_at: p.at })
      .where('sync_id', '=', syncId)
      .where('id', '=', p.linkId)
    if (p.onlyIf !== undefined) q = p.onlyIf === null ? q.where('pending_run', 'is', null) : q.where('pending_run', '=', p.onlyIf)
    out.push(q.compile())
  }
  for (const part of chunks(
    lastBy(c.shadows ?? [], (x) => `${x.linkId}\u0000${x.side}`),
    200,
  )) {
    out.push(
      db
        .insertInto('sync_shadows')
        .values(
          part.map((s) => ({
            sync_id: syncId,
            link_id: s.linkId,
            side: s.side,
            field_values: toJson(s.values) ?? '{}',
            hash: s.hash,
            modified_at: s.modifiedAt,
            updated_at: s.updatedAt,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['sync_id', 'link_id', 'side']).doUpdateSet((eb) => ({
            field_values: eb.ref('excluded.field_values'),
            hash: eb.ref('excluded.hash'),
            modified_at: eb.ref('excluded.modified_at'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .compile(),
    )
  }
  for (const part of chunks(
    lastBy(c.conflicts ?? [], (x) => x.id),
    200,
  )) {
    out.push(
      db
        .insertInto('sync_conflicts')
        .values(
          part.map((x) => ({
            sync_id: syncId,
            id: x.id,
            link_id: x.linkId,
            field: x.field,
            a_value: toJson(x.aValue ?? null),
            b_value: toJson(x.bValue ?? null),
            a_modified_at: x.aModifiedAt,
            b_modified_at: x.bModifiedAt,
            winner: x.winner,
            reason: x.reason,
            created_at: x.createdAt,
          })),
        )
        .onConflict((oc) => oc.columns(['sync_id', 'id']).doNothing())
        .compile(),
    )
  }
  // clean before marking: a record cleaned and marked again in one change stays marked
  for (const d of c.clean ?? []) {
    out.push(
      db
        .deleteFrom('sync_dirty')
        .where('sync_id', '=', syncId)
        .where('side', '=', d.side)
        .where('record_id', '=', d.recordId)
        .where('at', '<=', d.upTo)
        .compile(),
    )
  }
  for (const part of chunks(dedupeDirty(c.dirty ?? []), 200)) {
    out.push(
      db
        .insertInto('sync_dirty')
        .values(part.map((d) => ({ sync_id: syncId, side: d.side, record_id: d.recordId, reason: d.reason, at: d.at })))
        .onConflict((oc) =>
          oc
            .columns(['sync_id', 'side', 'record_id'])
            .doUpdateSet((eb) => ({ reason: eb.ref('excluded.reason'), at: eb.ref('excluded.at') })),
        )
        .compile(),
    )
  }
  for (const k of c.cursors ?? []) {
    out.push(
      db
        .insertInto('sync_cursors')
        .values({ sync_id: syncId, side: k.side, cursor: toJson(k.cursor ?? null), updated_at: k.at })
        .onConflict((oc) =>
          oc
            .columns(['sync_id', 'side'])
            .doUpdateSet((eb) => ({ cursor: eb.ref('excluded.cursor'), updated_at: eb.ref('excluded.updated_at') })),
        )
        .compile(),
    )
  }
  return out
}

/** The last item per key, in first-seen order: one statement's upsert may not touch a row twice. */
function lastBy<T>(items: readonly T[], key: (t: T) => string): T[] {
  const m = new Map<string, T>()
  for (const i of items) m.set(key(i), i)
  return m.size === items.length ? [...items] : [...m.values()]
}

/** One row per (side, record) in one statement (an upsert cannot touch a row twice), the latest mark winning. */
function dedupeDirty(items: SyncDirty[]): SyncDirty[] {
  const m = new Map<string, SyncDirty>()
  for (const d of items) {
    const k = `${d.side}\u0000${d.recordId}`
    const prev = m.get(k)
    if (!prev || prev.at <= d.at) m.set(k, d)
  }
  return [...m.values()]
}

export function resetStatements(db: SyncDb, syncId: string): Compiled[] {
  return (['sync_links', 'sync_shadows', 'sync_cursors', 'sync_conflicts', 'sync_dirty'] as const).map((t) =>
    db.deleteFrom(t).where('sync_id', '=', syncId).compile(),
  )
}
