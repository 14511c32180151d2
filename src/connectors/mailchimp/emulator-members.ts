/**
 * List members in the Mailchimp emulator: get, list (filters, sorting, paging), add, PUT upsert
 * with `status_if_new`, PATCH (including an address change), archive, permanent delete and tags.
 * Every change reports the webhook events Mailchimp would send for it (source `api`).
 * @module
 */
import type { EmulatorReply, EmulatorRequest } from '../../sandbox/reply.js'
import { json } from '../../sandbox/reply.js'
import {
  invalid,
  type MailchimpState,
  type MemberState,
  mcTime,
  md5,
  membersOf,
  metaOf,
  notFound,
  problem,
  STATUSES,
} from './emulator-state.js'

export type HookType = 'subscribe' | 'unsubscribe' | 'profile' | 'cleaned' | 'upemail' | 'campaign'
export type HookSource = 'user' | 'admin' | 'api'

/** A webhook Mailchimp would fire: its type and `data[...]` fields. */
export interface HookEvent {
  type: HookType
  listId: string
  source: HookSource
  data: Record<string, unknown>
}

export interface MemberOptions {
  /** Refuse `status: subscribed` for an unsubscribed member (Mailchimp's compliance state). */
  complianceState: boolean
  /** Refuse merge fields the list does not declare. */
  strictMergeFields: boolean
}

export function memberJson(m: MemberState) {
  const { changedAt: _changed, ...rest } = m
  return {
    ...rest,
    contact_id: m.id,
    email_type: 'html',
    full_name: [m.merge_fields.FNAME, m.merge_fields.LNAME].filter(Boolean).join(' '),
    tags_count: m.tags.length,
    tags: m.tags.map((name, i) => ({ id: i + 1, name })),
  }
}

/** The `data[...]` fields of a member event, as Mailchimp sends them. */
export function memberHookData(m: MemberState, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: m.unique_email_id,
    list_id: m.list_id,
    email: m.email_address,
    email_type: 'html',
    merges: { EMAIL: m.email_address, ...m.merge_fields, INTERESTS: '' },
    ip_opt: m.ip_opt,
    ip_signup: m.ip_signup,
    ...extra,
  }
}

