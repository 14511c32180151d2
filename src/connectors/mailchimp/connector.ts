/**
 * The Mailchimp connector: `members.upsert` = `PUT /3.0/lists/{list}/members/{md5(lower(email))}`
 * with `status_if_new`, merge fields and interests, then tags (`POST …/tags`).
 *
 * Consent (docs/consent.md), twice over:
 * - Nobody is subscribed without recorded consent: a `status` or `statusIfNew` of
 *   `subscribed` (or `pending`) needs the contact's recorded consent to allow it, else the
 *   call fails with `PW_CONSENT_REQUIRED` before anything is sent. `consent: { source, … }`
 *   records the evidence first, for a sign-up form that subscribes in the same step.
 * - Nobody is re-subscribed: `status_if_new` applies only to a new member; an explicit
 *   `status` of `subscribed` or `pending` is sent only after reading the member and finding
 *   that they are not `unsubscribed` or `cleaned` — otherwise their status is left as it is
 *   and the output says `consentKept: true`.
 * @module
 */
import { createHash } from 'node:crypto'
import { z } from 'zod'
import { consentEvidenceInput } from '../../consent/evidence.js'
import { type ActionContext, type ActionDefinition, defineConnector } from '../contract.js'
import { errorFor, providerCall } from '../provider-call.js'
import { classifyMailchimp } from './classify.js'
import { type MailchimpConnection, mailchimpConnectionSchema, mailchimpFromEnv, mailchimpLimits, mailchimpOrigin } from './connection.js'
import { assertConsent } from './consent-guard.js'
import { membersArchive, membersGet, membersList, membersSync } from './members.js'

const STATUS = z.enum(['subscribed', 'unsubscribed', 'cleaned', 'pending', 'transactional'])

export const memberUpsertInput = z.object({
  listId: z.string().min(1),
  email: z.string().email(),
  /** Status of a member that does not exist yet. */
  statusIfNew: STATUS,
  /** Status to set on an existing member; `subscribed`/`pending` never apply to someone who unsubscribed or was cleaned. */
  status: STATUS.optional(),
  mergeFields: z.record(z.string(), z.union([z.string(), z.number(), z.record(z.string(), z.string())])).optional(),
  /** Tags made active on the member. */
  tags: z.array(z.string().min(1)).optional(),
  /** Tags made inactive on the member. */
  removeTags: z.array(z.string().min(1)).optional(),
  /** Interest (group) ids → whether the member is in it. */
  interests: z.record(z.string(), z.boolean()).optional(),
  /** Consent scope checked before subscribing. @defaultValue 'marketing' */
  consentScope: z.string().min(1).optional(),
  /** Consent evidence to record before the write (a sign-up form's opt-in). */
  consent: consentEvidenceInput.optional(),
})
export type MemberUpsertInput = z.input<typeof memberUpsertInput>
type ParsedUpsert = z.output<typeof memberUpsertInput>

export interface MemberUpsertOutput {
  id: string
  email: string
  status: string
  /** True when a requested (re-)subscription was not applied because the member had unsubscribed or was cleaned. */
  consentKept: boolean
}

type Ctx = ActionContext<MailchimpConnection>

/** Mailchimp's subscriber hash: MD5 of the lower-cased e-mail address. */
export function subscriberHash(email: string): string {
  return createHash('md5').update(email.trim().toLowerCase()).digest('hex')
}

/** One Mailchimp API request (`/3.0` + path); `allow404`: a missing resource is `null`. */
export async function mailchimpRequest<T>(
  ctx: Ctx,
  method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  allow404 = false,
): Promise<T | null> {
  const res = await providerCall(ctx, {
    service: 'Mailchimp',
    method,
    url: `${mailchimpOrigin(ctx.connection)}/3.0${path}`,
    what: path,
    headers: { authorization: `Basic ${Buffer.from(`pipewright:${ctx.connection.apiKey}`).toString('base64')}` },
    body,
  })
  if (allow404 && res.status === 404) return null
  const c = classifyMailchimp(res, ctx.clock.now())
  const err = errorFor(
    c.kind === 'retryable' ? { kind: 'retryable' } : c,
    res.status,
    `Mailchimp ${method} ${path}: ${(c as { message?: string }).message ?? `HTTP ${res.status}`}`,
    c.kind === 'rate-limited' ? 'TOO_MANY_REQUESTS' : undefined,
  )
  if (err) throw err
  return res.body as T
}

const OPTED_OUT = new Set(['unsubscribed', 'cleaned'])

const membersUpsert: ActionDefinition<MailchimpConnection, ParsedUpsert, MemberUpsertOutput> = {
  input: memberUpsertInput as unknown as z.ZodType<ParsedUpsert>,
  effectKey: (i) => `member:${i.listId}:${i.email.trim().toLowerCase()}`,
  run: async (input, ctx) => {
    await assertConsent(ctx.consent, `mailchimp.members.upsert of ${input.email}`, input.email, [input.statusIfNew, input.status], {
      ...(input.consentScope ? { scope: input.consentScope } : {}),
      ...(input.consent ? { evidence: input.consent } : {}),
      now: ctx.clock.now(),
    })
    const hash = subscriberHash(input.email)
    const memberPath = `/lists/${encodeURIComponent(input.listId)}/members/${hash}`
    let status = input.status
    let consentKept = false
    if (status === 'subscribed' || status === 'pending') {
      const existing = await mailchimpRequest<{ status: string }>(ctx, 'GET', `${memberPath}?fields=status`, undefined, true)
      if (existing && OPTED_OUT.has(existing.status)) {
        status = undefined
        consentKept = true
      }
    }
    const body = {
      email_address: input.email.trim(),
      status_if_new: input.statusIfNew,
      ...(status ? { status } : {}),
      ...(input.mergeFields ? { merge_fields: input.mergeFields } : {}),
      ...(input.interests ? { interests: input.interests } : {}),
    }
    const member = (await mailchimpRequest<{ id: string; email_address: string; status: string }>(ctx, 'PUT', memberPath, body)) as {
      id: string
      email_address: string
      status: string
    }
    const tags = [
      ...(input.tags ?? []).map((name) => ({ name, status: 'active' })),
      ...(input.removeTags ?? []).map((name) => ({ name, status: 'inactive' })),
    ]
    if (tags.length > 0) await mailchimpRequest(ctx, 'POST', `${memberPath}/tags`, { tags })
    return { id: member.id, email: member.email_address, status: member.status, consentKept }
  },
}

export const mailchimpConnector = defineConnector<MailchimpConnection>({
  id: 'mailchimp',
  connection: mailchimpConnectionSchema as never,
  fromEnv: mailchimpFromEnv,
  limits: mailchimpLimits,
  actions: {
    'members.upsert': membersUpsert,
    'members.list': membersList,
    'members.get': membersGet,
    'members.sync': membersSync,
    'members.archive': membersArchive,
  },
})
