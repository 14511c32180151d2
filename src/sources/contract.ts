/**
 * The `RecordSource` contract: an incremental, cursor-based reader of one object of one
 * connection (`hubspot:main/contacts`, `airtable:ops/Leads`, `notion:kb/<data source>`,
 * `postgres:crm/customers`). Both the `poll` trigger (one event per changed record) and the
 * sync engine (DESIGN §12) read through it; neither knows a provider.
 *
 * Rules every source keeps:
 * - `readChanges` returns records strictly after the cursor in ascending `(modifiedAt, id)`
 *   order, so the last record of a page is the next cursor. `null` means "from the
 *   beginning" (the first run backfills).
 * - A page may repeat records at the cursor's boundary (at-least-once); readers dedupe on
 *   `(id, modifiedAt)`. A source never skips a record that changed after the cursor.
 * - Provider paging limits are the source's problem (HubSpot search stops at 10,000 results:
 *   the source moves its filter to the last `modifiedAt` seen instead of paging further).
 * - Every provider call goes through `ctx.invoke` (the connector gateway), so rate limits,
 *   circuits and budgets apply to reads as they do to writes.
 *
 * Times are epoch milliseconds from the provider's own clock (`hs_lastmodifieddate`,
 * `LAST_MODIFIED_TIME()`, `last_edited_time`, `updated_at`).
 *
 * @example
 * ```ts
 * const source = createHubspotSource({ connection: 'main', object: 'contacts', properties: ['email'] }, ctx)
 * let cursor = null
 * for (;;) {
 *   const page = await source.readChanges(cursor, { limit: 100 })
 *   for (const r of page.records) handle(r)
 *   cursor = page.cursor
 *   if (!page.more) break
 * }
 * ```
 * @module
 */
import type { Clock } from '../types.js'

/** One record as its source sees it. */
export interface SourceRecord {
  /** The provider's own id (HubSpot object id, Airtable record id, Notion page id, the row's primary key as text). */
  id: string
  /** Provider modification time, epoch ms. */
  modifiedAt: number
  /** Field values under the provider's field names, as plain JSON. */
  fields: Record<string, unknown>
  /** The record was deleted or archived (only sources that can see tombstones report them). */
  deleted?: boolean
}

/** Position after the last record read: every later record sorts after `(modifiedAt, id)`. JSON-serialisable, stored as is. */
export interface SourceCursor {
  modifiedAt: number
  id: string
}

export interface SourcePage {
  records: SourceRecord[]
  /** Cursor after this page; equals the input cursor when nothing new was read. */
  cursor: SourceCursor | null
  /** More records are waiting after this page (read again at once). */
  more: boolean
}

export interface ReadOptions {
  /** Most records per page. @defaultValue the source's natural page size */
  limit?: number
  signal?: AbortSignal
}

export interface RecordSource {
  /** `<connector>:<connection>/<object>`, e.g. `hubspot:main/contacts`; names cursors and metrics. */
  readonly ref: string
  /** Records modified after `cursor`, ascending by `(modifiedAt, id)`. */
  readChanges(cursor: SourceCursor | null, options?: ReadOptions): Promise<SourcePage>
  /** Every live record, page by page, in no promised order (drift repair, first matching). */
  scan(options?: ReadOptions): AsyncIterable<SourceRecord[]>
  /** The current state of these records; absent ids are missing from the result (deleted). */
  get(ids: string[], options?: ReadOptions): Promise<SourceRecord[]>
}

/** What a source is built with: a way to call its connector's actions through the gateway. */
export interface SourceContext {
  /**
   * Execute `<connector>.<action>` with `input` on `connection` through the gateway (limits,
   * circuit, budget); resolves with the action's output. The caller decides which run the
   * calls are attributed to.
   */
  invoke(ref: string, input: unknown, options?: { connection?: string; signal?: AbortSignal }): Promise<unknown>
  clock: Clock
}
