/**
 * The Mailchimp Marketing emulator, under `<base>/3.0`: ping, list members (get, add, PUT
 * upsert with `status_if_new`, PATCH) and member tags, basic auth (`anystring:<key>`), errors as
 * `application/problem+json`, and Mailchimp's 10 simultaneous connections per key (the 11th
 * gets 429). Re-subscribing a member who unsubscribed with `status: subscribed` answers 400
 * "Member In Compliance State" (`complianceState: false` lets it through, to prove a client
 * does not depend on that guard).
 * @module
 */
import { createHash } from 'node:crypto'
import { createEmulator, type EmulatorServer } from '../../sandbox/emulator.js'
import type { FaultConfig } from '../../sandbox/faults.js'
import { type EmulatorReply, type EmulatorRequest, header, json } from '../../sandbox/reply.js'

export interface MemberState {
  id: string
  email_address: string
  status: string
  merge_fields: Record<string, unknown>
  tags: string[]
  list_id: string
  timestamp_signup: string
  last_changed: string
}

export interface MailchimpState {
  lists: Map<string, Map<string, MemberState>>
}

export interface MailchimpEmulatorOptions {
  clock?: { now(): number }
  random?: () => number
  faults?: FaultConfig
  /** Accepted API keys; any key with a data-centre suffix when absent. */
  apiKeys?: string[]
  /** Known list ids; any list id is accepted when absent. */
  lists?: string[]
  /** Simultaneous requests per key before 429. @defaultValue 10 */
  maxConnections?: number
  /** Delay of every answer in ms (lets concurrency show). @defaultValue 0 */
  latencyMs?: number
  /** Refuse `status: subscribed` for an unsubscribed member. @defaultValue true */
  complianceState?: boolean
}

export interface MailchimpEmulator extends EmulatorServer<MailchimpState> {
  member(listId: string, email: string): MemberState | undefined
  /** Put a member in a list directly (e.g. someone who unsubscribed). */
  seedMember(listId: string, email: string, status: string, mergeFields?: Record<string, unknown>): MemberState
}

const PROBLEM_TYPE = 'https://mailchimp.com/developer/marketing/docs/errors/'
export function problem(status: number, title: string, detail: string, extra: Record<string, unknown> = {}): EmulatorReply {
  return {
    status,
    headers: { 'content-type': 'application/problem+json; charset=utf-8' },
    body: { type: PROBLEM_TYPE, title, status, detail, instance: '00000000-0000-4000-8000-000000000000', ...extra },
  }
}

const md5 = (s: string) => createHash('md5').update(s.trim().toLowerCase()).digest('hex')
const STATUSES = ['subscribed', 'unsubscribed', 'cleaned', 'pending', 'transactional']

