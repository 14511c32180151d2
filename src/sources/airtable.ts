/**
 * The Airtable record source: one table read by `filterByFormula` on `LAST_MODIFIED_TIME()`,
 * sorted ascending by the table's "Last modified time" field (option `modifiedField`, default
 * `Last Modified`), which is also where each record's `modifiedAt` comes from — Airtable
 * returns no modification time otherwise, so the table must have such a field.
 *
 * A read asks for records not before `cursor.modifiedAt - lookbackMs` (equal timestamps and
 * Airtable's second-rounded formula times are read again; readers dedupe on
 * `(id, modifiedAt)`), 100 a page, and follows Airtable's `offset` across `readChanges` calls
 * (kept in the cursor). An offset Airtable no longer knows (`LIST_RECORDS_ITERATOR_NOT_AVAILABLE`,
 * after records moved) restarts the read from the last record seen. Every call goes through
 * `airtable.records.list` on the gateway (5 requests a second per base).
 * @module
 */
import type { AirtableRecord, ListOutput } from '../connectors/airtable/action-list.js'
import { NonRetryableError } from '../errors.js'
import type { RecordSource, SourceContext, SourceCursor, SourceRecord } from './contract.js'

export interface AirtableSourceOptions {
  /** Named connection of the `airtable` connector. @defaultValue 'default' */
  connection?: string
  /** Base id (`app…`). */
  base: string
  /** Table name or id. */
  table: string
  /** The table's "Last modified time" field. @defaultValue 'Last Modified' */
  modifiedField?: string
  /** Only these fields (plus the modified field); every field when absent. */
  fields?: readonly string[]
  /** How far before the cursor a read looks again. @defaultValue 1000 */
  lookbackMs?: number
}

/** The read position plus Airtable's list offset while one read pages. */
interface AirtableCursor extends SourceCursor {
  since?: number | null
  offset?: string
}

export function createAirtableSource(o: AirtableSourceOptions, ctx: SourceContext): RecordSource {
  const connection = o.connection ?? 'default'
  const mod = o.modifiedField ?? 'Last Modified'
  const lookbackMs = o.lookbackMs ?? 1000
  const conn = connection === 'default' ? {} : { connection }
  const fields = o.fields ? [...new Set([...o.fields, mod])] : undefined
  const list = async (input: Record<string, unknown>, signal?: AbortSignal) =>
    (await ctx.invoke(
      'airtable.records.list',
      { base: o.base, table: o.table, ...(fields ? { fields } : {}), ...input },
      { ...conn, ...(signal ? { signal } : {}) },
    )) as ListOutput

  const toRecord = (r: AirtableRecord): SourceRecord => {
    const { [mod]: stamp, ...rest } = r.fields
    const t = typeof stamp === 'string' ? Date.parse(stamp) : Number.NaN
    // a "Last modified time" field is never empty: without it the cursor cannot move, and changes would be lost
    if (!Number.isFinite(t))
      throw new NonRetryableError(
        `Airtable ${o.base}/${o.table}: record ${r.id} has no time in field "${mod}"; add a "Last modified time" field to the table, or name yours with option modifiedField`,
      )
    return { id: r.id, modifiedAt: t, fields: rest }
  }
  const changed = (since: number | null, pageSize: number, offset: string | undefined, signal?: AbortSignal) =>
    list(
      {
        ...(since !== null ? { filterByFormula: `NOT(IS_BEFORE(LAST_MODIFIED_TIME(), '${new Date(since).toISOString()}'))` } : {}),
        sort: [{ field: mod, direction: 'asc' }],
        pageSize,
        ...(offset ? { offset } : {}),
      },
      signal,
    )

  return {
    ref: `airtable:${connection}/${o.base}/${o.table}`,
    async readChanges(cursor, options) {
      const c = cursor as AirtableCursor | null
      const pageSize = Math.min(options?.limit ?? 100, 100)
      let since = c?.offset ? (c.since ?? null) : c ? Math.max(0, c.modifiedAt - lookbackMs) : null
      let out: ListOutput
      try {
        out = await changed(since, pageSize, c?.offset, options?.signal)
      } catch (e) {
        if (!c?.offset || !/ITERATOR_NOT_AVAILABLE|iterator/i.test(String((e as Error).message))) throw e
        since = Math.max(0, c.modifiedAt - lookbackMs)
        out = await changed(since, pageSize, undefined, options?.signal)
      }
      const records = out.records.map(toRecord).sort((x, y) => x.modifiedAt - y.modifiedAt || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))
      const last = records[records.length - 1]
      const position = last ? { modifiedAt: last.modifiedAt, id: last.id } : c ? { modifiedAt: c.modifiedAt, id: c.id } : null
      if (!position) return { records, cursor: null, more: false }
      if (out.offset) return { records, cursor: { ...position, since, offset: out.offset } as AirtableCursor, more: true }
      return { records, cursor: position, more: false }
    },
    async *scan(options) {
      let offset: string | undefined
      do {
        const out = await list({ pageSize: Math.min(options?.limit ?? 100, 100), ...(offset ? { offset } : {}) }, options?.signal)
        if (out.records.length) yield out.records.map(toRecord)
        offset = out.offset
      } while (offset)
    },
    async get(ids, options) {
      const out: SourceRecord[] = []
      // Airtable has no batch read: ask by RECORD_ID() in groups through the list
      for (let i = 0; i < ids.length; i += 50) {
        const group = ids.slice(i, i + 50)
        const formula = `OR(${group.map((id) => `RECORD_ID() = '${id.replace(/'/g, "\\'")}'`).join(', ')})`
        let offset: string | undefined
        do {
          const page = await list({ filterByFormula: formula, ...(offset ? { offset } : {}) }, options?.signal)
          out.push(...page.records.map(toRecord))
          offset = page.offset
        } while (offset)
      }
      return out
    },
  }
}
