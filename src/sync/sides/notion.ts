/**
 * The Notion pages side: `notion:<connection>/<data source id>` — the pages of one data source,
 * their properties as plain values under the property names, and their content as markdown
 * under `body` (option `body`; `null` leaves content alone). Read by `last_edited_time`
 * (oldest first, Notion's query cursor inside a read), written with the connector's
 * `records.write` (properties by the data source's schema, content as the smallest block
 * change), archived by moving the page to the trash. Every request is paced at Notion's
 * average of 3 per second through the connection's limiter.
 *
 * Reads look back `lookbackMs` (default 60 s) before the cursor, because Notion reports
 * `last_edited_time` to the minute: a page edited twice in one minute is read again, and the
 * engine's echo check drops what did not change. Trashed pages are not listed by Notion's
 * query: a deletion in Notion is seen by the drift repair (`schedule.repair`), or a nudge.
 *
 * @example
 * ```ts
 * sides: { a: 'folder:./knowledge', b: { side: 'notion:kb/1f6e…d5d1', matchKeys: ['Name'] } }
 * ```
 * @module
 */
import { z } from 'zod'
import { markdownModule, markdownNow } from '../../connectors/notion/markdown/lazy.js'
import type { SourceCursor, SourceRecord } from '../../sources/contract.js'
import type { SideKind, SyncSide } from '../side.js'

const notionOptions = z
  .object({
    /** Field holding the page content as markdown; null: content is not synced. @defaultValue 'body' */
    body: z.string().min(1).nullable().default('body'),
    /** Property names (for validation); the body field is added. */
    fields: z.array(z.string()).optional(),
    /** Properties whose value names one page (title, email…): creates find an existing page by them. */
    matchKeys: z.array(z.string()).default([]),
    /** Pages read per request of a read (each also reads its content). @defaultValue 25 */
    pageSize: z.number().int().min(1).max(100).default(25),
    /** How far before the cursor a read looks (Notion's minute-rounded timestamps). @defaultValue 60000 */
    lookbackMs: z.number().int().min(0).default(60_000),
  })
  .strict()
export type NotionSideOptions = z.infer<typeof notionOptions>

/** The read position: the engine's `(modifiedAt, id)` plus Notion's query cursor while a read pages. */
interface NotionCursor extends SourceCursor {
  since?: number | null
  next?: string
}

interface QueryOut {
  records: SourceRecord[]
  nextCursor: string | null
  hasMore: boolean
}

export const notionSide: SideKind<NotionSideOptions> = {
  kind: 'notion',
  // a knowledge base changes slowly, and Notion allows 3 requests a second: every 15 minutes
  defaultEveryMs: 15 * 60_000,
  options: notionOptions as never,
  knownFields: (spec) => (spec.options.fields ? [...spec.options.fields, ...(spec.options.body ? [spec.options.body] : [])] : null),
  supports: { archive: true },
  create(spec, ctx): SyncSide {
    const o = spec.options
    const ref = `notion:${spec.connection}/${spec.object}`
    const conn = spec.connection === 'default' ? {} : { connection: spec.connection }
    const at = { dataSourceId: spec.object, bodyField: o.body }
    const invoke = (action: string, input: Record<string, unknown>, signal?: AbortSignal) =>
      ctx.invoke(`notion.${action}`, input, { ...conn, ...(signal ? { signal } : {}) })
    // The markdown conversion loads now, in the background; every read awaits it, so `normalize`
    // (synchronous) finds it loaded.
    const markdown = markdownModule()
    const query = async (input: Record<string, unknown>, signal?: AbortSignal) => {
      await markdown
      return (await invoke('records.query', { ...at, pageSize: o.pageSize, ...input }, signal)) as QueryOut
    }
    return {
      ref,
      fields: notionSide.knownFields!(spec),
      matchKeys: o.matchKeys,
      normalize: (field, value) => (field === o.body && typeof value === 'string' ? markdownNow().notionRoundTrip(value) : value),
      source: {
        ref,
        async readChanges(cursor, options) {
          const c = cursor as NotionCursor | null
          const since = c?.next ? (c.since ?? null) : c ? Math.max(0, c.modifiedAt - o.lookbackMs) : null
          const out = await query(
            { since, ...(c?.next ? { startCursor: c.next } : {}), ...(options?.limit ? { pageSize: Math.min(options.limit, 100) } : {}) },
            options?.signal,
          )
          const last = out.records[out.records.length - 1]
          const position = last ? { modifiedAt: last.modifiedAt, id: last.id } : c ? { modifiedAt: c.modifiedAt, id: c.id } : null
          if (!position) return { records: out.records, cursor: null, more: false }
          const next: NotionCursor = out.hasMore && out.nextCursor ? { ...position, since, next: out.nextCursor } : position
          return { records: out.records, cursor: next, more: Boolean(out.hasMore && out.nextCursor) }
        },
        async *scan(options) {
          let next: string | undefined
          do {
            const out = await query({ ...(next ? { startCursor: next } : {}) }, options?.signal)
            yield out.records
            next = out.hasMore && out.nextCursor ? out.nextCursor : undefined
          } while (next)
        },
        get: async (ids, options) => {
          await markdown
          return (await invoke('records.get', { bodyField: o.body, ids }, options?.signal)) as SourceRecord[]
        },
      },
      create: (fields, { upsertOn }) => ({
        ref: 'notion.records.write',
        ...conn,
        input: { ...at, fields, ...(upsertOn ? { upsertOn } : {}) },
      }),
      update: (id, fields) => ({ ref: 'notion.records.write', ...conn, input: { ...at, pageId: id, fields } }),
      archive: (id) => ({ ref: 'notion.records.archive', ...conn, input: { pageId: id } }),
      createdId: (out) => String((out as { id: string }).id),
    }
  },
}
