/**
 * In-memory CRM of the HubSpot emulator: companies, contacts and deals, associations, the
 * search index with its lag, archiving, and HubSpot's error bodies.
 * @module
 */
import { randomUUID } from 'node:crypto'
import { type EmulatorReply, json } from '../../sandbox/reply.js'

export type ObjectType = 'companies' | 'contacts' | 'deals'

export const OBJECT_TYPES: readonly ObjectType[] = ['companies', 'contacts', 'deals']

export interface CrmRecord {
  id: string
  properties: Record<string, string>
  createdAt: string
  updatedAt: string
  archived: false
  /** Emulator time after which search sees the record (search-index lag). */
  searchableAt: number
}

export interface Association {
  fromType: ObjectType
  fromId: string
  toType: ObjectType
  toId: string
  typeId: number
}

export interface HubspotState {
  nextId: Record<ObjectType, number>
  objects: Record<ObjectType, Map<string, CrmRecord>>
  associations: Association[]
  /** Calls counted against the daily limit, keyed by `<token>:<UTC day>`. */
  daily: Map<string, number>
  /** Lookup indexes built on first use: property → normalised value → record id. */
  indexes: Record<ObjectType, Map<string, Map<string, string>>>
  /** The refresh token the OAuth app accepts now, once it rotated (`oauth.rotateRefreshTokens`). */
  refreshToken?: string
}

export function newHubspotState(): HubspotState {
  return {
    nextId: { companies: 20_000_001, contacts: 1_001, deals: 5_000_001 },
    objects: { companies: new Map(), contacts: new Map(), deals: new Map() },
    associations: [],
    daily: new Map(),
    indexes: { companies: new Map(), contacts: new Map(), deals: new Map() },
  }
}

const TYPE_ALIASES: Record<string, ObjectType> = {
  companies: 'companies',
  company: 'companies',
  '0-2': 'companies',
  contacts: 'contacts',
  contact: 'contacts',
  '0-1': 'contacts',
  deals: 'deals',
  deal: 'deals',
  '0-3': 'deals',
}

export function objectType(name: string): ObjectType | null {
  return TYPE_ALIASES[name.toLowerCase()] ?? null
}

const DEFAULT_ASSOCIATION: Record<string, number> = {
  'contacts/companies': 279,
  'companies/contacts': 280,
  'deals/contacts': 3,
  'contacts/deals': 4,
  'deals/companies': 341,
  'companies/deals': 342,
}

/**
 * Default association type ids (HUBSPOT_DEFINED): contact→company 279, company→contact 280,
 * deal→contact 3, contact→deal 4, deal→company 341, company→deal 342.
 */
export function defaultAssociationTypeId(from: ObjectType, to: ObjectType): number | null {
  return DEFAULT_ASSOCIATION[`${from}/${to}`] ?? null
}

/** The modification-time property search filters on: `lastmodifieddate` for contacts, else `hs_lastmodifieddate`. */
export function modifiedProperty(type: ObjectType): string {
  return type === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate'
}

/** HubSpot's error body: `{status:'error', message, correlationId, category, …}`. */
export function hubspotError(status: number, category: string, message: string, extra: Record<string, unknown> = {}): EmulatorReply {
  return json(status, { status: 'error', message, correlationId: randomUUID(), category, ...extra })
}

export function notFoundError(id: string): EmulatorReply {
  return hubspotError(404, 'OBJECT_NOT_FOUND', 'Object not found.  objectId are usually numeric.', { context: { id: [id] } })
}

/** Property values arrive as strings (numbers and booleans are stringified, null clears). */
export function normaliseProperties(raw: unknown): Record<string, string> | string {
  if (raw === undefined) return {}
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'properties must be an object of property name to string value'
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (v === null) out[k] = ''
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v)
    else return `Property values were not valid: property "${k}" must be a string`
  }
  return out
}

/** Validation HubSpot applies to property values that we emulate (contact e-mail format). */
export function invalidProperty(type: ObjectType, props: Record<string, string>): string | null {
  const email = props.email
  if (type === 'contacts' && email !== undefined && email !== '' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    return `Property values were not valid: [{"isValid":false,"message":"Email address ${email} is invalid","error":"INVALID_EMAIL","name":"email"}]`
  }
  return null
}

const normalised = (property: string, value: string) => (property === 'email' ? value.toLowerCase() : value)

/** The index of one property (built from the records on first use, kept current afterwards). */
function indexOf(state: HubspotState, type: ObjectType, property: string): Map<string, string> {
  let index = state.indexes[type].get(property)
  if (!index) {
    index = new Map()
    for (const r of state.objects[type].values()) {
      const v = r.properties[property]
      if (v !== undefined && v !== '' && !index.has(normalised(property, v))) index.set(normalised(property, v), r.id)
    }
    state.indexes[type].set(property, index)
  }
  return index
}

