/**
 * `POST /3.0/lists/{list}` in the Mailchimp emulator: batch subscribe or unsubscribe, up to 500
 * members a request, each written as `PUT …/members/{hash}` would write it (with `status` as the
 * member's status, `status_if_new` for a new one), existing members updated only with
 * `update_existing: true`. The answer lists `new_members`, `updated_members` and per-member
 * `errors` (`{ email_address, error, error_code, field, field_message }`), as Mailchimp does.
 * @module
 */
import { createHash } from 'node:crypto'
import { type EmulatorReply, type EmulatorRequest, json } from '../../sandbox/reply.js'
import { type HookEvent, type MemberOptions, writeMember } from './emulator-members.js'
import { type MailchimpState, membersOf, problem } from './emulator-state.js'

const md5 = (s: string) => createHash('md5').update(s.trim().toLowerCase()).digest('hex')

export function batchSubscribe(
  req: EmulatorRequest,
  state: MailchimpState,
  now: number,
  options: MemberOptions,
): { reply: EmulatorReply; events: HookEvent[] } {
  const body = (req.body ?? {}) as { members?: unknown; update_existing?: unknown }
  if (!Array.isArray(body.members))
    return { reply: problem(400, 'Invalid Resource', 'The resource submitted could not be validated: members is required.'), events: [] }
  if (body.members.length > 500)
    return { reply: problem(400, 'Invalid Resource', 'You may only add or update 500 members at a time.'), events: [] }
  const list = membersOf(state, req.params.list!)
  const out = { new_members: [] as unknown[], updated_members: [] as unknown[], errors: [] as unknown[] }
  const events: HookEvent[] = []
  for (const raw of body.members as Array<Record<string, unknown>>) {
    const email = typeof raw?.email_address === 'string' ? raw.email_address : ''
    const hash = md5(email)
    const existing = list.get(hash)
    if (existing && body.update_existing !== true) {
      out.errors.push({ email_address: email, error: `${email} is already a list member`, error_code: 'ERROR_CONTACT_EXISTS' })
      continue
    }
    const r = writeMember({ ...req, params: { list: req.params.list!, hash }, body: raw }, state, now, 'put', options)
    const b = r.reply.body as { detail?: string; errors?: Array<{ field?: string; message?: string }> } & Record<string, unknown>
    if (r.reply.status >= 400) {
      out.errors.push({
        email_address: email,
        error: b?.detail ?? 'invalid member',
        error_code: 'ERROR_GENERIC',
        field: b?.errors?.[0]?.field ?? '',
        field_message: b?.errors?.[0]?.message ?? '',
      })
      continue
    }
    ;(existing ? out.updated_members : out.new_members).push(b)
    events.push(...r.events)
  }
  return {
    reply: json(200, {
      ...out,
      total_created: out.new_members.length,
      total_updated: out.updated_members.length,
      error_count: out.errors.length,
      _links: [],
    }),
    events,
  }
}
