/**
 * The Mailchimp Marketing emulator, under `<base>/3.0`: ping; lists, merge fields, interest
 * categories and interests; list members (get, list with `since_last_changed`/`status`/sorting/
 * paging, add, PUT upsert with `status_if_new`, PATCH, archive, permanent delete) and member
 * tags; batch operations (emulator-batches.ts); list webhooks, checked with a GET when saved and
 * sent form-encoded on every change (emulator-webhooks.ts). Basic auth (`anystring:<key>`),
 * errors as `application/problem+json`, and Mailchimp's 10 simultaneous connections per key
 * (the 11th gets 429). Re-subscribing a member who unsubscribed with `status: subscribed`
 * answers 400 "Member In Compliance State" (`complianceState: false` lets it through, to prove
 * a client does not depend on that guard).
 *
 * Test controls act as the audience's members would in Mailchimp (source `user`), firing the
 * same webhooks: `userUnsubscribes`, `userSubscribes`, `userUpdatesProfile`, `userChangesEmail`,
 * `bounces`, `sendsCampaign`; `flushWebhooks()` and `flushBatches()` wait for background work.
 * @module
 */
import { createEmulator, type EmulatorServer } from '../../sandbox/emulator.js'
import type { FaultConfig } from '../../sandbox/faults.js'
import { type EmulatorReply, type EmulatorRequest, header, json } from '../../sandbox/reply.js'
import { Router } from '../../sandbox/router.js'
import { batchSubscribe } from './emulator-batch-subscribe.js'
import { createBatchRunner } from './emulator-batches.js'
import {
  addCategory,
  addInterest,
  addMergeField,
  getCategories,
  getInterests,
  getLists,
  getMergeFields,
  listJson,
} from './emulator-lists.js'
import {
  archiveMember,
  type HookEvent,
  listMembers,
  memberHookData,
  memberJson,
  memberTags,
  newMember,
  statusEvents,
  touch,
  writeMember,
} from './emulator-members.js'
import {
  emptyState,
  type Handler,
  type MailchimpState,
  type MemberState,
  md5,
  membersOf,
  nextId,
  notFound,
  problem,
} from './emulator-state.js'
import { createWebhookHub, type WebhookDelivery } from './emulator-webhooks.js'

export type { MailchimpState, MemberState } from './emulator-state.js'
export { problem } from './emulator-state.js'
export type { WebhookDelivery } from './emulator-webhooks.js'

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
  /** Refuse merge fields the list does not declare (FNAME, LNAME, ADDRESS, PHONE, BIRTHDAY, and added ones). @defaultValue false */
  strictMergeFields?: boolean
  /** Wait before a batch starts running. @defaultValue 0 */
  batchDelayMs?: number
}

export interface MailchimpEmulator extends EmulatorServer<MailchimpState> {
  member(listId: string, email: string): MemberState | undefined
  /** Put a member in a list directly (e.g. someone who unsubscribed); fires no webhook. */
  seedMember(listId: string, email: string, status: string, mergeFields?: Record<string, unknown>): MemberState
  /** The member unsubscribes (a link in a campaign): status `unsubscribed`, webhook source `user`. */
  userUnsubscribes(listId: string, email: string, options?: { reason?: string; campaignId?: string }): MemberState
  /** The person signs up through a Mailchimp form (new or returning): `subscribed`, source `user`. */
  userSubscribes(listId: string, email: string, mergeFields?: Record<string, unknown>): MemberState
  /** The member edits their profile: a `profile` webhook, source `user`. */
  userUpdatesProfile(listId: string, email: string, mergeFields: Record<string, unknown>): MemberState
  /** The member changes their address: an `upemail` webhook, source `user`. */
  userChangesEmail(listId: string, oldEmail: string, newEmail: string): MemberState
  /** Mail to the member bounced (or they complained): `cleaned`. */
  bounces(listId: string, email: string, reason?: 'hard' | 'abuse'): MemberState
  /** A campaign was sent to the list: a `campaign` webhook. */
  sendsCampaign(listId: string, campaign?: { id?: string; subject?: string }): void
  /** Webhook deliveries so far. */
  webhookDeliveries(): WebhookDelivery[]
  /** Wait for every webhook delivery started so far. */
  flushWebhooks(): Promise<void>
  /** Wait for every batch started so far to finish. */
  flushBatches(): Promise<void>
}