/** Keep the built indexes current after `rec` changed from `before` (undefined for a new record). */
function reindex(state: HubspotState, type: ObjectType, rec: CrmRecord, before?: Record<string, string>): void {
  for (const [property, index] of state.indexes[type]) {
    const old = before?.[property]
    const now = rec.properties[property]
    if (old === now && before) continue
    if (old !== undefined && old !== '' && index.get(normalised(property, old)) === rec.id) index.delete(normalised(property, old))
    if (now !== undefined && now !== '' && !index.has(normalised(property, now))) index.set(normalised(property, now), rec.id)
  }
}

/** Find a record by id or by a unique property value (`idProperty`). */
export function findRecord(state: HubspotState, type: ObjectType, id: string, idProperty?: string | null): CrmRecord | undefined {
  const store = state.objects[type]
  if (!idProperty || idProperty === 'hs_object_id') return store.get(id)
  const found = indexOf(state, type, idProperty).get(normalised(idProperty, id))
  return found === undefined ? undefined : store.get(found)
}

export function createRecord(state: HubspotState, type: ObjectType, props: Record<string, string>, now: number, lagMs: number): CrmRecord {
  const id = String(state.nextId[type]++)
  const iso = new Date(now).toISOString()
  const modified = modifiedProperty(type)
  const rec: CrmRecord = {
    id,
    properties: { ...props, createdate: iso, [modified]: iso, hs_object_id: id },
    createdAt: iso,
    updatedAt: iso,
    archived: false,
    searchableAt: now + lagMs,
  }
  if (type === 'contacts' && rec.properties.email) rec.properties.email = rec.properties.email.toLowerCase()
  state.objects[type].set(id, rec)
  reindex(state, type, rec)
  return rec
}

export function updateRecord(state: HubspotState, type: ObjectType, rec: CrmRecord, props: Record<string, string>, now: number): CrmRecord {
  const before = { ...rec.properties }
  const iso = new Date(now).toISOString()
  Object.assign(rec.properties, props, { [modifiedProperty(type)]: iso })
  if (type === 'contacts' && rec.properties.email) rec.properties.email = rec.properties.email.toLowerCase()
  rec.updatedAt = iso
  reindex(state, type, rec, before)
  return rec
}

/** The public shape of a record, optionally limited to some properties. */
export function publicRecord(rec: CrmRecord, only?: string[] | null): Record<string, unknown> {
  let properties = rec.properties
  if (only && only.length > 0) {
    properties = {}
    for (const k of [...only, 'createdate', 'hs_object_id', 'hs_lastmodifieddate', 'lastmodifieddate']) {
      if (rec.properties[k] !== undefined) properties[k] = rec.properties[k]
    }
  }
  return { id: rec.id, properties: { ...properties }, createdAt: rec.createdAt, updatedAt: rec.updatedAt, archived: false }
}

/** Record an association and its reverse direction (HubSpot associations are two-way). */
export function addAssociation(state: HubspotState, a: Association): void {
  const reverseType = defaultAssociationTypeId(a.toType, a.fromType)
  const both: Association[] = [a]
  if (reverseType !== null) both.push({ fromType: a.toType, fromId: a.toId, toType: a.fromType, toId: a.fromId, typeId: reverseType })
  for (const x of both) {
    const exists = state.associations.some(
      (y) => y.fromType === x.fromType && y.fromId === x.fromId && y.toType === x.toType && y.toId === x.toId,
    )
    if (!exists) state.associations.push(x)
  }
}

/** Remove an association and its reverse direction; whether one existed. */
export function removeAssociation(state: HubspotState, fromType: ObjectType, fromId: string, toType: ObjectType, toId: string): boolean {
  const before = state.associations.length
  state.associations = state.associations.filter(
    (y) =>
      !(y.fromType === fromType && y.fromId === fromId && y.toType === toType && y.toId === toId) &&
      !(y.fromType === toType && y.fromId === toId && y.toType === fromType && y.toId === fromId),
  )
  return state.associations.length < before
}

/** Archive (delete) a record: gone from reads, search and its associations; whether it existed. */
export function archiveRecord(state: HubspotState, type: ObjectType, id: string): boolean {
  const rec = state.objects[type].get(id)
  if (!rec) return false
  state.objects[type].delete(id)
  for (const [property, index] of state.indexes[type]) {
    const v = rec.properties[property]
    if (v !== undefined && v !== '' && index.get(normalised(property, v)) === id) index.delete(normalised(property, v))
  }
  state.associations = state.associations.filter((a) => !(a.fromType === type && a.fromId === id) && !(a.toType === type && a.toId === id))
  return true
}