export function mailchimpEmulator(options: MailchimpEmulatorOptions = {}): MailchimpEmulator {
  const max = options.maxConnections ?? 10
  const active = new Map<string, number>()
  const emu = createEmulator<MailchimpState>({
    service: 'mailchimp',
    state: () => ({ lists: new Map() }),
    clock: options.clock,
    random: options.random,
    faults: options.faults,
    tooManyRequests: () => problem(429, 'Too Many Requests', `You have exceeded the limit of ${max} simultaneous connections.`),
    serverError: (_r, status) =>
      status === 503
        ? {
            status: 503,
            headers: { 'content-type': 'text/html' },
            body: '<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body>Service Unavailable</body></html>',
          }
        : problem(status, 'Internal Server Error', 'An unexpected internal error has occurred.'),
    notFound: () => problem(404, 'Resource Not Found', 'The requested resource could not be found.'),
  })

  const keyOf = (req: EmulatorRequest): string | null => {
    const h = header(req, 'authorization') ?? ''
    const m = /^Basic\s+(.+)$/i.exec(h)
    if (!m) return null
    const decoded = Buffer.from(m[1], 'base64').toString('utf8')
    const key = decoded.slice(decoded.indexOf(':') + 1)
    if (options.apiKeys ? !options.apiKeys.includes(key) : !/-[a-z]+\d+$/.test(key)) return null
    return key
  }

  const route = (method: string, path: string, fn: (req: EmulatorRequest, state: MailchimpState, now: number) => EmulatorReply) =>
    emu.route(method, `/3.0${path}`, async (req, ctx) => {
      const key = keyOf(req)
      if (!key) return problem(401, 'API Key Invalid', "Your API key may be invalid, or you've attempted to access the wrong datacenter.")
      const n = (active.get(key) ?? 0) + 1
      if (n > max) return problem(429, 'Too Many Requests', `You have exceeded the limit of ${max} simultaneous connections.`)
      active.set(key, n)
      try {
        if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs))
        if (req.params.list && options.lists && !options.lists.includes(req.params.list))
          return problem(404, 'Resource Not Found', 'The requested resource could not be found.')
        return fn(req, ctx.state, ctx.now)
      } finally {
        active.set(key, (active.get(key) ?? 1) - 1)
      }
    })

  const listOf = (state: MailchimpState, id: string) => {
    let l = state.lists.get(id)
    if (!l) {
      l = new Map()
      state.lists.set(id, l)
    }
    return l
  }
  const memberJson = (m: MemberState) => ({
    ...m,
    unique_email_id: m.id.slice(0, 10),
    contact_id: m.id,
    full_name: [m.merge_fields.FNAME, m.merge_fields.LNAME].filter(Boolean).join(' '),
    tags_count: m.tags.length,
    tags: m.tags.map((name, i) => ({ id: i + 1, name })),
  })
  const invalid = (field: string, message: string) =>
    problem(400, 'Invalid Resource', "The resource submitted could not be validated. For field-specific details, see the 'errors' array.", {
      errors: [{ field, message }],
    })

  const write = (req: EmulatorRequest, state: MailchimpState, now: number, mode: 'put' | 'post' | 'patch'): EmulatorReply => {
    const body = (req.body ?? {}) as { email_address?: unknown; status?: unknown; status_if_new?: unknown; merge_fields?: unknown }
    const list = listOf(state, req.params.list)
    const hash = mode === 'post' ? md5(String(body.email_address ?? '')) : req.params.hash
    const existing = list.get(hash)
    if (mode !== 'patch' && (typeof body.email_address !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(body.email_address)))
      return invalid('email_address', 'This value should be a valid email.')
    if (mode === 'put' && md5(body.email_address as string) !== hash)
      return invalid('email_address', 'The subscriber hash does not match the email address.')
    if (mode === 'post' && existing)
      return problem(400, 'Member Exists', `${body.email_address} is already a list member. Use PUT to insert or update list members.`)
    if (mode === 'patch' && !existing) return problem(404, 'Resource Not Found', 'The requested resource could not be found.')
    for (const f of ['status', 'status_if_new'] as const)
      if (body[f] !== undefined && !STATUSES.includes(String(body[f]))) return invalid(f, `Value must be one of: ${STATUSES.join(', ')}`)
    const at = new Date(now).toISOString()
    if (!existing) {
      const status = mode === 'post' ? body.status : (body.status ?? body.status_if_new)
      if (status === undefined) return invalid(mode === 'post' ? 'status' : 'status_if_new', 'This value should not be blank.')
      const m: MemberState = {
        id: hash,
        email_address: body.email_address as string,
        status: String(status),
        merge_fields: { ...(body.merge_fields as object) },
        tags: [],
        list_id: req.params.list,
        timestamp_signup: at,
        last_changed: at,
      }
      list.set(hash, m)
      return json(200, memberJson(m))
    }
    if (body.status !== undefined && body.status !== existing.status) {
      if ((options.complianceState ?? true) && existing.status === 'unsubscribed' && body.status === 'subscribed') {
        return problem(
          400,
          'Member In Compliance State',
          `${existing.email_address} is in a compliance state due to unsubscribe, bounce, or compliance review and cannot be subscribed.`,
        )
      }
      existing.status = String(body.status)
      existing.last_changed = at
    }
    if (body.merge_fields) existing.merge_fields = { ...existing.merge_fields, ...(body.merge_fields as object) }
    return json(200, memberJson(existing))
  }

  route('GET', '/ping', () => json(200, { health_status: "Everything's Chimpy!" }))
  route('GET', '/lists/:list/members/:hash', (req, state) => {
    const m = state.lists.get(req.params.list)?.get(req.params.hash)
    return m ? json(200, memberJson(m)) : problem(404, 'Resource Not Found', 'The requested resource could not be found.')
  })
  route('POST', '/lists/:list/members', (req, state, now) => write(req, state, now, 'post'))
  route('PUT', '/lists/:list/members/:hash', (req, state, now) => write(req, state, now, 'put'))
  route('PATCH', '/lists/:list/members/:hash', (req, state, now) => write(req, state, now, 'patch'))
  route('GET', '/lists/:list/members/:hash/tags', (req, state) => {
    const m = state.lists.get(req.params.list)?.get(req.params.hash)
    if (!m) return problem(404, 'Resource Not Found', 'The requested resource could not be found.')
    return json(200, { tags: m.tags.map((name, i) => ({ id: i + 1, name, date_added: m.last_changed })), total_items: m.tags.length })
  })
  route('POST', '/lists/:list/members/:hash/tags', (req, state) => {
    const m = state.lists.get(req.params.list)?.get(req.params.hash)
    if (!m) return problem(404, 'Resource Not Found', 'The requested resource could not be found.')
    const tags = (req.body as { tags?: Array<{ name?: unknown; status?: unknown }> } | undefined)?.tags
    if (!Array.isArray(tags)) return invalid('tags', 'Schema describes array, object found instead')
    for (const t of tags) {
      const name = String(t.name ?? '')
      if (t.status === 'inactive') m.tags = m.tags.filter((x) => x !== name)
      else if (!m.tags.includes(name)) m.tags.push(name)
    }
    return { status: 204 }
  })

  return Object.assign(emu, {
    member: (listId: string, email: string) => emu.state.lists.get(listId)?.get(md5(email)),
    seedMember: (listId: string, email: string, status: string, mergeFields: Record<string, unknown> = {}) => {
      const at = new Date(emu.now()).toISOString()
      const m: MemberState = {
        id: md5(email),
        email_address: email,
        status,
        merge_fields: mergeFields,
        tags: [],
        list_id: listId,
        timestamp_signup: at,
        last_changed: at,
      }
      listOf(emu.state, listId).set(m.id, m)
      return m
    },
  })
}
