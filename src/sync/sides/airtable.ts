/**
 * The Airtable side: `airtable:<connection>/<base>/<table>` — or `airtable:<connection>/<table>`
 * with option `base` (DESIGN §12's `airtable:ops/Leads`). Reads by `LAST_MODIFIED_TIME()`
 * (src/sources/airtable.ts; the table needs a "Last modified time" field, option
 * `modifiedField`); writes one record per call as `airtable.records.create|update|upsert`, which
 * the gateway batches into Airtable requests of 10 records. Creates with a match key are upserts
 * (`performUpsert` on that field), so a retried create never duplicates.
 *
 * Deletes (`deletes: propagate` towards this side) are `airtable.records.delete`, batched 10 a
 * request. Airtable's list shows no deleted records, so a deletion made in Airtable is found only
 * by drift repair (`get` no longer returns the record). No archive.
 *
 * @example
 * ```yaml
 * sides:
 *   b: { side: 'airtable:ops/Leads', base: appXXXXXXXXXXXXXX, matchKeys: [Email] }
 * ```
 * @module
 */
import { z } from 'zod'
import { createAirtableSource } from '../../sources/airtable.js'
import type { SideKind, SideWrite, SyncSide } from '../side.js'

const airtableOptions = z
  .object({
    /** Base id, when the reference names only the table. */
    base: z.string().min(1).optional(),
    /** The table's "Last modified time" field. @defaultValue 'Last Modified' */
    modifiedField: z.string().min(1).default('Last Modified'),
    /** Field names (for validation). */
    fields: z.array(z.string().min(1)).optional(),
    /** Fields whose value names one record: creates upsert on them. */
    matchKeys: z.array(z.string().min(1)).default([]),
    /** How far before the cursor a read looks again. @defaultValue 1000 */
    lookbackMs: z.number().int().min(0).default(1000),
    /** Let Airtable convert values (new select options, numbers from text). @defaultValue false */
    typecast: z.boolean().default(false),
    /** Poll triggers: fields to read (every field when absent). */
    properties: z.array(z.string().min(1)).optional(),
  })
  .strict()
export type AirtableSideOptions = z.infer<typeof airtableOptions>

/** Base and table of a side: `<base>/<table>`, or `<table>` with the `base` option. */
export function airtableTarget(object: string, base: string | undefined): { base: string; table: string } {
  const slash = object.indexOf('/')
  if (slash > 0) return { base: object.slice(0, slash), table: object.slice(slash + 1) }
  if (!base) throw new Error(`airtable side: "${object}" names no base; write airtable:<connection>/<base>/<table> or give option base`)
  return { base, table: object }
}

export const airtableSide: SideKind<AirtableSideOptions> = {
  kind: 'airtable',
  options: airtableOptions as never,
  knownFields: (spec) => spec.options.fields ?? null,
  supports: { delete: true },
  create(spec, ctx): SyncSide {
    const o = spec.options
    const { base, table } = airtableTarget(spec.object, o.base)
    const read = o.properties ?? (spec.fields?.length && o.fields ? [...new Set([...o.fields, ...spec.fields])] : undefined)
    const source = createAirtableSource(
      {
        connection: spec.connection,
        base,
        table,
        modifiedField: o.modifiedField,
        lookbackMs: o.lookbackMs,
        ...(read ? { fields: read } : {}),
      },
      ctx,
    )
    const conn = spec.connection === 'default' ? {} : { connection: spec.connection }
    const write = (action: string, input: Record<string, unknown>): SideWrite => ({
      ref: `airtable.records.${action}`,
      ...conn,
      input: { base, table, typecast: o.typecast, ...input },
    })
    return {
      ref: `airtable:${spec.connection}/${base}/${table}`,
      source,
      fields: o.fields ?? null,
      matchKeys: o.matchKeys,
      // Airtable omits empty fields from what it returns
      normalize: (_field, value) => (value === '' || value === false || (Array.isArray(value) && value.length === 0) ? null : value),
      create: (fields, { upsertOn }) => (upsertOn ? write('upsert', { fields, fieldsToMergeOn: [upsertOn] }) : write('create', { fields })),
      update: (id, fields) => write('update', { id, fields }),
      delete: (id) => ({ ref: 'airtable.records.delete', ...conn, input: { base, table, id } }),
      createdId: (out) => String((out as { id: string }).id),
    }
  },
}
