/**
 * CRM search of the HubSpot emulator: filterGroups (OR of ANDs), the operators we use, paging
 * with `after`, HubSpot's limits on groups and filters, and the search-index lag.
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
  const matches = [...state.objects[type].values()]
    .filter((r) => r.searchableAt <= now)
    .filter((r) => groups.length === 0 || groups.some((g) => (g.filters ?? []).every((f) => test(r, f))))
    .sort((a, z) => Number(a.id) - Number(z.id))
  const start = b.after === undefined || b.after === '' ? 0 : Number(b.after)
  if (!Number.isInteger(start) || start < 0)
    return invalid(`after must be a paging cursor from a previous response (got ${String(b.after)})`)
  if (start >= 10_000) return invalid('Search results are limited to 10,000; narrow the filters')
  const page = matches.slice(start, start + limit)
  const only = Array.isArray(b.properties) ? (b.properties as string[]) : null
  const out: Record<string, unknown> = {
    total: matches.length,
    results: page.map((r) => publicRecord(r, only ?? ['name', 'domain', 'email', 'firstname', 'lastname'])),
  }
  const next = start + limit
  if (next < matches.length) out.paging = { next: { after: String(next), link: `?after=${next}` } }
  return json(200, out)
}

function invalid(message: string): EmulatorReply {
  return hubspotError(400, 'VALIDATION_ERROR', message)
}

function test(r: CrmRecord, f: Filter): boolean {
  const v = r.properties[f.propertyName]
  const has = v !== undefined && v !== ''
  const want = f.value === undefined ? '' : String(f.value).toLowerCase()
  const cur = (v ?? '').toLowerCase()
  switch (f.operator) {
    case 'EQ':
      return has && cur === want
    case 'NEQ':
      return cur !== want
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
      const a = Number(v)
      const b = Number(f.value)
      if (!has || Number.isNaN(a) || Number.isNaN(b)) return false
      return f.operator === 'LT' ? a < b : f.operator === 'LTE' ? a <= b : f.operator === 'GT' ? a > b : a >= b
    }
  }
}
