/**
 * `store.sync` on Postgres: the queries of ../sqlite/sync-queries.ts (dialect-neutral kysely)
 * compiled for Postgres; reads on the pool after earlier writes settled, each `apply` as one
 * write of the group commit (its statements in the batch's transaction).
 * @module
 */
import type { Kysely } from 'kysely'
import type pg from 'pg'
import { fromJson } from '../sqlite/rows.js'
import * as q from '../sqlite/sync-queries.js'
import type { SyncLinkState, SyncStore } from '../sync-contract.js'
import { emptyLinkCounts } from '../sync-contract.js'

type Compiled = { sql: string; parameters: readonly unknown[] }
type Query = <R>(c: Compiled) => Promise<R[]>

export function postgresSyncStore(
  builder: Kysely<unknown>,
  read: <T>(fn: (query: Query) => Promise<T>) => Promise<T>,
  write: (fn: (client: pg.ClientBase) => Promise<void>) => Promise<void>,
): SyncStore {
  const db = builder.withTables<q.SyncSchema>() as unknown as q.SyncDb
  const all = async <T>(query: Query, list: Compiled[]): Promise<T[]> => {
    const out: T[] = []
    for (const x of list) out.push(...(await query<T>(x)))
    return out
  }
  const exec = (list: Compiled[]) => async (client: pg.ClientBase) => {
    for (const x of list) await client.query(x.sql, x.parameters as unknown[])
  }
  return {
    linksByRecord: (syncId, side, ids) =>
      ids.length === 0
        ? Promise.resolve([])
        : read(async (query) => (await all<q.SyncLinksTable>(query, q.linksByRecord(db, syncId, side, ids))).map(q.toLink)),
    linksByKey: (syncId, which, keys) =>
      keys.length === 0
        ? Promise.resolve([])
        : read(async (query) => (await all<q.SyncLinksTable>(query, q.linksByKey(db, syncId, which, keys))).map(q.toLink)),
    getLinks: (syncId, ids) =>
      ids.length === 0
        ? Promise.resolve([])
        : read(async (query) => (await all<q.SyncLinksTable>(query, q.getLinks(db, syncId, ids))).map(q.toLink)),
    listLinks: (syncId, filter) => read(async (query) => (await query<q.SyncLinksTable>(q.listLinks(db, syncId, filter))).map(q.toLink)),
    countLinks: (syncId) =>
      read(async (query) => {
        const counts = emptyLinkCounts()
        for (const r of await query<{ state: SyncLinkState; n: number }>(q.countLinks(db, syncId))) counts[r.state] = Number(r.n)
        return counts
      }),
    getShadows: (syncId, linkIds) =>
      linkIds.length === 0
        ? Promise.resolve([])
        : read(async (query) => (await all<q.SyncShadowsTable>(query, q.getShadows(db, syncId, linkIds))).map(q.toShadow)),
    getCursor: (syncId, side) =>
      read(async (query) => {
        const [row] = await query<{ cursor: string | null }>(q.getCursor(db, syncId, side))
        return row ? fromJson(row.cursor) : null
      }),
    listConflicts: (syncId, filter) =>
      read(async (query) => (await query<q.SyncConflictsTable>(q.listConflicts(db, syncId, filter))).map(q.toConflict)),
    countConflicts: (syncId, since) =>
      read(async (query) => Number((await query<{ n: number }>(q.countConflicts(db, syncId, since)))[0]?.n ?? 0)),
    listDirty: (syncId, limit) => read(async (query) => (await query<q.SyncDirtyTable>(q.listDirty(db, syncId, limit))).map(q.toDirty)),
    apply: async (syncId, change) => {
      const list = q.applyStatements(db, syncId, change)
      if (list.length) await write(exec(list))
    },
    reset: (syncId) => write(exec(q.resetStatements(db, syncId))),
  }
}
