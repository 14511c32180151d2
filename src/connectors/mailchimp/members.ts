/**
 * Mailchimp list members as sync records (the `mailchimp:` side, src/sync/sides/mailchimp.ts):
 *
 * - `members.list` `{ listId, since?, offset?, count? }` — members changed since a time
 *   (`since_last_changed`, whole seconds, inclusive), oldest first.
 * - `members.get` `{ listId, ids }` — members by subscriber hash (archived or missing left out).
 * - `members.sync` `{ listId, id? | email, status?, mergeFields?, tags?, interests? }` — create or
 *   update one member, consent first: `subscribed`/`pending` are written only when the recorded
 *   consent allows them (else a new member becomes `transactional` and an existing one keeps
 *   its status: `consentMissing`), and never over `unsubscribed` or `cleaned` (`consentKept`).
 *   New members get `status_if_new`; `tags` is the full set (added and removed to match).
 *   Concurrent calls for one list are written as one batch subscribe (`POST /lists/{id}`,
 *   `update_existing`, up to 500 members), after the same reads and consent checks.
 * - `members.archive` `{ listId, id }` — `DELETE` (archive; Mailchimp keeps the opt-out).
 * @module
 */
import { z } from 'zod'
import { consentAllows } from '../../consent/policy.js'
import { DEFAULT_CONSENT_SCOPE } from '../../consent/types.js'
import { NonRetryableError } from '../../errors.js'
import type { ActionContext, ActionDefinition } from '../contract.js'
import type { MailchimpConnection } from './connection.js'
import { mailchimpRequest, subscriberHash } from './connector.js'

type Ctx = ActionContext<MailchimpConnection>

export interface MemberJson {
  id: string
  email_address: string
  status: string
  merge_fields?: Record<string, unknown>
  interests?: Record<string, boolean>
  tags?: Array<{ id?: number; name: string }>
  last_changed?: string
}

const STATUS = z.enum(['subscribed', 'unsubscribed', 'cleaned', 'pending', 'transactional'])
const OPTED_OUT = new Set(['unsubscribed', 'cleaned'])

export const membersListInput = z.object({
  listId: z.string().min(1),
  /** Members changed at or after this time (epoch ms). */
  since: z.number().nullable().optional(),
  offset: z.number().int().min(0).default(0),
  count: z.number().int().min(1).max(1000).default(500),
})
export const membersGetInput = z.object({ listId: z.string().min(1), ids: z.array(z.string()).max(500) })
export const membersSyncInput = z
  .object({
    listId: z.string().min(1),
    /** The member's subscriber hash (an update); else `email` names the member. */
    id: z.string().optional(),
    email: z.string().email().optional(),
    status: STATUS.optional(),
    mergeFields: z.record(z.string(), z.unknown()).optional(),
    /** The member's tags, all of them: others are made inactive. */
    tags: z.array(z.string().min(1)).optional(),
    interests: z.record(z.string(), z.boolean()).optional(),
    /** @defaultValue 'marketing' */
    consentScope: z.string().min(1).optional(),
  })
  .refine((i) => i.id || i.email, { message: 'give id (subscriber hash) or email' })
export const membersArchiveInput = z.object({ listId: z.string().min(1), id: z.string().min(1) })

type SyncInput = z.output<typeof membersSyncInput>
export interface MemberSyncOutput {
  id: string
  email: string
  status: string
  /** A subscription was asked for but the member had unsubscribed or was cleaned: left as it was. */
  consentKept: boolean
  /** A subscription was asked for without recorded consent: not applied. */
  consentMissing: boolean
}

const path = (listId: string, hash?: string) => `/lists/${encodeURIComponent(listId)}/members${hash ? `/${hash}` : ''}`

