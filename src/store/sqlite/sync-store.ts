/**
 * `store.sync` on SQLite: the queries of sync-queries.ts run on the store's connection, writes
 * through its group commit (one `apply` = its statements in one savepoint of the batch).
 * @module
 */
import type { Kysely } from 'kysely'
import type { SyncChange, SyncLinkFilter, SyncLinkState, SyncSideName, SyncStore } from '../sync-contract.js'
import { emptyLinkCounts } from '../sync-contract.js'
import type { Connection } from './connection.js'
import { fromJson } from './rows.js'
import * as q from './sync-queries.js'

type Run = (c: Connection) => unknown
type Compiled = { sql: string; parameters: readonly unknown[] }

/** SQLite cannot bind booleans or undefined. */
function bindable(parameters: readonly unknown[]): unknown[] {
  return parameters.map((v) => (v === undefined ? null : typeof v === 'boolean' ? (v ? 1 : 0) : v))
}

export function sqliteSyncStore(
  builder: Kysely<unknown>,
  read: <T>(fn: (c: Connection) => T) => Promise<T>,
  write: <T>(fn: (c: Connection) => T) => Promise<T>,
): SyncStore {
  const db = builder.withTables<q.SyncSchema>() as unknown as q.SyncDb
  const statements = new WeakMap<Connection, Map<string, ReturnType<Connection['db']['prepare']>>>()
  const prepared = (c: Connection, sql: string) => {
    let cache = statements.get(c)
    if (!cache) {
      cache = new Map()
      statements.set(c, cache)
    }
    let s = cache.get(sql)
    if (!s) {
      s = c.db.prepare(sql)
      if (cache.size > 300) cache.clear()
      cache.set(sql, s)
    }
    return s
  }
  const all = <T>(c: Connection, list: Compiled[]): T[] => list.flatMap((x) => prepared(c, x.sql).all(bindable(x.parameters)) as T[])
  const exec: (list: Compiled[]) => Run = (list) => (c) => {
    for (const x of list) prepared(c, x.sql).run(bindable(x.parameters))
  }
  return {
    linksByRecord: (syncId, side, ids) =>
      ids.length === 0 ? Promise.resolve([]) : read((c) => all<q.SyncLinksTable>(c, q.linksByRecord(db, syncId, side, ids)).map(q.toLink)),
    linksByKey: (syncId, which, keys) =>
      keys.length === 0 ? Promise.resolve([]) : read((c) => all<q.SyncLinksTable>(c, q.linksByKey(db, syncId, which, keys)).map(q.toLink)),
    getLinks: (syncId, ids) =>
      ids.length === 0 ? Promise.resolve([]) : read((c) => all<q.SyncLinksTable>(c, q.getLinks(db, syncId, ids)).map(q.toLink)),
    listLinks: (syncId, filter?: SyncLinkFilter) => read((c) => all<q.SyncLinksTable>(c, [q.listLinks(db, syncId, filter)]).map(q.toLink)),
    countLinks: (syncId) =>
      read((c) => {
        const counts = emptyLinkCounts()
        for (const r of all<{ state: SyncLinkState; n: number }>(c, [q.countLinks(db, syncId)])) counts[r.state] = Number(r.n)
        return counts
      }),
    getShadows: (syncId, linkIds) =>
      linkIds.length === 0
        ? Promise.resolve([])
        : read((c) => all<q.SyncShadowsTable>(c, q.getShadows(db, syncId, linkIds)).map(q.toShadow)),
    getCursor: (syncId, side: SyncSideName) =>
      read((c) => {
        const [row] = all<{ cursor: string | null }>(c, [q.getCursor(db, syncId, side)])
        return row ? fromJson(row.cursor) : null
      }),
    listConflicts: (syncId, filter) => read((c) => all<q.SyncConflictsTable>(c, [q.listConflicts(db, syncId, filter)]).map(q.toConflict)),
    countConflicts: (syncId, since) => read((c) => Number(all<{ n: number }>(c, [q.countConflicts(db, syncId, since)])[0]?.n ?? 0)),
    listDirty: (syncId, limit) => read((c) => all<q.SyncDirtyTable>(c, [q.listDirty(db, syncId, limit)]).map(q.toDirty)),
    apply: async (syncId, change: SyncChange) => {
      const list = q.applyStatements(db, syncId, change)
      if (list.length) await write(exec(list))
    },
    reset: async (syncId) => {
      await write(exec(q.resetStatements(db, syncId)))
    },
  }
}
