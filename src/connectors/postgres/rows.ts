/**
 * Row actions of the Postgres connector, for record sources, the `poll` trigger and sync sides
 * (DESIGN §12): `read` (rows changed after a `(modified, key)` cursor), `scan` (live rows by
 * key), `get` (rows by key), `insert` (optionally upserting on a unique column), `update` and
 * `delete` of one row by key. Identifiers are quoted, values parameterised.
 *
 * Times: `modifiedAt` is epoch milliseconds with the microseconds Postgres keeps as a fraction
 * (`1767225600123.456`), so a cursor taken from a row compares exactly against that row's
 * timestamp. `settleMs` holds back rows changed in the last moments (a transaction that began
 * earlier may still commit a smaller `updated_at`), so a cursor never passes a row not yet visible.
 * @module
 */
import type pg from 'pg'
import { z } from 'zod'
import { NonRetryableError } from '../../errors.js'
import type { SourceRecord } from '../../sources/contract.js'
import type { ActionContext, ActionDefinition } from '../contract.js'
import type { PostgresConnection } from './connector.js'
import { quoteIdent, quoteTable } from './sql.js'

const ident = z.string().min(1)
const at = {
  table: ident,
  schema: ident.optional(),
  /** Primary-key column. @defaultValue id */
  key: ident.default('id'),
}
const cursor = z.object({ modifiedAt: z.number(), id: z.string() })

export const readInput = z.object({
  ...at,
  /** Modification time column (`timestamptz`). @defaultValue updated_at */
  modifiedColumn: ident.default('updated_at'),
  /** Soft-delete column: rows where it is set are reported as deleted. */
  deletedColumn: ident.optional(),
  /** Read after this position; null or absent: from the beginning. */
  after: cursor.nullish(),
  limit: z.number().int().min(1).max(5000).default(100),
  /** Leave out rows changed less than this long ago (by the database's clock). @defaultValue 0 */
  settleMs: z.number().int().min(0).default(0),
})
export const scanInput = z.object({
  ...at,
  modifiedColumn: ident.default('updated_at'),
  deletedColumn: ident.optional(),
  /** Key of the last row of the previous page. */
  afterKey: z.string().nullish(),
  limit: z.number().int().min(1).max(5000).default(500),
})
export const getInput = z.object({
  ...at,
  modifiedColumn: ident.default('updated_at'),
  deletedColumn: ident.optional(),
  ids: z.array(z.string()).max(5000),
})
const row = z.record(z.string(), z.unknown())
/** Columns set to the database's `clock_timestamp()` by a write (e.g. `updated_at`, `deleted_at`). */
const stamp = z.array(ident).default([])
export const insertInput = z.object({ ...at, row, stamp, onConflict: ident.optional() })
export const updateInput = z.object({ ...at, id: z.string(), row, stamp })
export const deleteInput = z.object({ ...at, id: z.string() })

export type ReadInput = z.infer<typeof readInput>
export interface ReadOutput {
  records: SourceRecord[]
  more: boolean
}

type Ctx = ActionContext<PostgresConnection>
type Query = (ctx: Ctx, text: string, values: unknown[], what: string) => Promise<pg.QueryResult>

const US = `(extract(epoch from %)*1000000)::bigint`
const micros = (col: string) => US.replace('%', col)
/** A `(modifiedAt ms, fraction = µs)` number as a timestamptz expression on parameter `$n`. */
const fromMs = (n: number) => `(timestamptz 'epoch' + interval '1 microsecond' * $${n}::bigint)`
const toMicros = (ms: number) => String(Math.round(ms * 1000))

/** Plain-JSON values: dates as ISO strings, buffers as base64. */
function plain(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString()
  if (Buffer.isBuffer(v)) return v.toString('base64')
  return v
}

function toRecord(r: Record<string, unknown>, key: string, deletedColumn: string | undefined): SourceRecord {
  const { __pw_us, ...cols } = r
  const fields = Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, plain(v)]))
  const deleted = deletedColumn !== undefined && cols[deletedColumn] !== null && cols[deletedColumn] !== undefined
  return { id: String(cols[key]), modifiedAt: Number(__pw_us) / 1000, fields, ...(deleted ? { deleted: true } : {}) }
}

function tableOf(i: { table: string; schema?: string | undefined }, ctx: Ctx): string {
  return quoteTable(i.table, i.schema ?? ctx.connection.schema)
}

function select(i: { table: string; schema?: string | undefined; modifiedColumn: string }, ctx: Ctx) {
  return `SELECT *, ${micros(quoteIdent(i.modifiedColumn))} AS __pw_us FROM ${tableOf(i, ctx)}`
}

function assignments(row: Record<string, unknown>, stampCols: string[], values: unknown[]) {
  const sets = Object.entries(row).map(([c, v]) => `${quoteIdent(c)} = $${values.push(encode(v))}`)
  for (const c of stampCols) if (!(c in row)) sets.push(`${quoteIdent(c)} = clock_timestamp()`)
  return sets
}

function encode(v: unknown): unknown {
  if (v === undefined) return null
  if (v !== null && typeof v === 'object' && !(v instanceof Date) && !Buffer.isBuffer(v)) return JSON.stringify(v)
  return v
}

