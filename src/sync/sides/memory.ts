/**
 * The in-memory side: tables of records held by a `memory` connector, read and written through
 * the gateway like any provider. For tests of syncs (yours and ours) and for trying a sync
 * definition offline: `memory:<connection>/<table>`.
 *
 * Each table stamps `modifiedAt` from its clock, strictly increasing per table (so the
 * `(modifiedAt, id)` cursor never misses a write), optionally offset by `skewMs` to model a
 * provider whose clock runs ahead or behind. Tombstones of deleted records are kept so
 * `readChanges` reports deletions. Test code edits a table directly (`put`, `patch`, `remove`);
 * syncs edit it through the connector's actions, which count as `writes`.
 *
 * @example
 * ```ts
 * const crm = new MemoryTable('customers', clock)
 * const gateway = createGateway({ connectors: [memoryConnector({ customers: crm })], connections: { memory: { default: {} } }, store, clock })
 * crm.put({ email: 'ann@acme.com' })            // a user's edit
 * // sync side `memory:default/customers`
 * ```
 * @module
 */
import { z } from 'zod'
import { type ActionDefinition, type ConnectorDefinition, defineConnector } from '../../connectors/contract.js'
import { NonRetryableError } from '../../errors.js'
import type { SourceCursor, SourcePage, SourceRecord } from '../../sources/contract.js'
import type { Clock } from '../../types.js'
import type { SideKind, SyncSide } from '../side.js'

interface Row {
  id: string
  modifiedAt: number
  fields: Record<string, unknown>
  deleted: boolean
}

/** One write a sync made through the connector. */
export interface MemoryWrite {
  op: 'create' | 'update' | 'delete' | 'archive'
  id: string
  fields?: Record<string, unknown>
}

export class MemoryTable {
  readonly #rows = new Map<string, Row>()
  #last = 0
  #nextId = 1
  /** Writes made through the connector (by syncs), oldest first. */
  readonly writes: MemoryWrite[] = []
  /**
   * A write the table refuses (tests of failures): return an Error for it, thrown as that write's
   * own failure (a batch's other writes go through).
   */
  refuse: ((w: Omit<MemoryWrite, 'id'> & { id?: string }) => Error | null | undefined) | null = null

  constructor(
    readonly name: string,
    private readonly clock: Pick<Clock, 'now'>,
    private readonly options: { skewMs?: number; idPrefix?: string } = {},
  ) {}

  #stamp(): number {
    this.#last = Math.max(this.clock.now() + (this.options.skewMs ?? 0), this.#last + 1)
    return this.#last
  }

  /** Insert a record (a user's edit); returns its id. */
  put(fields: Record<string, unknown>, id?: string): string {
    const rid = id ?? `${this.options.idPrefix ?? this.name}-${this.#nextId++}`
    this.#rows.set(rid, { id: rid, modifiedAt: this.#stamp(), fields: { ...fields }, deleted: false })
    return rid
  }

  /** Change fields of a live record (a user's edit); false when it is missing. */
  patch(id: string, fields: Record<string, unknown>): boolean {
    const row = this.#rows.get(id)
    if (!row || row.deleted) return false
    row.fields = { ...row.fields, ...fields }
    row.modifiedAt = this.#stamp()
    return true
  }

  /** Delete a record, keeping a tombstone that `readChanges` reports. */
  remove(id: string): boolean {
    const row = this.#rows.get(id)
    if (!row || row.deleted) return false
    row.deleted = true
    row.modifiedAt = this.#stamp()
    return true
  }

  /**
   * Edits the change feed does not report — a bulk UPDATE that leaves `updated_at` alone, a row
   * restored from a backup with its old time, a hard DELETE without a tombstone — so only a full
   * scan (a drift repair) sees them. For tests of drift repair.
   */
  readonly quietly = {
    /** Insert a record stamped before every cursor. */
    put: (fields: Record<string, unknown>, id?: string): string => {
      const rid = id ?? `${this.options.idPrefix ?? this.name}-${this.#nextId++}`
      this.#rows.set(rid, { id: rid, modifiedAt: 0, fields: { ...fields }, deleted: false })
      return rid
    },
    /** Change fields, keeping the record's modification time. */
    patch: (id: string, fields: Record<string, unknown>): boolean => {
      const row = this.#rows.get(id)
      if (!row || row.deleted) return false
      row.fields = { ...row.fields, ...fields }
      return true
    },
    /** Remove a record leaving no tombstone. */
    remove: (id: string): boolean => this.#rows.delete(id),
  }

  /** A live record's fields, or undefined. */
  read(id: string): Record<string, unknown> | undefined {
    const row = this.#rows.get(id)
    return row && !row.deleted ? { ...row.fields } : undefined
  }

  /** A live record as its source reports it, or undefined. */
  record(id: string): SourceRecord | undefined {
    const row = this.#rows.get(id)
    return row && !row.deleted ? toRecord(row) : undefined
  }

  /** Every live record. */
  live(): SourceRecord[] {
    return [...this.#rows.values()].filter((r) => !r.deleted).map(toRecord)
  }

  /** Live records whose `field` equals `value`. */
  find(field: string, value: unknown): SourceRecord[] {
    return this.live().filter((r) => r.fields[field] === value)
  }

  changes(cursor: SourceCursor | null, limit: number): SourcePage {
    const sorted = [...this.#rows.values()]
      .filter((r) => !cursor || r.modifiedAt > cursor.modifiedAt || (r.modifiedAt === cursor.modifiedAt && r.id > cursor.id))
      .sort((x, y) => x.modifiedAt - y.modifiedAt || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))
    const page = sorted.slice(0, limit)
    const last = page[page.length - 1]
    return {
      records: page.map(toRecord),
      cursor: last ? { modifiedAt: last.modifiedAt, id: last.id } : cursor,
      more: sorted.length > limit,
    }
  }

  /** Apply a sync's write (the connector's actions). */
  apply(w: Omit<MemoryWrite, 'id'> & { id?: string; upsertOn?: string }): { id: string; created: boolean } {
    const refused = this.refuse?.(w)
    if (refused) throw refused
    if (w.op === 'create') {
      const existing = w.upsertOn !== undefined ? this.find(w.upsertOn, w.fields?.[w.upsertOn])[0] : undefined
      if (existing) {
        this.patch(existing.id, w.fields ?? {})
        this.writes.push({ op: 'update', id: existing.id, fields: w.fields })
        return { id: existing.id, created: false }
      }
      const id = this.put(w.fields ?? {})
      this.writes.push({ op: 'create', id, fields: w.fields })
      return { id, created: true }
    }
    const id = w.id ?? ''
    const ok = w.op === 'update' ? this.patch(id, w.fields ?? {}) : this.remove(id)
    if (!ok && w.op === 'update') throw new NonRetryableError(`memory ${this.name}: record ${id} not found`, { status: 404 })
    this.writes.push({ op: w.op, id, ...(w.fields ? { fields: w.fields } : {}) })
    return { id, created: false }
  }
}

