/**
 * CRM search of the HubSpot emulator: filterGroups (OR of ANDs), the operators we use, one sort
 * (`sorts: [{ propertyName, direction }]` or `["-prop"]`), paging with `after` up to 10,000
 * results, HubSpot's limits on groups and filters, and the search-index lag. Date properties
 * compare as instants whether the filter gives epoch milliseconds or an ISO date.
 * @module
 */
import type { EmulatorReply } from '../../sandbox/reply.js'
import { json } from '../../sandbox/reply.js'
import { type CrmRecord, type HubspotState, hubspotError, type ObjectType, publicRecord } from './emulator-state.js'

interface Filter {
  propertyName: string
  operator: string
  value?: unknown
  values?: unknown[]
}

const OPERATORS = new Set([
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
])

export function searchRecords(state: HubspotState, type: ObjectType, body: unknown, now: number): EmulatorReply {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  const groups = (Array.isArray(b.filterGroups) ? b.filterGroups : []) as Array<{ filters?: Filter[] }>
  const limit = b.limit === undefined ? 10 : Number(b.limit)
  if (!Number.isInteger(limit) || limit < 0 || limit > 200) return invalid(`limit must be between 0 and 200 (got ${String(b.limit)})`)
  if (groups.length > 5) return invalid('Too many filter groups: at most 5 are allowed')
  const total = groups.reduce((n, g) => n + (g.filters?.length ?? 0), 0)
  if (total > 25 || groups.some((g) => (g.filters?.length ?? 0) > 10))
    return invalid('Too many filters: at most 10 per group and 25 in total')
  for (const g of groups) {
    for (const f of g.filters ?? []) {
      if (!OPERATORS.has(f.operator)) return invalid(`Unknown filter operator ${String(f.operator)}`)
    }
  }
  const sorts = (Array.isArray(b.sorts) ? b.sorts : []) as Array<string | { propertyName?: string; direction?: string }>
  if (sorts.length > 1) return invalid('Only one sort is allowed')
  const sort = sorts[0]
  const by = typeof sort === 'string' ? sort.replace(/^-/, '') : sort?.propertyName
  const desc = typeof sort === 'string' ? sort.startsWith('-') : sort?.direction === 'DESCENDING'
  const byId = (a: CrmRecord, z: CrmRecord) => Number(a.id) - Number(z.id)
  const matches = [...state.objects[type].values()]
    .filter((r) => r.searchableAt <= now)
    .filter((r) => groups.length === 0 || groups.some((g) => (g.filters ?? []).every((f) => test(r, f))))
    .sort(by ? (a, z) => (desc ? -1 : 1) * compare(a.properties[by], z.properties[by]) || byId(a, z) : byId)
  const start = b.after === undefined || b.after === '' ? 0 : Number(b.after)
  if (!Number.isInteger(start) || start < 0)
    return invalid(`after must be a paging cursor from a previous response (got ${String(b.after)})`)
  if (start >= 10_000) return invalid('Search results are limited to 10,000; narrow the filters')
  const page = matches.slice(start, start + limit)
  const only = Array.isArray(b.properties) ? (b.properties as string[]) : null
  const out: Record<string, unknown> = {
    total: matches.length,
    results: page.map((r) => publicRecord(r, only ?? DEFAULT_PROPERTIES[type])),
  }
  const next = start + limit
  if (next < matches.length) out.paging = { next: { after: String(next), link: `?after=${next}` } }
  return json(200, out)
}

const DEFAULT_PROPERTIES: Record<ObjectType, string[]> = {
  companies: ['name', 'domain'],
  contacts: ['email', 'firstname', 'lastname'],
  deals: ['dealname', 'amount', 'dealstage', 'pipeline', 'closedate'],
}

const NUMERIC = /^-?\d+(\.\d+)?$/
const ISO = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/

/** A number for a numeric string or an ISO date (as epoch ms), else NaN. */
function quantity(v: unknown): number {
  const s = v === undefined || v === null ? '' : String(v)
  if (NUMERIC.test(s)) return Number(s)
  if (ISO.test(s)) return Date.parse(s)
  return Number.NaN
}

/** Order of two property values: as quantities when both are, else as text; empty last. */
function compare(x: string | undefined, y: string | undefined): number {
  const ex = x === undefined || x === ''
  const ey = y === undefined || y === ''
  if (ex || ey) return ex === ey ? 0 : ex ? 1 : -1
  const a = quantity(x)
  const b = quantity(y)
  if (!Number.isNaN(a) && !Number.isNaN(b)) return a - b
  return x! < y! ? -1 : x! > y! ? 1 : 0
}

function invalid(message: string): EmulatorReply {
  return hubspotError(400, 'VALIDATION_ERROR', message)
}

function test(r: CrmRecord, f: Filter): boolean {
  const v = r.properties[f.propertyName]
  const has = v !== undefined && v !== ''
  const want = f.value === undefined ? '' : String(f.value).toLowerCase()
  const cur = (v ?? '').toLowerCase()
  const same = () => {
    const a = quantity(v)
    const b = quantity(f.value)
    return !Number.isNaN(a) && !Number.isNaN(b) ? a === b : cur === want
  }
  switch (f.operator) {
    case 'EQ':
      return has && same()
    case 'NEQ':
      return !has || !same()
    case 'IN':
      return has && (f.values ?? []).some((x) => String(x).toLowerCase() === cur)
    case 'NOT_IN':
      return !(f.values ?? []).some((x) => String(x).toLowerCase() === cur)
    case 'HAS_PROPERTY':
      return has
    case 'NOT_HAS_PROPERTY':
      return !has
    case 'CONTAINS_TOKEN':
      return has && cur.split(/[\s@.,;]+/).includes(want.replace(/\*/g, ''))
    case 'NOT_CONTAINS_TOKEN':
      return !cur.split(/[\s@.,;]+/).includes(want)
    default: {
      const a = quantity(v)
      const b = quantity(f.value)
      if (!has || Number.isNaN(a) || Number.isNaN(b)) return false
      return f.operator === 'LT' ? a < b : f.operator === 'LTE' ? a <= b : f.operator === 'GT' ? a > b : a >= b
    }
  }
}
