/**
 * HubSpot webhook events (v3-signed; a JSON array of up to 100) → one normalised event each,
 * in the shape a sync uses to nudge a side: which object, which record, what kind of change.
 *
 * `subscriptionType` is `<object>.<event>`: `contact.creation | .deletion | .propertyChange |
 * .privacyDeletion | .merge | .restore | .associationChange`, likewise `company.*` and `deal.*`,
 * and `object.*` with an `objectTypeId` (`0-1` contacts, `0-2` companies, `0-3` deals).
 * @module
 */
import type { NormalizeResult } from './mailchimp.js'

export type HubspotChange = 'created' | 'updated' | 'deleted' | 'merged' | 'restored' | 'associated'

export interface HubspotEvent {
  provider: 'hubspot'
  /** `contacts`, `companies`, `deals`, or the object type id for other objects. */
  object: string
  /** The object id (as text). */
  recordId: string
  change: HubspotChange
  /** `occurredAt`, epoch ms. */
  occurredAt: number
  /** `propertyChange`: the property and its new value. */
  property?: string
  value?: string
  /** `merge`: the ids merged away and the surviving one. */
  mergedObjectIds?: string[]
  primaryObjectId?: string
  subscriptionType: string
  eventId: string
  portalId: string | null
  attemptNumber: number
  changeSource: string | null
}

const OBJECTS: Record<string, string> = { contact: 'contacts', company: 'companies', deal: 'deals', ticket: 'tickets', product: 'products' }
const TYPE_IDS: Record<string, string> = { '0-1': 'contacts', '0-2': 'companies', '0-3': 'deals', '0-5': 'tickets', '0-7': 'products' }
const CHANGES: Record<string, HubspotChange> = {
  creation: 'created',
  deletion: 'deleted',
  privacyDeletion: 'deleted',
  propertyChange: 'updated',
  merge: 'merged',
  restore: 'restored',
  associationChange: 'associated',
}

const idText = (v: unknown): string | null =>
  typeof v === 'number' && Number.isFinite(v) ? String(v) : typeof v === 'string' && v.trim() !== '' ? v.trim() : null

/**
 * Normalise one element of a HubSpot webhook array. The delivery id joins `eventId` with the
 * object and time (HubSpot does not promise `eventId` is unique on its own); a retry of the
 * same event keeps all three, so it is recognised as a duplicate.
 */
export function normalizeHubspotWebhook(e: unknown): NormalizeResult<HubspotEvent> {
  if (typeof e !== 'object' || e === null || Array.isArray(e))
    return { ok: false, field: '', message: 'each HubSpot event must be an object' }
  const r = e as Record<string, unknown>
  const sub = typeof r.subscriptionType === 'string' ? r.subscriptionType : ''
  const dot = sub.indexOf('.')
  const kind = dot > 0 ? sub.slice(0, dot) : ''
  const change = CHANGES[sub.slice(dot + 1)]
  const object = kind === 'object' ? (TYPE_IDS[String(r.objectTypeId)] ?? idText(r.objectTypeId)) : OBJECTS[kind]
  if (!object || !change)
    return { ok: false, field: 'subscriptionType', message: `unknown subscriptionType ${JSON.stringify(r.subscriptionType ?? null)}` }
  const recordId = idText(r.objectId)
  if (!recordId) return { ok: false, field: 'objectId', message: 'objectId is missing' }
  const occurredAt = typeof r.occurredAt === 'number' ? r.occurredAt : Number(r.occurredAt)
  if (!Number.isFinite(occurredAt)) return { ok: false, field: 'occurredAt', message: 'occurredAt must be epoch milliseconds' }
  const eventId = idText(r.eventId) ?? ''
  const event: HubspotEvent = {
    provider: 'hubspot',
    object,
    recordId,
    change,
    occurredAt,
    subscriptionType: sub,
    eventId,
    portalId: idText(r.portalId),
    attemptNumber: typeof r.attemptNumber === 'number' ? r.attemptNumber : 0,
    changeSource: typeof r.changeSource === 'string' ? r.changeSource : null,
  }
  if (typeof r.propertyName === 'string') event.property = r.propertyName
  if (r.propertyValue !== undefined && r.propertyValue !== null) event.value = String(r.propertyValue)
  if (Array.isArray(r.mergedObjectIds)) event.mergedObjectIds = r.mergedObjectIds.map(String)
  if (idText(r.primaryObjectId)) event.primaryObjectId = idText(r.primaryObjectId)!
  return { ok: true, event, deliveryId: `hubspot:${eventId}:${object}:${recordId}:${occurredAt}` }
}