/** What one member write will be, decided from the member as it is and the recorded consent. */
async function decide(ctx: Ctx, i: SyncInput) {
  const hash = i.id ?? subscriberHash(i.email!)
  const existing = await mailchimpRequest<MemberJson>(ctx, 'GET', path(i.listId, hash), undefined, true)
  const email = i.email ?? existing?.email_address
  if (!email) throw new NonRetryableError(`Mailchimp list ${i.listId} has no member ${hash}, and no email was given to create one`)
  let status: string | undefined = i.status
  let consentKept = false
  let consentMissing = false
  if (status === 'subscribed' || status === 'pending') {
    if (existing && OPTED_OUT.has(existing.status)) {
      status = undefined
      consentKept = true
    } else {
      const record = ctx.consent ? await ctx.consent.get(email, i.consentScope ?? DEFAULT_CONSENT_SCOPE) : null
      if (!consentAllows(record, status)) {
        status = undefined
        consentMissing = true
      }
    }
  }
  if (existing && status === existing.status) status = undefined
  return { hash, existing, email, status, consentKept, consentMissing }
}

function tagChanges(existing: MemberJson | null, want: string[] | undefined) {
  if (!want) return []
  const have = new Set((existing?.tags ?? []).map((t) => t.name))
  const next = new Set(want)
  return [
    ...[...next].filter((t) => !have.has(t)).map((name) => ({ name, status: 'active' })),
    ...[...have].filter((t) => !next.has(t)).map((name) => ({ name, status: 'inactive' })),
  ]
}

async function syncOne(ctx: Ctx, i: SyncInput): Promise<MemberSyncOutput> {
  return putDecided(ctx, i, await decide(ctx, i))
}

async function putDecided(ctx: Ctx, i: SyncInput, d: Awaited<ReturnType<typeof decide>>): Promise<MemberSyncOutput> {
  const body = {
    email_address: i.email?.trim() ?? d.email,
    status_if_new: d.existing ? 'transactional' : (d.status ?? 'transactional'),
    ...(d.status && d.existing ? { status: d.status } : {}),
    ...(i.mergeFields ? { merge_fields: i.mergeFields } : {}),
    ...(i.interests ? { interests: i.interests } : {}),
  }
  const member = (await mailchimpRequest<MemberJson>(ctx, 'PUT', path(i.listId, d.hash), body))!
  const tags = tagChanges(d.existing, i.tags)
  if (tags.length) await mailchimpRequest(ctx, 'POST', `${path(i.listId, d.hash)}/tags`, { tags })
  return { id: member.id, email: member.email_address, status: member.status, consentKept: d.consentKept, consentMissing: d.consentMissing }
}

export const membersList: ActionDefinition<
  MailchimpConnection,
  z.output<typeof membersListInput>,
  { members: MemberJson[]; total: number }
> = {
  input: membersListInput as never,
  run: async (i, ctx) => {
    const q = new URLSearchParams({ sort_field: 'last_changed', sort_dir: 'ASC', count: String(i.count), offset: String(i.offset) })
    if (i.since !== null && i.since !== undefined) q.set('since_last_changed', new Date(Math.floor(i.since / 1000) * 1000).toISOString())
    const res = (await mailchimpRequest<{ members: MemberJson[]; total_items: number }>(ctx, 'GET', `${path(i.listId)}?${q}`))!
    return { members: res.members, total: res.total_items }
  },
}

export const membersGet: ActionDefinition<MailchimpConnection, z.output<typeof membersGetInput>, MemberJson[]> = {
  input: membersGetInput as never,
  run: async (i, ctx) => {
    const out: MemberJson[] = []
    for (const id of i.ids) {
      const m = await mailchimpRequest<MemberJson>(ctx, 'GET', path(i.listId, id), undefined, true)
      if (m && m.status !== 'archived') out.push(m)
    }
    return out
  },
}

interface BatchReply {
  new_members: MemberJson[]
  updated_members: MemberJson[]
  errors: Array<{ email_address: string; error: string; error_code?: string }>
}

