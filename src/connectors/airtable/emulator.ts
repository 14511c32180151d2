/**
 * The Airtable emulator: `/v0/{base}/{table}` list (GET and `POST …/listRecords`, with
 * `filterByFormula` (with `LAST_MODIFIED_TIME()`), `view`, `fields[]`, `sort`, `pageSize`, `maxRecords`, `offset` paging),
 * get, create, update (PATCH merges, PUT replaces), upsert (`performUpsert`) and delete, batches of at
 * most 10 records, `typecast`, Bearer auth, and 5 requests per second per base / 50 per token
 * with a 429 and Airtable's 30-second penalty; the metadata API (bases, tables and fields) in emulator-meta.ts. Error bodies are Airtable's:
 * `{"error":{"type","message"}}` and `{"error":"NOT_FOUND"}`.
 *
 * Uncertain details ([I] in contracts/saas-apis.md) are options: the penalty, the 429 body.
 * @module
 */
import { createEmulator, type EmulatorServer } from '../../sandbox/emulator.js'
import type { FaultConfig } from '../../sandbox/faults.js'
import { bearerToken, type EmulatorReply, type EmulatorRequest, json } from '../../sandbox/reply.js'
import { compileFilter, FormulaError } from './emulator-formula.js'
import { registerAirtableMeta } from './emulator-meta.js'
import {
  AirtableFault,
  checkFields,
  type EmuRecord,
  type FieldSpec,
  fieldsOf,
  mergeKey,
  present,
  type TableState,
} from './emulator-table.js'

export interface AirtableState {
  bases: Map<string, Map<string, TableState>>
  seq: number
  /** Base id → epoch ms until which it answers 429 (the penalty after a 429). */
  penalties: Map<string, number>
}

export interface AirtableEmulatorOptions {
  clock?: { now(): number }
  random?: () => number
  faults?: FaultConfig
  /** Accepted tokens; any non-empty Bearer token when absent. */
  tokens?: string[]
  /** Known bases and tables (with optional field schemas and seed records); any base/table is created on first use when absent. */
  bases?: Record<string, Record<string, { fields?: Record<string, FieldSpec>; records?: Array<Record<string, unknown>> }>>
  /** Requests per second per base. @defaultValue 5 */
  perBase?: number
  /** Requests per second per token. @defaultValue 50 */
  perToken?: number
  /** After a 429, the base keeps answering 429 this long. @defaultValue 30000 */
  penaltyMs?: number
  /** Base names for the metadata API (`GET /v0/meta/bases`); a base's id when absent. */
  baseNames?: Record<string, string>
}

export interface AirtableEmulator extends EmulatorServer<AirtableState> {
  /** Records of one table, as stored (empty fields kept). */
  records(base: string, table: string): EmuRecord[]
}

const err = (status: number, type: string, message: string) => json(status, { error: { type, message } })
export const AIRTABLE_429_BODY = { errors: [{ error: 'RATE_LIMIT_REACHED', message: 'Rate limit exceeded. Please try again later' }] }