function toRecord(r: Row): SourceRecord {
  return { id: r.id, modifiedAt: r.modifiedAt, fields: { ...r.fields }, ...(r.deleted ? { deleted: true } : {}) }
}

const writeInput = z.object({
  table: z.string(),
  id: z.string().optional(),
  fields: z.record(z.string(), z.unknown()).optional(),
  upsertOn: z.string().optional(),
})
type WriteInput = z.infer<typeof writeInput>

/** The `memory` connector over some tables (by name). Writes may be coalesced (batch of 100). */
export function memoryConnector(tables: Record<string, MemoryTable>): ConnectorDefinition<Record<string, unknown>> {
  const table = (name: string) => {
    const t = tables[name]
    if (!t) throw new NonRetryableError(`memory: no table "${name}"; tables: ${Object.keys(tables).join(', ')}`)
    return t
  }
  const write = (op: MemoryWrite['op']): ActionDefinition<Record<string, unknown>, WriteInput, unknown> => ({
    input: writeInput,
    batch: {
      maxSize: 100,
      windowMs: 5,
      key: (i) => i.table,
      run: async (inputs) =>
        inputs.map((i) => {
          try {
            return table(i.table).apply({ op, ...i })
          } catch (e) {
            return e as Error
          }
        }),
    },
    run: async (i) => table(i.table).apply({ op, ...i }),
  })
  const read = z.object({
    table: z.string(),
    cursor: z.object({ modifiedAt: z.number(), id: z.string() }).nullable().optional(),
    ids: z.array(z.string()).optional(),
    limit: z.number().int().positive().default(100),
  })
  return defineConnector<Record<string, unknown>>({
    id: 'memory',
    connection: z.record(z.string(), z.unknown()) as never,
    actions: {
      create: write('create'),
      update: write('update'),
      delete: write('delete'),
      archive: write('archive'),
      changes: { input: read as never, run: async (i: z.infer<typeof read>) => table(i.table).changes(i.cursor ?? null, i.limit) },
      get: {
        input: read as never,
        run: async (i: z.infer<typeof read>) =>
          (i.ids ?? []).flatMap((id) => {
            const r = table(i.table).record(id)
            return r ? [r] : []
          }),
      },
      scan: { input: read as never, run: async (i: z.infer<typeof read>) => table(i.table).live() },
    },
  })
}

const memoryOptions = z.object({ fields: z.array(z.string()).optional(), matchKeys: z.array(z.string()).default([]) }).strict()

/** The `memory` side kind: `memory:<connection>/<table>`, options `{ fields?, matchKeys? }`. */
export const memorySide: SideKind<z.infer<typeof memoryOptions>> = {
  kind: 'memory',
  options: memoryOptions as never,
  knownFields: (spec) => spec.options.fields ?? null,
  supports: { delete: true, archive: true },
  create(spec, ctx): SyncSide {
    const conn = spec.connection === 'default' ? {} : { connection: spec.connection }
    const at = { table: spec.object }
    const invoke = (ref: string, input: Record<string, unknown>, signal?: AbortSignal) =>
      ctx.invoke(`memory.${ref}`, { ...at, ...input }, { ...conn, ...(signal ? { signal } : {}) })
    return {
      ref: `memory:${spec.connection}/${spec.object}`,
      fields: spec.options.fields ?? null,
      matchKeys: spec.options.matchKeys,
      source: {
        ref: `memory:${spec.connection}/${spec.object}`,
        readChanges: async (cursor, o) => (await invoke('changes', { cursor, limit: o?.limit ?? 100 }, o?.signal)) as SourcePage,
        async *scan(o) {
          const all = (await invoke('scan', {}, o?.signal)) as SourceRecord[]
          const size = o?.limit ?? 100
          for (let i = 0; i < all.length; i += size) yield all.slice(i, i + size)
        },
        get: async (ids, o) => (await invoke('get', { ids }, o?.signal)) as SourceRecord[],
      },
      create: (fields, { upsertOn }) => ({ ref: 'memory.create', ...conn, input: { ...at, fields, ...(upsertOn ? { upsertOn } : {}) } }),
      update: (id, fields) => ({ ref: 'memory.update', ...conn, input: { ...at, id, fields } }),
      delete: (id) => ({ ref: 'memory.delete', ...conn, input: { ...at, id } }),
      archive: (id) => ({ ref: 'memory.archive', ...conn, input: { ...at, id } }),
      createdId: (out) => String((out as { id: string }).id),
    }
  },
}