/** The events one status change fires. */
export function statusEvents(m: MemberState, from: string | null, source: HookSource, extra: Record<string, unknown> = {}): HookEvent[] {
  if (from === m.status) return []
  const e = (type: HookType, data: Record<string, unknown>): HookEvent => ({ type, listId: m.list_id, source, data })
  if (m.status === 'subscribed') return [e('subscribe', memberHookData(m))]
  if (m.status === 'unsubscribed' && from !== null)
    return [e('unsubscribe', memberHookData(m, { action: 'unsub', reason: 'manual', ...extra }))]
  if (m.status === 'cleaned')
    return [e('cleaned', { list_id: m.list_id, campaign_id: '', reason: 'hard', email: m.email_address, ...extra })]
  return []
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/

export function newMember(listId: string, email: string, status: string, now: number): MemberState {
  const at = mcTime(now)
  const id = md5(email)
  return {
    id,
    email_address: email,
    unique_email_id: id.slice(0, 10),
    status,
    merge_fields: {},
    interests: {},
    tags: [],
    list_id: listId,
    ip_signup: '',
    ip_opt: '',
    timestamp_signup: at,
    timestamp_opt: status === 'subscribed' ? at : '',
    last_changed: at,
    changedAt: now,
  }
}

export function touch(m: MemberState, now: number): void {
  m.last_changed = mcTime(now)
  m.changedAt = now
}

type Body = {
  email_address?: unknown
  status?: unknown
  status_if_new?: unknown
  merge_fields?: unknown
  interests?: unknown
  tags?: unknown
}

/** Validate merge fields and interests against the list; a problem reply, or null. */
function checkExtras(state: MailchimpState, listId: string, body: Body, options: MemberOptions): EmulatorReply | null {
  if (body.merge_fields !== undefined) {
    if (typeof body.merge_fields !== 'object' || body.merge_fields === null)
      return invalid('merge_fields', 'Schema describes object, string found instead')
    if (options.strictMergeFields) {
      const known = new Set(metaOf(state, listId).mergeFields.map((f) => f.tag))
      const unknown = Object.keys(body.merge_fields).filter((k) => !known.has(k))
      if (unknown.length)
        return problem(400, 'Invalid Resource', 'Your merge fields were invalid.', {
          errors: unknown.map((k) => ({ field: k, message: `Merge field "${k}" does not exist in this audience.` })),
        })
    }
  }
  if (body.interests !== undefined) {
    if (typeof body.interests !== 'object' || body.interests === null)
      return invalid('interests', 'Schema describes object, string found instead')
    const known = new Set([...metaOf(state, listId).categories.values()].flatMap((c) => [...c.interests.keys()]))
    for (const [id, v] of Object.entries(body.interests as object)) {
      if (typeof v !== 'boolean') return invalid(`interests.${id}`, 'Schema describes boolean')
      if (!known.has(id)) return problem(400, 'Invalid Resource', `Invalid interest ID: '${id}'.`)
    }
  }
  return null
}

/** Add (POST), upsert (PUT) or update (PATCH) a member; returns the reply and the events it fires. */
export function writeMember(
  req: EmulatorRequest,
  state: MailchimpState,
  now: number,
  mode: 'put' | 'post' | 'patch',
  options: MemberOptions,
): { reply: EmulatorReply; events: HookEvent[] } {
  const done = (reply: EmulatorReply, events: HookEvent[] = []) => ({ reply, events })
  const body = (req.body ?? {}) as Body
  const listId = req.params.list!
  const list = membersOf(state, listId)
  const hash = mode === 'post' ? md5(String(body.email_address ?? '')) : req.params.hash!
  const existing = list.get(hash)
  if (mode !== 'patch' && (typeof body.email_address !== 'string' || !EMAIL.test(body.email_address)))
    return done(invalid('email_address', 'This value should be a valid email.'))
  if (mode === 'put' && md5(body.email_address as string) !== hash)
    return done(invalid('email_address', 'The subscriber hash does not match the email address.'))
  if (mode === 'post' && existing)
    return done(problem(400, 'Member Exists', `${body.email_address} is already a list member. Use PUT to insert or update list members.`))
  if (mode === 'patch' && !existing) return done(notFound())
  for (const f of ['status', 'status_if_new'] as const)
    if (body[f] !== undefined && !STATUSES.includes(String(body[f])))
      return done(invalid(f, `Value must be one of: ${STATUSES.join(', ')}`))
  const bad = checkExtras(state, listId, body, options)
  if (bad) return done(bad)

  if (!existing) {
    const status = mode === 'post' ? body.status : (body.status ?? body.status_if_new)
    if (status === undefined) return done(invalid(mode === 'post' ? 'status' : 'status_if_new', 'This value should not be blank.'))
    const m = newMember(listId, body.email_address as string, String(status), now)
    m.merge_fields = { ...(body.merge_fields as object) }
    m.interests = { ...(body.interests as Record<string, boolean>) }
    if (Array.isArray(body.tags))
      m.tags = body.tags.map((t) => String(typeof t === 'object' && t !== null ? (t as { name?: unknown }).name : t))
    list.set(hash, m)
    return done(json(200, memberJson(m)), statusEvents(m, null, 'api'))
  }

  const events: HookEvent[] = []
  let changed = false
  if (body.status !== undefined && body.status !== existing.status) {
    if (options.complianceState && existing.status === 'unsubscribed' && body.status === 'subscribed') {
      return done(
        problem(
          400,
          'Member In Compliance State',
          `${existing.email_address} is in a compliance state due to unsubscribe, bounce, or compliance review and cannot be subscribed.`,
        ),
      )
    }
    const from = existing.status
    existing.status = String(body.status)
    if (existing.status === 'subscribed') existing.timestamp_opt = mcTime(now)
    events.push(...statusEvents(existing, from, 'api'))
    changed = true
  }
  let profile = false
  if (
    mode === 'patch' &&
    typeof body.email_address === 'string' &&
    body.email_address.toLowerCase() !== existing.email_address.toLowerCase()
  ) {
    if (!EMAIL.test(body.email_address)) return done(invalid('email_address', 'This value should be a valid email.'))
    const newHash = md5(body.email_address)
    if (list.has(newHash)) return done(problem(400, 'Member Exists', `${body.email_address} is already a list member.`))
    const old = existing.email_address
    list.delete(existing.id)
    existing.email_address = body.email_address
    existing.id = newHash
    list.set(newHash, existing)
    events.push({
      type: 'upemail',
      listId,
      source: 'api',
      data: { list_id: listId, new_id: newHash.slice(0, 10), new_email: existing.email_address, old_email: old },
    })
    changed = true
  }
  if (body.merge_fields) {
    const next = { ...existing.merge_fields, ...(body.merge_fields as object) }
    if (JSON.stringify(next) !== JSON.stringify(existing.merge_fields)) {
      existing.merge_fields = next
      profile = true
    }
  }
  if (body.interests) {
    const next = { ...existing.interests, ...(body.interests as Record<string, boolean>) }
    if (JSON.stringify(next) !== JSON.stringify(existing.interests)) {
      existing.interests = next
      profile = true
    }
  }
  if (profile) events.push({ type: 'profile', listId, source: 'api', data: memberHookData(existing) })
  if (changed || profile) touch(existing, now)
  return done(json(200, memberJson(existing)), events)
}

/** `GET /lists/{list}/members`: status, since/before_last_changed, sort_field, sort_dir, count (≤ 1000), offset. */
export function listMembers(req: EmulatorRequest, state: MailchimpState): EmulatorReply {
  const q = req.query
  const count = q.get('count') === null ? 10 : Number(q.get('count'))
  const offset = q.get('offset') === null ? 0 : Number(q.get('offset'))
  if (!Number.isInteger(count) || count < 1 || count > 1000) return invalid('count', 'Count must be between 1 and 1000.')
  if (!Number.isInteger(offset) || offset < 0) return invalid('offset', 'Offset must be 0 or more.')
  const time = (name: string) => {
    const v = q.get(name)
    if (v === null) return null
    const ms = Date.parse(v)
    return Number.isFinite(ms) ? ms : Number.NaN
  }
  const since = time('since_last_changed')
  const before = time('before_last_changed')
  if (Number.isNaN(since) || Number.isNaN(before)) return invalid('since_last_changed', 'Invalid date format; use ISO 8601.')
  const status = q.get('status')
  let rows = [...(state.lists.get(req.params.list!)?.values() ?? [])]
  if (status) rows = rows.filter((m) => m.status === status)
  // Whole seconds, as Mailchimp stores them; `since` is inclusive.
  const secs = (m: MemberState) => Math.floor(m.changedAt / 1000) * 1000
  if (since !== null) rows = rows.filter((m) => secs(m) >= since)
  if (before !== null) rows = rows.filter((m) => secs(m) <= before)
  const field = q.get('sort_field')
  if (field !== null && !['timestamp_opt', 'timestamp_signup', 'last_changed'].includes(field))
    return invalid('sort_field', 'Value must be one of: timestamp_opt, timestamp_signup, last_changed')
  if (field) {
    const dir = q.get('sort_dir') === 'DESC' ? -1 : 1
    const key = (m: MemberState) => (field === 'last_changed' ? secs(m) : Date.parse(m[field as 'timestamp_opt'] || '1970-01-01T00:00:00Z'))
    rows.sort((a, b) => (key(a) - key(b)) * dir)
  }
  return json(200, {
    members: rows.slice(offset, offset + count).map(memberJson),
    list_id: req.params.list,
    total_items: rows.length,
    _links: [],
  })
}

/** `DELETE …/members/{hash}` archives (status `archived`, an unsubscribe event with action delete). */
export function archiveMember(
  req: EmulatorRequest,
  state: MailchimpState,
  now: number,
  permanent: boolean,
): { reply: EmulatorReply; events: HookEvent[] } {
  const list = state.lists.get(req.params.list!)
  const m = list?.get(req.params.hash!)
  if (!list || !m || (m.status === 'archived' && !permanent)) return { reply: notFound(), events: [] }
  const events: HookEvent[] = [
    { type: 'unsubscribe', listId: m.list_id, source: 'api', data: memberHookData(m, { action: 'delete', reason: 'manual' }) },
  ]
  if (permanent) list.delete(m.id)
  else {
    m.status = 'archived'
    touch(m, now)
  }
  return { reply: { status: 204 }, events }
}

export function memberTags(req: EmulatorRequest, state: MailchimpState, now: number): EmulatorReply {
  const m = state.lists.get(req.params.list!)?.get(req.params.hash!)
  if (!m) return notFound()
  const tags = (req.body as { tags?: Array<{ name?: unknown; status?: unknown }> } | undefined)?.tags
  if (!Array.isArray(tags)) return invalid('tags', 'Schema describes array, object found instead')
  const before = m.tags.join('\u0000')
  for (const t of tags) {
    const name = String(t.name ?? '')
    if (t.status === 'inactive') m.tags = m.tags.filter((x) => x !== name)
    else if (!m.tags.includes(name)) m.tags.push(name)
  }
  if (m.tags.join('\u0000') !== before) touch(m, now)
  return { status: 204 }
}
