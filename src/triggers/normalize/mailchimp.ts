/**
 * Mailchimp list webhooks → one normalised event. Mailchimp POSTs
 * `application/x-www-form-urlencoded` with `type`, `fired_at` (`YYYY-MM-DD HH:MM:SS`, UTC) and
 * bracketed `data[...]` fields. Member events carry the consent they express, ready to record:
 *
 * | type | consent | change |
 * | --- | --- | --- |
 * | `subscribe` | `subscribed` | created |
 * | `unsubscribe` (`data[action]` `unsub`) | `unsubscribed` | updated |
 * | `unsubscribe` with `data[action]=delete` (deleted by an admin) | none: deletion is not an opt-out | deleted |
 * | `cleaned` (`data[reason]` hard/abuse) | `cleaned` | updated |
 * | `profile` | none | updated |
 * | `upemail` (`data[old_email]` → `data[new_email]`) | none (move the old address's consent) | updated |
 * | `campaign` | none (object `campaigns`) | updated |
 * @module
 */
import { createHash } from 'node:crypto'
import type { ConsentState } from '../../consent/types.js'

export const MAILCHIMP_EVENT_TYPES = ['subscribe', 'unsubscribe', 'profile', 'upemail', 'cleaned', 'campaign'] as const
export type MailchimpEventType = (typeof MAILCHIMP_EVENT_TYPES)[number]

export interface MailchimpEvent {
  provider: 'mailchimp'
  type: MailchimpEventType
  /** `fired_at` as epoch ms (UTC). */
  firedAt: number
  /** `members` for member events, `campaigns` for `campaign`. */
  object: 'members' | 'campaigns'
  /** Member: the subscriber hash (MD5 of the lower-cased address, the new one for `upemail`); campaign: its id. */
  recordId: string | null
  change: 'created' | 'updated' | 'deleted'
  listId: string | null
  /** Member's address, lower-cased (the new address for `upemail`). */
  email: string | null
  /** `upemail`: the address before. */
  oldEmail?: string
  /** The consent this event expresses, or null when it expresses none. */
  consent: { state: ConsentState; at: number; source: string; evidence: Record<string, unknown> } | null
  /** `cleaned`: hard | abuse; `unsubscribe`: Mailchimp's reason (manual, abuse…). */
  reason?: string
  /** `unsubscribe`: unsub | delete. */
  action?: string
  /** `data[merges]`, e.g. `{ FNAME, LNAME, EMAIL, INTERESTS }`. */
  mergeFields: Record<string, unknown>
  /** Everything under `data[...]`, nested. */
  data: Record<string, unknown>
}

export type NormalizeResult<T> = { ok: true; event: T; deliveryId: string } | { ok: false; field: string; message: string }

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null)
const hash = (email: string) => createHash('md5').update(email.trim().toLowerCase()).digest('hex')

/** `2009-03-26 21:35:57` (UTC) or ISO 8601 → epoch ms; null when not a time. */
export function parseFiredAt(v: unknown): number | null {
  const s = str(v)
  if (!s) return null
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/.exec(s)
  const ms = Date.parse(m ? `${m[1]}T${m[2]}Z` : s)
  return Number.isFinite(ms) ? ms : null
}

/**
 * Normalise one Mailchimp webhook (its nested form fields). The delivery id is a hash of the
 * fields, so a retried delivery of the same event is recognised as a duplicate.
 */
export function normalizeMailchimpWebhook(form: Record<string, unknown>): NormalizeResult<MailchimpEvent> {
  const type = str(form.type)
  if (!type || !(MAILCHIMP_EVENT_TYPES as readonly string[]).includes(type))
    return {
      ok: false,
      field: 'type',
      message: `type must be one of ${MAILCHIMP_EVENT_TYPES.join(', ')} (got ${JSON.stringify(form.type ?? null)})`,
    }
  const firedAt = parseFiredAt(form.fired_at)
  if (firedAt === null)
    return {
      ok: false,
      field: 'fired_at',
      message: `fired_at must be a time like "2026-03-26 21:35:57" (got ${JSON.stringify(form.fired_at ?? null)})`,
    }
  const data = (typeof form.data === 'object' && form.data !== null && !Array.isArray(form.data) ? form.data : {}) as Record<
    string,
    unknown
  >
  const listId = str(data.list_id)
  const mergeFields = (typeof data.merges === 'object' && data.merges !== null ? data.merges : {}) as Record<string, unknown>
  const base = { provider: 'mailchimp' as const, type: type as MailchimpEventType, firedAt, listId, mergeFields, data }
  const deliveryId = `mailchimp:${createHash('sha256')
    .update(JSON.stringify([type, form.fired_at, data]))
    .digest('hex')
    .slice(0, 32)}`
  const source = `mailchimp:${listId ?? 'unknown-list'}`

  if (type === 'campaign') {
    const id = str(data.id)
    return { ok: true, deliveryId, event: { ...base, object: 'campaigns', recordId: id, change: 'updated', email: null, consent: null } }
  }
  const email = (type === 'upemail' ? str(data.new_email) : str(data.email))?.toLowerCase() ?? null
  if (!email)
    return {
      ok: false,
      field: type === 'upemail' ? 'data[new_email]' : 'data[email]',
      message: `a ${type} event needs the member's address`,
    }
  const evidence: Record<string, unknown> = { webhook: type }
  for (const k of ['ip_opt', 'ip_signup', 'campaign_id', 'reason', 'action']) if (str(data[k])) evidence[k] = str(data[k])
  const consentOf = (state: ConsentState) => ({ state, at: firedAt, source, evidence })
  const member = { ...base, object: 'members' as const, recordId: hash(email), email }
  switch (type) {
    case 'subscribe':
      return { ok: true, deliveryId, event: { ...member, change: 'created', consent: consentOf('subscribed') } }
    case 'unsubscribe': {
      const action = str(data.action) ?? 'unsub'
      const reason = str(data.reason)
      const deleted = action === 'delete'
      return {
        ok: true,
        deliveryId,
        event: {
          ...member,
          change: deleted ? 'deleted' : 'updated',
          action,
          ...(reason ? { reason } : {}),
          consent: deleted ? null : consentOf('unsubscribed'),
        },
      }
    }
    case 'cleaned': {
      const reason = str(data.reason)
      return { ok: true, deliveryId, event: { ...member, change: 'updated', ...(reason ? { reason } : {}), consent: consentOf('cleaned') } }
    }
    case 'upemail': {
      const oldEmail = str(data.old_email)?.toLowerCase()
      return { ok: true, deliveryId, event: { ...member, change: 'updated', ...(oldEmail ? { oldEmail } : {}), consent: null } }
    }
    default:
      return { ok: true, deliveryId, event: { ...member, change: 'updated', consent: null } }
  }
}