/** The row actions, given the connector's query function (its pools and error mapping). */
export function rowActions(query: Query): Record<string, ActionDefinition<PostgresConnection, any, any>> {
  const read: ActionDefinition<PostgresConnection, ReadInput, ReadOutput> = {
    input: readInput as z.ZodType<ReadInput>,
    run: async (i, ctx) => {
      const m = quoteIdent(i.modifiedColumn)
      const values: unknown[] = []
      const where: string[] = [`${m} IS NOT NULL`]
      if (i.after)
        where.push(
          `(${m}, ${quoteIdent(i.key)}::text) > (${fromMs(values.push(toMicros(i.after.modifiedAt)))}, $${values.push(i.after.id)})`,
        )
      if (i.settleMs > 0) where.push(`${m} <= clock_timestamp() - interval '1 millisecond' * $${values.push(i.settleMs)}`)
      const text = `${select(i, ctx)} WHERE ${where.join(' AND ')} ORDER BY ${m}, ${quoteIdent(i.key)}::text LIMIT ${i.limit + 1}`
      const res = await query(ctx, text, values, `postgres.read from ${i.table}`)
      const rows = res.rows.slice(0, i.limit)
      return { records: rows.map((r) => toRecord(r, i.key, i.deletedColumn)), more: res.rows.length > i.limit }
    },
  }
  const scan: ActionDefinition<PostgresConnection, z.infer<typeof scanInput>, ReadOutput> = {
    input: scanInput as never,
    run: async (i, ctx) => {
      const k = `${quoteIdent(i.key)}::text`
      const values: unknown[] = []
      const where = ['TRUE']
      if (i.deletedColumn) where.push(`${quoteIdent(i.deletedColumn)} IS NULL`)
      if (i.afterKey !== undefined && i.afterKey !== null) where.push(`${k} > $${values.push(i.afterKey)}`)
      const text = `${select(i, ctx)} WHERE ${where.join(' AND ')} ORDER BY ${k} LIMIT ${i.limit + 1}`
      const res = await query(ctx, text, values, `postgres.scan of ${i.table}`)
      const rows = res.rows.slice(0, i.limit)
      return { records: rows.map((r) => toRecord(r, i.key, i.deletedColumn)), more: res.rows.length > i.limit }
    },
  }
  const get: ActionDefinition<PostgresConnection, z.infer<typeof getInput>, SourceRecord[]> = {
    input: getInput as never,
    run: async (i, ctx) => {
      if (i.ids.length === 0) return []
      const text = `${select(i, ctx)} WHERE ${quoteIdent(i.key)}::text = ANY($1::text[])`
      const res = await query(ctx, text, [i.ids], `postgres.get from ${i.table}`)
      return res.rows.map((r) => toRecord(r, i.key, i.deletedColumn))
    },
  }
  const insert: ActionDefinition<PostgresConnection, z.infer<typeof insertInput>, { id: string; created: boolean }> = {
    input: insertInput as never,
    run: async (i, ctx) => {
      const values: unknown[] = []
      const cols = Object.keys(i.row).map(quoteIdent)
      const vals = Object.values(i.row).map((v) => `$${values.push(encode(v))}`)
      for (const c of i.stamp)
        if (!(c in i.row)) {
          cols.push(quoteIdent(c))
          vals.push('clock_timestamp()')
        }
      let conflict = ''
      if (i.onConflict) {
        if (i.row[i.onConflict] === undefined || i.row[i.onConflict] === null)
          throw new NonRetryableError(`postgres.insert into ${i.table}: onConflict column ${i.onConflict} has no value in row`)
        const sets = cols.filter((c) => c !== quoteIdent(i.onConflict!)).map((c) => `${c} = EXCLUDED.${c}`)
        conflict = ` ON CONFLICT (${quoteIdent(i.onConflict)}) DO UPDATE SET ${sets.join(', ') || `${quoteIdent(i.onConflict)} = EXCLUDED.${quoteIdent(i.onConflict)}`}`
      }
      const body = cols.length ? `(${cols.join(', ')}) VALUES (${vals.join(', ')})` : 'DEFAULT VALUES'
      const text = `INSERT INTO ${tableOf(i, ctx)} ${body}${conflict} RETURNING ${quoteIdent(i.key)}::text AS id, (xmax = 0) AS created`
      const res = await query(ctx, text, values, `postgres.insert into ${i.table}`)
      const r = res.rows[0] as { id: string; created: boolean }
      return { id: r.id, created: r.created }
    },
  }
  const update: ActionDefinition<PostgresConnection, z.infer<typeof updateInput>, { id: string }> = {
    input: updateInput as never,
    run: async (i, ctx) => {
      const values: unknown[] = []
      const sets = assignments(i.row, i.stamp, values)
      if (sets.length === 0) return { id: i.id }
      const text = `UPDATE ${tableOf(i, ctx)} SET ${sets.join(', ')} WHERE ${quoteIdent(i.key)}::text = $${values.push(i.id)}`
      const res = await query(ctx, text, values, `postgres.update of ${i.table}`)
      if (res.rowCount === 0) throw new NonRetryableError(`postgres.update of ${i.table}: no row with ${i.key} = ${i.id}`, { status: 404 })
      return { id: i.id }
    },
  }
  const del: ActionDefinition<PostgresConnection, z.infer<typeof deleteInput>, { id: string; deleted: boolean }> = {
    input: deleteInput as never,
    run: async (i, ctx) => {
      const text = `DELETE FROM ${tableOf(i, ctx)} WHERE ${quoteIdent(i.key)}::text = $1`
      const res = await query(ctx, text, [i.id], `postgres.delete from ${i.table}`)
      return { id: i.id, deleted: (res.rowCount ?? 0) > 0 }
    },
  }
  return { read, scan, get, insert, update, delete: del }
}