export function airtableEmulator(options: AirtableEmulatorOptions = {}): AirtableEmulator {
  const penaltyMs = options.penaltyMs ?? 30_000
  const seed = (): AirtableState => {
    const state: AirtableState = { bases: new Map(), seq: 0, penalties: new Map() }
    for (const [baseId, tables] of Object.entries(options.bases ?? {})) {
      const base = new Map<string, TableState>()
      for (const [name, t] of Object.entries(tables)) {
        const table: TableState = { records: [], ...(t.fields ? { schema: structuredClone(t.fields) } : {}) }
        for (const fields of t.records ?? [])
          table.records.push({
            id: nextId(state),
            createdTime: new Date(0).toISOString(),
            modifiedTime: new Date(0).toISOString(),
            fields: { ...fields },
          })
        base.set(name, table)
      }
      state.bases.set(baseId, base)
    }
    return state
  }
  const emu = createEmulator<AirtableState>({
    service: 'airtable',
    state: seed,
    clock: options.clock,
    random: options.random,
    faults: options.faults,
    tooManyRequests: () => json(429, AIRTABLE_429_BODY),
    serverError: (_r, status) =>
      status === 503
        ? err(503, 'SERVICE_UNAVAILABLE', 'The service is temporarily unavailable.')
        : err(status, 'SERVER_ERROR', 'Try again. If the problem persists, contact support.'),
    notFound: () => json(404, { error: 'NOT_FOUND' }),
  })
  const perBase = emu.limiter(options.perBase ?? 5, 1000)
  const perToken = emu.limiter(options.perToken ?? 50, 1000)

  emu.use((req, ctx) => {
    const token = bearerToken(req)
    if (!token || (options.tokens && !options.tokens.includes(token))) return err(401, 'AUTHENTICATION_REQUIRED', 'Authentication required')
    const base = req.params.base ?? req.params.baseId ?? 'meta'
    if ((ctx.state.penalties.get(base) ?? 0) > ctx.now) return json(429, AIRTABLE_429_BODY)
    const byBase = perBase.take(base, ctx.now)
    const byToken = byBase.allowed ? perToken.take(token, ctx.now) : byBase
    if (byBase.allowed && byToken.allowed) return undefined
    if (penaltyMs > 0) ctx.state.penalties.set(base, ctx.now + penaltyMs)
    return json(429, AIRTABLE_429_BODY)
  })

  const tableOf = (state: AirtableState, req: EmulatorRequest): TableState => {
    const { base, table } = req.params
    let b = state.bases.get(base)
    if (!b) {
      if (options.bases)
        throw new AirtableFault(
          403,
          'INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND',
          'Invalid permissions, or the requested model was not found. Check that both your user and your token have the required permissions, and that the model names and/or ids are correct.',
        )
      b = new Map()
      state.bases.set(base, b)
    }
    let t = b.get(table)
    if (!t) {
      if (options.bases) throw new AirtableFault(404, 'TABLE_NOT_FOUND', `Could not find table ${table} in application ${base}`)
      t = { records: [] }
      b.set(table, t)
    }
    return t
  }

  const handle =
    (fn: (req: EmulatorRequest, state: AirtableState, now: number) => EmulatorReply) =>
    (req: EmulatorRequest, ctx: { state: AirtableState; now: number }) => {
      try {
        return fn(req, ctx.state, ctx.now)
      } catch (e) {
        if (e instanceof AirtableFault) return err(e.status, e.type, e.message)
        throw e
      }
    }

  const list = (req: EmulatorRequest, state: AirtableState, o: ListOptions) => {
    const table = tableOf(state, req)
    if (o.pageSize !== undefined && (!Number.isInteger(o.pageSize) || o.pageSize < 1 || o.pageSize > 100))
      throw new AirtableFault(422, 'INVALID_REQUEST_UNKNOWN', 'Invalid request: parameter validation failed. Check your request data.')
    let rows = table.records
    if (o.filterByFormula) {
      try {
        const keep = compileFilter(o.filterByFormula)
        rows = rows.filter((r) => keep(fieldsOf(table, r), { id: r.id, modifiedTime: r.modifiedTime }))
      } catch (e) {
        if (e instanceof FormulaError)
          throw new AirtableFault(422, 'INVALID_FILTER_BY_FORMULA', `The formula for filtering records is invalid: ${e.message}`)
        throw e
      }
    }
    if (o.sort.length) rows = [...rows].sort((a, b) => sortCompare(fieldsOf(table, a), fieldsOf(table, b), o.sort))
    if (o.maxRecords) rows = rows.slice(0, o.maxRecords)
    let start = 0
    if (o.offset) {
      const m = /^itr(\d+)\/(rec\w+)$/.exec(o.offset)
      start = m ? Number(m[1]) : -1
      if (!m || rows[start]?.id !== m[2])
        throw new AirtableFault(422, 'LIST_RECORDS_ITERATOR_NOT_AVAILABLE', 'The iterator is not available')
    }
    const size = o.pageSize ?? 100
    const page = rows.slice(start, start + size).map((r) => present(table, r, o.fields))
    const next = start + size < rows.length ? `itr${start + size}/${rows[start + size].id}` : undefined
    return json(200, next ? { records: page, offset: next } : { records: page })
  }

  // The cheapest authenticated call (`pipewright credentials test`).
  emu.route('GET', '/v0/meta/whoami', () => json(200, { id: 'usrSandbox0000000', scopes: ['data.records:read', 'data.records:write'] }))
  registerAirtableMeta(emu, options.baseNames)
  emu.route(
    'GET',
    '/v0/:base/:table',
    handle((req, state) => list(req, state, listOptionsFromQuery(req.query))),
  )
  emu.route(
    'POST',
    '/v0/:base/:table/listRecords',
    handle((req, state) => list(req, state, listOptionsFromBody(req.body))),
  )
  emu.route(
    'GET',
    '/v0/:base/:table/:id',
    handle((req, state) => {
      const table = tableOf(state, req)
      const r = table.records.find((x) => x.id === req.params.id)
      return r ? json(200, present(table, r)) : json(404, { error: 'NOT_FOUND' })
    }),
  )

  const create = (table: TableState, state: AirtableState, fields: unknown, typecast: boolean, now: number): EmuRecord => {
    const at = new Date(now).toISOString()
    const r = { id: nextId(state), createdTime: at, modifiedTime: at, fields: checkFields(table, fields, typecast) }
    table.records.push(r)
    return r
  }
  const update = (table: TableState, id: unknown, fields: unknown, typecast: boolean, replace: boolean, now: number): EmuRecord => {
    const r = table.records.find((x) => x.id === id)
    if (!r) throw new AirtableFault(404, 'MODEL_ID_NOT_FOUND', `Record ID ${String(id)} does not exist in this table`)
    const checked = checkFields(table, fields, typecast)
    const next = replace ? checked : { ...r.fields, ...checked }
    // like Airtable, a write that changes no value leaves the modification time alone
    if (JSON.stringify(next) !== JSON.stringify(r.fields)) r.modifiedTime = new Date(now).toISOString()
    r.fields = next
    return r
  }

  emu.route(
    'POST',
    '/v0/:base/:table',
    handle((req, state, now) => {
      const table = tableOf(state, req)
      const body = (req.body ?? {}) as { records?: Array<{ fields?: unknown }>; fields?: unknown; typecast?: boolean }
      const typecast = body.typecast === true
      if (!Array.isArray(body.records)) return json(200, present(table, create(table, state, body.fields, typecast, now)))
      checkCount(body.records)
      const snapshot = structuredClone(table)
      try {
        return json(200, { records: body.records.map((r) => present(table, create(table, state, r.fields, typecast, now))) })
      } catch (e) {
        Object.assign(table, snapshot)
        throw e
      }
    }),
  )

  for (const method of ['PATCH', 'PUT'] as const) {
    const replace = method === 'PUT'
    emu.route(
      method,
      '/v0/:base/:table/:id',
      handle((req, state, now) => {
        const body = (req.body ?? {}) as { fields?: unknown; typecast?: boolean }
        const table = tableOf(state, req)
        return json(200, present(table, update(table, req.params.id, body.fields, body.typecast === true, replace, now)))
      }),
    )
    emu.route(
      method,
      '/v0/:base/:table',
      handle((req, state, now) => {
        const table = tableOf(state, req)
        const body = (req.body ?? {}) as {
          records?: Array<{ id?: string; fields?: unknown }>
          typecast?: boolean
          performUpsert?: { fieldsToMergeOn?: unknown }
        }
        if (!Array.isArray(body.records))
          throw new AirtableFault(422, 'INVALID_REQUEST_MISSING_FIELDS', 'Could not find field "records" in the request body')
        checkCount(body.records)
        const typecast = body.typecast === true
        const on = body.performUpsert?.fieldsToMergeOn
        if (body.performUpsert && (!Array.isArray(on) || on.length < 1 || on.length > 3 || !on.every((f) => typeof f === 'string'))) {
          throw new AirtableFault(422, 'INVALID_REQUEST_UNKNOWN', 'performUpsert.fieldsToMergeOn must list 1 to 3 field names')
        }
        const snapshot = structuredClone(table)
        const created: string[] = []
        const updated: string[] = []
        try {
          const records = body.records.map((r) => {
            if (!on) return present(table, update(table, r.id, r.fields, typecast, replace, now))
            const fields = checkFields(table, r.fields, typecast)
            const key = mergeKey(fields, on as string[])
            const matches = table.records.filter((x) => mergeKey(x.fields, on as string[]) === key)
            if (matches.length > 1)
              throw new AirtableFault(
                422,
                'INVALID_VALUE_FOR_COLUMN',
                `Cannot upsert: more than one record matches ${key} on ${(on as string[]).join(', ')}`,
              )
            if (matches.length === 0) {
              const rec = create(table, state, fields, typecast, now)
              created.push(rec.id)
              return present(table, rec)
            }
            updated.push(matches[0].id)
            return present(table, update(table, matches[0].id, fields, typecast, replace, now))
          })
          return json(200, on ? { records, createdRecords: created, updatedRecords: updated } : { records })
        } catch (e) {
          Object.assign(table, snapshot)
          throw e
        }
      }),
    )
  }

  // DELETE one record, or up to 10 with `records[]=`; an unknown id refuses the whole request
  const remove = (table: TableState, ids: string[]) => {
    checkCount(ids)
    for (const id of ids)
      if (!table.records.some((r) => r.id === id))
        throw new AirtableFault(404, 'MODEL_ID_NOT_FOUND', `Record ID ${id} does not exist in this table`)
    table.records = table.records.filter((r) => !ids.includes(r.id))
    return ids.map((id) => ({ id, deleted: true }))
  }
  emu.route(
    'DELETE',
    '/v0/:base/:table/:id',
    handle((req, state) => json(200, remove(tableOf(state, req), [req.params.id])[0])),
  )
  emu.route(
    'DELETE',
    '/v0/:base/:table',
    handle((req, state) => json(200, { records: remove(tableOf(state, req), req.query.getAll('records[]')) })),
  )

  return Object.assign(emu, {
    records: (base: string, table: string) => emu.state.bases.get(base)?.get(table)?.records.slice() ?? [],
  })
}