export function mailchimpEmulator(options: MailchimpEmulatorOptions = {}): MailchimpEmulator {
  const max = options.maxConnections ?? 10
  const active = new Map<string, number>()
  const memberOptions = { complianceState: options.complianceState ?? true, strictMergeFields: options.strictMergeFields ?? false }
  const emu = createEmulator<MailchimpState>({
    service: 'mailchimp',
    state: emptyState,
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
    notFound: () => notFound(),
  })
  const hooks = createWebhookHub({})
  const internal = new Router<Handler>()
  const batches = createBatchRunner({
    delayMs: options.batchDelayMs ?? 0,
    now: () => emu.now(),
    dispatch: async ({ method, path, query, body }) => {
      const { match } = internal.match(method, path)
      if (!match) return notFound()
      const req: EmulatorRequest = { method, path, query, headers: {}, params: match.params, rawBody: '', body, receivedAt: emu.now() }
      if (req.params.list && options.lists && !options.lists.includes(req.params.list)) return notFound()
      return match.handler(req, emu.state, emu.now())
    },
  })

  const keyOf = (req: EmulatorRequest): string | null => {
    const h = header(req, 'authorization') ?? ''
    const m = /^Basic\s+(.+)$/i.exec(h)
    if (!m) return null
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8')
    const key = decoded.slice(decoded.indexOf(':') + 1)
    if (options.apiKeys ? !options.apiKeys.includes(key) : !/-[a-z]+\d+$/.test(key)) return null
    return key
  }

  /** A route under /3.0 with auth and the connection limit; also reachable by batch operations. */
  const route = (method: string, path: string, fn: Handler) => {
    internal.add(method, path, fn)
    emu.route(method, `/3.0${path}`, async (req, ctx) => {
      const key = keyOf(req)
      if (!key) return problem(401, 'API Key Invalid', "Your API key may be invalid, or you've attempted to access the wrong datacenter.")
      const n = (active.get(key) ?? 0) + 1
      if (n > max) return problem(429, 'Too Many Requests', `You have exceeded the limit of ${max} simultaneous connections.`)
      active.set(key, n)
      try {
        if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs))
        if (req.params.list && options.lists && !options.lists.includes(req.params.list)) return notFound()
        return await fn(req, ctx.state, ctx.now)
      } finally {
        active.set(key, (active.get(key) ?? 1) - 1)
      }
    })
  }
  const firing =
    (fn: (req: EmulatorRequest, state: MailchimpState, now: number) => { reply: EmulatorReply; events: HookEvent[] }): Handler =>
    (req, state, now) => {
      const { reply, events } = fn(req, state, now)
      hooks.fire(state, events, now)
      return reply
    }

  route('GET', '/ping', () => json(200, { health_status: "Everything's Chimpy!" }))
  route('GET', '/lists', (_req, state) => getLists(state, options.lists))
  route('GET', '/lists/:list', (req, state) => json(200, listJson(state, req.params.list!)))
  route('GET', '/lists/:list/merge-fields', getMergeFields)
  route('POST', '/lists/:list/merge-fields', addMergeField)
  route('GET', '/lists/:list/interest-categories', getCategories)
  route('POST', '/lists/:list/interest-categories', addCategory)
  route('GET', '/lists/:list/interest-categories/:category/interests', getInterests)
  route('POST', '/lists/:list/interest-categories/:category/interests', addInterest)
  route(
    'POST',
    '/lists/:list',
    firing((req, state, now) => batchSubscribe(req, state, now, memberOptions)),
  )
  route('GET', '/lists/:list/members', listMembers)
  route('GET', '/lists/:list/members/:hash', (req, state) => {
    const m = state.lists.get(req.params.list!)?.get(req.params.hash!)
    return m ? json(200, memberJson(m)) : notFound()
  })
  route(
    'POST',
    '/lists/:list/members',
    firing((req, state, now) => writeMember(req, state, now, 'post', memberOptions)),
  )
  route(
    'PUT',
    '/lists/:list/members/:hash',
    firing((req, state, now) => writeMember(req, state, now, 'put', memberOptions)),
  )
  route(
    'PATCH',
    '/lists/:list/members/:hash',
    firing((req, state, now) => writeMember(req, state, now, 'patch', memberOptions)),
  )
  route(
    'DELETE',
    '/lists/:list/members/:hash',
    firing((req, state, now) => archiveMember(req, state, now, false)),
  )
  route(
    'POST',
    '/lists/:list/members/:hash/actions/delete-permanent',
    firing((req, state, now) => archiveMember(req, state, now, true)),
  )
  route('GET', '/lists/:list/members/:hash/tags', (req, state) => {
    const m = state.lists.get(req.params.list!)?.get(req.params.hash!)
    if (!m) return notFound()
    return json(200, { tags: m.tags.map((name, i) => ({ id: i + 1, name, date_added: m.last_changed })), total_items: m.tags.length })
  })
  route('POST', '/lists/:list/members/:hash/tags', memberTags)
  route('GET', '/lists/:list/webhooks', (req, state) => hooks.list(req, state))
  route('POST', '/lists/:list/webhooks', (req, state) => hooks.create(req, state))
  route('GET', '/lists/:list/webhooks/:webhook', (req, state) => hooks.get(req, state))
  route('PATCH', '/lists/:list/webhooks/:webhook', (req, state) => hooks.update(req, state))
  route('DELETE', '/lists/:list/webhooks/:webhook', (req, state) => hooks.remove(req, state))
  route('POST', '/batches', (req, state) => batches.start(req, state, emu.url))
  route('GET', '/batches', (req, state) => batches.list(req, state, emu.url))
  route('GET', '/batches/:batch', (req, state) => batches.get(req, state, emu.url))
  route('DELETE', '/batches/:batch', (req, state) => batches.remove(req, state))
  // Results are served from a pre-signed storage URL: no API key.
  emu.route('GET', '/__mailchimp/batch-results/:file', (req, ctx) => batches.results(req, ctx.state))

  const existing = (listId: string, email: string): MemberState => {
    const m = emu.state.lists.get(listId)?.get(md5(email))
    if (!m) throw new Error(`mailchimp emulator: ${email} is not a member of list ${listId}`)
    return m
  }
  const userStatus = (listId: string, email: string, status: string, extra: Record<string, unknown> = {}) => {
    const m = existing(listId, email)
    const from = m.status
    m.status = status
    touch(m, emu.now())
    hooks.fire(emu.state, statusEvents(m, from, 'user', extra), emu.now())
    return m
  }

  return Object.assign(emu, {
    member: (listId: string, email: string) => emu.state.lists.get(listId)?.get(md5(email)),
    seedMember: (listId: string, email: string, status: string, mergeFields: Record<string, unknown> = {}) => {
      const m = newMember(listId, email, status, emu.now())
      m.merge_fields = mergeFields
      membersOf(emu.state, listId).set(m.id, m)
      return m
    },
    userUnsubscribes: (listId: string, email: string, o: { reason?: string; campaignId?: string } = {}) =>
      userStatus(listId, email, 'unsubscribed', { reason: o.reason ?? 'manual', ...(o.campaignId ? { campaign_id: o.campaignId } : {}) }),
    userSubscribes: (listId: string, email: string, mergeFields: Record<string, unknown> = {}) => {
      const list = membersOf(emu.state, listId)
      let m = list.get(md5(email))
      const from = m?.status ?? null
      if (!m) {
        m = newMember(listId, email, 'subscribed', emu.now())
        list.set(m.id, m)
      }
      m.status = 'subscribed'
      m.merge_fields = { ...m.merge_fields, ...mergeFields }
      m.ip_signup = m.ip_signup || '203.0.113.10'
      m.ip_opt = '203.0.113.10'
      touch(m, emu.now())
      hooks.fire(emu.state, statusEvents(m, from, 'user'), emu.now())
      return m
    },
    userUpdatesProfile: (listId: string, email: string, mergeFields: Record<string, unknown>) => {
      const m = existing(listId, email)
      m.merge_fields = { ...m.merge_fields, ...mergeFields }
      touch(m, emu.now())
      hooks.fire(emu.state, [{ type: 'profile', listId, source: 'user', data: memberHookData(m) }], emu.now())
      return m
    },
    userChangesEmail: (listId: string, oldEmail: string, newEmail: string) => {
      const m = existing(listId, oldEmail)
      const list = membersOf(emu.state, listId)
      list.delete(m.id)
      m.email_address = newEmail
      m.id = md5(newEmail)
      list.set(m.id, m)
      touch(m, emu.now())
      const data = { list_id: listId, new_id: m.id.slice(0, 10), new_email: newEmail, old_email: oldEmail }
      hooks.fire(emu.state, [{ type: 'upemail', listId, source: 'user', data }], emu.now())
      return m
    },
    bounces: (listId: string, email: string, reason: 'hard' | 'abuse' = 'hard') => userStatus(listId, email, 'cleaned', { reason }),
    sendsCampaign: (listId: string, c: { id?: string; subject?: string } = {}) => {
      const data = { id: c.id ?? nextId(emu.state), subject: c.subject ?? 'Campaign', status: 'sent', reason: '', list_id: listId }
      hooks.fire(emu.state, [{ type: 'campaign', listId, source: 'admin', data }], emu.now())
    },
    webhookDeliveries: () => hooks.deliveries(),
    flushWebhooks: () => hooks.flush(),
    flushBatches: () => batches.flush(),
  })
}
