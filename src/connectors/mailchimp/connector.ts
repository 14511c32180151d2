/**
 * The Mailchimp connector: `members.upsert` = `PUT /3.0/lists/{list}/members/{md5(lower(email))}`
 * with `status_if_new`, merge fields, then tags (`POST …/tags`).
 *
 * Consent: the upsert never re-subscribes anyone. `status_if_new` applies only to a new
 * member; an explicit `status` of `subscribed` or `pending` is sent only after reading the
 * member and finding that they are not `unsubscribed` or `cleaned` — otherwise their status is
 * left as it is and the output says `consentKept: true`.
 * @module
 */
import { createHash } from 'node:crypto'
import { request } from 'undici'
import { z } from 'zod'
import { ErrorCodes, NonRetryableError, RateLimitedError, RetryableError } from '../../errors.js'
import { type ActionContext, type ActionDefinition, defineConnector } from '../contract.js'
import { classifyMailchimp } from './classify.js'
import { type MailchimpConnection, mailchimpConnectionSchema, mailchimpFromEnv, mailchimpLimits, mailchimpOrigin } from './connection.js'

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
})
export type MemberUpsertInput = z.infer<typeof memberUpsertInput>

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

async function call<T>(ctx: Ctx, method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown, allow404 = false): Promise<T | null> {
  const url = `${mailchimpOrigin(ctx.connection)}/3.0${path}`
  let res: { status: number; headers: Record<string, string | string[] | undefined>; body: unknown }
  try {
    const r = await request(url, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`pipewright:${ctx.connection.apiKey}`).toString('base64')}`,
        accept: 'application/json',
        'idempotency-key': ctx.call.idempotencyKey,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: ctx.signal,
    })
    const text = await r.body.text()
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      /* keep the text (HTML throttle pages) */
    }
    res = { status: r.statusCode, headers: r.headers, body: parsed }
  } catch (e) {
    if (ctx.signal.aborted) throw e
    throw new RetryableError(`Mailchimp ${method} ${path} failed before an answer: ${(e as Error).message}`, {
      code: ErrorCodes.CONNECTOR_NETWORK,
      cause: e,
      providerCode: (e as { code?: string }).code,
    })
  }
  if (allow404 && res.status === 404) return null
  const c = classifyMailchimp(res, ctx.clock.now())
  if (c.kind === 'ok') return res.body as T
  const msg = `Mailchimp ${method} ${path}: ${c.message ?? `HTTP ${res.status}`}`
  if (c.kind === 'rate-limited') throw new RateLimitedError(msg, c.afterMs, { status: res.status, providerCode: 'TOO_MANY_REQUESTS' })
  if (c.kind === 'retryable') throw new RetryableError(msg, { status: res.status })
  throw new NonRetryableError(msg, { status: res.status, providerCode: c.code })
}

const OPTED_OUT = new Set(['unsubscribed', 'cleaned'])

const membersUpsert: ActionDefinition<MailchimpConnection, MemberUpsertInput, MemberUpsertOutput> = {
  input: memberUpsertInput as z.ZodType<MemberUpsertInput>,
  effectKey: (i) => `member:${i.listId}:${i.email.trim().toLowerCase()}`,
  run: async (input, ctx) => {
    const hash = subscriberHash(input.email)
    const memberPath = `/lists/${encodeURIComponent(input.listId)}/members/${hash}`
    let status = input.status
    let consentKept = false
    if (status === 'subscribed' || status === 'pending') {
      const existing = await call<{ status: string }>(ctx, 'GET', `${memberPath}?fields=status`, undefined, true)
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
    }
    const member = (await call<{ id: string; email_address: string; status: string }>(ctx, 'PUT', memberPath, body)) as {
      id: string
      email_address: string
      status: string
    }
    const tags = [
      ...(input.tags ?? []).map((name) => ({ name, status: 'active' })),
      ...(input.removeTags ?? []).map((name) => ({ name, status: 'inactive' })),
    ]
    if (tags.length > 0) await call(ctx, 'POST', `${memberPath}/tags`, { tags })
    return { id: member.id, email: member.email_address, status: member.status, consentKept }
  },
}

export const mailchimpConnector = defineConnector<MailchimpConnection>({
  id: 'mailchimp',
  connection: mailchimpConnectionSchema as never,
  fromEnv: mailchimpFromEnv,
  limits: mailchimpLimits,
  actions: { 'members.upsert': membersUpsert },
})