/**
 * Concurrent syncs of one list as one `POST /lists/{id}` (batch subscribe, `update_existing`):
 * each member is read and its consent checked as for one call, then all are written in one
 * request instead of one `PUT` each; tag changes still go per member.
 */
async function syncBatch(inputs: SyncInput[], ctx: Ctx): Promise<Array<MemberSyncOutput | Error>> {
  if (inputs.length === 1) return [await syncOne(ctx, inputs[0]!).catch((e: Error) => e)]
  const decided: Array<Awaited<ReturnType<typeof decide>> | Error> = []
  for (let i = 0; i < inputs.length; i += 5)
    decided.push(...(await Promise.all(inputs.slice(i, i + 5).map((x) => decide(ctx, x).catch((e: Error) => e)))))
  // batch subscribe states every member's status: a subscribed member whose status stays goes as a
  // single PUT without one, so no request ever says "subscribed" unless a subscription was decided
  const alone = (d: Awaited<ReturnType<typeof decide>>) =>
    Boolean(d.existing && !d.status && (d.existing.status === 'subscribed' || d.existing.status === 'pending'))
  const members = inputs.flatMap((i, n) => {
    const d = decided[n]!
    if (d instanceof Error || alone(d)) return []
    return [
      {
        email_address: i.email?.trim() ?? d.email,
        status: d.status ?? d.existing?.status ?? 'transactional',
        ...(d.existing ? {} : { status_if_new: d.status ?? 'transactional' }),
        ...(i.mergeFields ? { merge_fields: i.mergeFields } : {}),
        ...(i.interests ? { interests: i.interests } : {}),
      },
    ]
  })
  const listId = inputs[0]!.listId
  const reply = members.length
    ? (await mailchimpRequest<BatchReply>(ctx, 'POST', `/lists/${encodeURIComponent(listId)}`, { members, update_existing: true }))!
    : { new_members: [], updated_members: [], errors: [] }
  const byEmail = new Map([...reply.new_members, ...reply.updated_members].map((m) => [m.email_address.toLowerCase(), m]))
  const failed = new Map(reply.errors.map((e) => [e.email_address.toLowerCase(), e]))
  const out: Array<MemberSyncOutput | Error> = []
  for (const [n, i] of inputs.entries()) {
    const d = decided[n]!
    if (d instanceof Error) {
      out.push(d)
      continue
    }
    if (alone(d)) {
      out.push(await putDecided(ctx, i, d).catch((e: Error) => e))
      continue
    }
    const email = (i.email?.trim() ?? d.email).toLowerCase()
    const err = failed.get(email)
    const m = byEmail.get(email)
    if (err || !m) {
      out.push(
        new NonRetryableError(`Mailchimp batch subscribe of ${email}: ${err?.error ?? 'not in the answer'}`, {
          ...(err?.error_code ? { providerCode: err.error_code } : {}),
        }),
      )
      continue
    }
    try {
      const tags = tagChanges(d.existing, i.tags)
      if (tags.length) await mailchimpRequest(ctx, 'POST', `${path(listId, d.hash)}/tags`, { tags })
      out.push({ id: m.id, email: m.email_address, status: m.status, consentKept: d.consentKept, consentMissing: d.consentMissing })
    } catch (e) {
      out.push(e as Error)
    }
  }
  return out
}

export const membersSync: ActionDefinition<MailchimpConnection, SyncInput, MemberSyncOutput> = {
  input: membersSyncInput as never,
  batch: { maxSize: 500, windowMs: 20, key: (i) => i.listId, run: syncBatch },
  run: (i, ctx) => syncOne(ctx, i),
}

export const membersArchive: ActionDefinition<MailchimpConnection, z.output<typeof membersArchiveInput>, { id: string }> = {
  input: membersArchiveInput as never,
  run: async (i, ctx) => {
    await mailchimpRequest(ctx, 'DELETE', path(i.listId, i.id), undefined, true)
    return { id: i.id }
  },
}
