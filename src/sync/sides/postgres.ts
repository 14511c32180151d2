/**
 * The Postgres side: `postgres:<connection>/<table>` (or `<schema>.<table>`) — rows of one table,
 * read by `(updated_at, primary key)` (src/sources/postgres.ts) and written with the connector's
 * row actions (`postgres.insert`, `update`, `delete`), each write stamping the modification column.
 *
 * Options: `key` (primary key, default `id`), `modifiedColumn` (default `updated_at`),
 * `deletedColumn` (soft deletes: reported as deletions, and what `deletes: archive` sets),
 * `settleMs`, `fields` (column names, for validation), `matchKeys` (columns with a unique index,
 * used for idempotent creates: `INSERT … ON CONFLICT`), `relations` (relation name → foreign-key
 * column, when this is side b of a sync with `relations`).
 *
 * @example
 * ```yaml
 * sides:
 *   a: { side: 'postgres:crm/customers', key: customer_id, matchKeys: [email], deletedColumn: deleted_at }
 * ```
 * @module
 */
import { z } from 'zod'
import { NonRetryableError } from '../../errors.js'
import { createPostgresSource } from '../../sources/postgres.js'
import type { SideKind, SideWrite, SyncSide } from '../side.js'

const column = z.string().min(1)
const postgresOptions = z
  .object({
    key: column.default('id'),
    modifiedColumn: column.default('updated_at'),
    deletedColumn: column.optional(),
    settleMs: z.number().int().min(0).default(1000),
    fields: z.array(column).optional(),
    matchKeys: z.array(column).default([]),
    relations: z.record(z.string(), column).default({}),
  })
  .strict()
export type PostgresSideOptions = z.infer<typeof postgresOptions>

/** `schema.table` or `table`. */
function tableOf(object: string): { table: string; schema?: string } {
  const dot = object.indexOf('.')
  return dot > 0 ? { schema: object.slice(0, dot), table: object.slice(dot + 1) } : { table: object }
}

export const postgresSide: SideKind<PostgresSideOptions> = {
  kind: 'postgres',
  options: postgresOptions as never,
  knownFields: (spec) => (spec.options.fields ? [...new Set([spec.options.key, ...spec.options.fields])] : null),
  supports: { delete: true, archive: true },
  create(spec, ctx): SyncSide {
    const o = spec.options
    const t = tableOf(spec.object)
    const source = createPostgresSource(
      {
        connection: spec.connection,
        ...t,
        key: o.key,
        modifiedColumn: o.modifiedColumn,
        settleMs: o.settleMs,
        ...(o.deletedColumn ? { deletedColumn: o.deletedColumn } : {}),
      },
      ctx,
    )
    const conn = spec.connection === 'default' ? {} : { connection: spec.connection }
    const at = { ...t, key: o.key }
    const write = (action: string, input: Record<string, unknown>): SideWrite => ({
      ref: `postgres.${action}`,
      ...conn,
      input: { ...at, ...input },
    })
    const update = (id: string, row: Record<string, unknown>, stamp = [o.modifiedColumn]) => write('update', { id, row, stamp })
    const relations = Object.fromEntries(
      Object.entries(o.relations).map(([name, fk]) => [
        name,
        { set: (id: string, toId: string) => update(id, { [fk]: toId }), unset: (id: string) => update(id, { [fk]: null }) },
      ]),
    )
    return {
      ref: `postgres:${spec.connection}/${spec.object}`,
      source,
      fields: o.fields ? [...new Set([o.key, ...o.fields])] : null,
      matchKeys: o.matchKeys,
      normalize: (_field, value) => (value instanceof Date ? value.toISOString() : value),
      create: (fields, { upsertOn }) =>
        write('insert', { row: fields, stamp: [o.modifiedColumn], ...(upsertOn ? { onConflict: upsertOn } : {}) }),
      update: (id, fields) => update(id, fields),
      delete: (id) => write('delete', { id }),
      archive: (id) => {
        if (!o.deletedColumn)
          throw new NonRetryableError(
            `side ${spec.kind}:${spec.connection}/${spec.object}: deletes: archive needs the side's deletedColumn option`,
          )
        return update(id, {}, [o.modifiedColumn, o.deletedColumn])
      },
      createdId: (out) => String((out as { id: string }).id),
      relations,
    }
  },
}
