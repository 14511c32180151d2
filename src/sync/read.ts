/**
 * The reading half of a pass: what changed on each side since its cursor (or everything, for
 * drift repair), and the current state of records the pass needs but did not read.
 * @module
 */
import type { SourceCursor, SourceRecord } from '../sources/contract.js'
import type { SyncSide } from './side.js'
import type { SyncSideName } from './types.js'

export interface SideRead {
  records: Map<string, SourceRecord>
  /** Cursor after the last record read (unchanged when nothing new; null in repair mode). */
  cursor: SourceCursor | null
  /** More changes wait after this pass's cap. */
  more: boolean
}

/** Changes after the cursor, page after page, at most `max` records; the latest version of each id kept. */
export async function readChanges(
  side: SyncSide,
  cursor: SourceCursor | null,
  options: { max: number; pageSize?: number; signal?: AbortSignal },
): Promise<SideRead> {
  const records = new Map<string, SourceRecord>()
  let at = cursor
  let count = 0
  for (;;) {
    options.signal?.throwIfAborted()
    const page = await side.source.readChanges(at, { ...(options.pageSize ? { limit: options.pageSize } : {}), signal: options.signal })
    for (const r of page.records) {
      const prev = records.get(r.id)
      if (!prev || prev.modifiedAt <= r.modifiedAt) records.set(r.id, r)
    }
    count += page.records.length
    at = page.cursor ?? at
    if (!page.more) return { records, cursor: at, more: false }
    if (count >= options.max) return { records, cursor: at, more: true }
    if (page.records.length === 0) return { records, cursor: at, more: true }
  }
}

/** Every live record of a side (drift repair). */
export async function scanAll(side: SyncSide, options: { pageSize?: number; signal?: AbortSignal }): Promise<SideRead> {
  const records = new Map<string, SourceRecord>()
  for await (const page of side.source.scan({ ...(options.pageSize ? { limit: options.pageSize } : {}), signal: options.signal })) {
    for (const r of page) records.set(r.id, r)
  }
  return { records, cursor: null, more: false }
}

/** Fetch records by id in chunks; absent ids are missing from the map (deleted). */
export async function fetchRecords(
  side: SyncSide,
  ids: readonly string[],
  signal?: AbortSignal,
  chunk = 100,
): Promise<Map<string, SourceRecord>> {
  const out = new Map<string, SourceRecord>()
  for (let i = 0; i < ids.length; i += chunk) {
    const got = await side.source.get(ids.slice(i, i + chunk), signal ? { signal } : {})
    for (const r of got) if (!r.deleted) out.set(r.id, r)
  }
  return out
}

export const SIDES: readonly SyncSideName[] = ['a', 'b']
export const other = (s: SyncSideName): SyncSideName => (s === 'a' ? 'b' : 'a')
