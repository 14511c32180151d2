/**
 * The Postgres record source: rows of one table read by `(updated_at, primary key)` through the
 * connector's `postgres.read` / `scan` / `get` actions. Used by the `poll` trigger and by the
 * `postgres:<connection>/<table>` sync side.
 *
 * The table needs a `timestamptz` modification column kept current on every write (a trigger,
 * or the application); rows deleted for good are invisible to `readChanges` — use a soft-delete
 * column (`deletedColumn`) to have deletions reported.
 *
 * @example
 * ```ts
 * const source = createPostgresSource({ connection: 'crm', table: 'customers' }, ctx)
 * const page = await source.readChanges(null, { limit: 500 })
 * ```
 * @module
 */
import type { ReadOutput } from '../connectors/postgres/rows.js'
import type { RecordSource, SourceContext, SourceRecord } from './contract.js'

export interface PostgresSourceOptions {
  /** Named connection of the `postgres` connector. @defaultValue 'default' */
  connection?: string
  table: string
  schema?: string
  /** Primary-key column. @defaultValue 'id' */
  key?: string
  /** `timestamptz` column set on every change. @defaultValue 'updated_at' */
  modifiedColumn?: string
  /** Soft-delete column: rows where it is set are reported as deleted. */
  deletedColumn?: string
  /**
   * Leave out rows changed less than this long ago: a transaction still open may commit an
   * `updated_at` older than rows already read. @defaultValue 1000
   */
  settleMs?: number
}

export function createPostgresSource(o: PostgresSourceOptions, ctx: SourceContext): RecordSource {
  const connection = o.connection ?? 'default'
  const ref = `postgres:${connection}/${o.schema ? `${o.schema}.` : ''}${o.table}`
  const at = {
    table: o.table,
    ...(o.schema ? { schema: o.schema } : {}),
    key: o.key ?? 'id',
    modifiedColumn: o.modifiedColumn ?? 'updated_at',
    ...(o.deletedColumn ? { deletedColumn: o.deletedColumn } : {}),
  }
  const call = (action: string, input: Record<string, unknown>, signal?: AbortSignal) =>
    ctx.invoke(
      `postgres.${action}`,
      { ...at, ...input },
      { ...(connection !== 'default' ? { connection } : {}), ...(signal ? { signal } : {}) },
    )
  return {
    ref,
    async readChanges(cursor, options) {
      const out = (await call(
        'read',
        { after: cursor, limit: options?.limit ?? 500, settleMs: o.settleMs ?? 1000 },
        options?.signal,
      )) as ReadOutput
      const last = out.records[out.records.length - 1]
      return { records: out.records, cursor: last ? { modifiedAt: last.modifiedAt, id: last.id } : cursor, more: out.more }
    },
    async *scan(options) {
      let afterKey: string | null = null
      for (;;) {
        const out = (await call('scan', { afterKey, limit: options?.limit ?? 500 }, options?.signal)) as ReadOutput
        if (out.records.length) yield out.records
        if (!out.more) return
        afterKey = out.records[out.records.length - 1]!.id
      }
    },
    async get(ids, options) {
      const out: SourceRecord[] = []
      for (let i = 0; i < ids.length; i += 1000)
        out.push(...((await call('get', { ids: ids.slice(i, i + 1000) }, options?.signal)) as SourceRecord[]))
      return out.filter((r) => !r.deleted)
    },
  }
}