function nextId(state: AirtableState): string {
  state.seq++
  return `rec${state.seq.toString(36).padStart(14, '0')}`
}

function checkCount(records: unknown[]): void {
  if (records.length === 0) throw new AirtableFault(422, 'INVALID_RECORDS', 'You must provide at least one record')
  if (records.length > 10) throw new AirtableFault(422, 'INVALID_RECORDS', 'You can send at most 10 records per request')
}

interface ListOptions {
  filterByFormula?: string
  fields?: string[]
  sort: Array<{ field: string; direction?: string }>
  pageSize?: number
  maxRecords?: number
  offset?: string
}

function listOptionsFromQuery(q: URLSearchParams): ListOptions {
  const sort: ListOptions['sort'] = []
  for (let i = 0; q.has(`sort[${i}][field]`); i++)
    sort.push({ field: q.get(`sort[${i}][field]`) as string, direction: q.get(`sort[${i}][direction]`) ?? 'asc' })
  const fields = q.getAll('fields[]')
  const size = q.get('pageSize') ?? q.get('limit')
  return {
    sort,
    ...(q.get('filterByFormula') ? { filterByFormula: q.get('filterByFormula') as string } : {}),
    ...(fields.length ? { fields } : {}),
    ...(size ? { pageSize: Number(size) } : {}),
    ...(q.get('maxRecords') ? { maxRecords: Number(q.get('maxRecords')) } : {}),
    ...(q.get('offset') ? { offset: q.get('offset') as string } : {}),
  }
}

function listOptionsFromBody(body: unknown): ListOptions {
  const b = (body ?? {}) as Partial<ListOptions>
  return { ...b, sort: Array.isArray(b.sort) ? b.sort : [] }
}

function sortCompare(a: Record<string, unknown>, b: Record<string, unknown>, sort: ListOptions['sort']): number {
  for (const s of sort) {
    const x = a[s.field] as never
    const y = b[s.field] as never
    const c = x === y ? 0 : x === undefined ? -1 : y === undefined ? 1 : x < y ? -1 : 1
    if (c !== 0) return s.direction === 'desc' ? -c : c
  }
  return 0
}
