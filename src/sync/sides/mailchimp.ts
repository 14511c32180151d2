/**
 * The Mailchimp list-members side: `mailchimp:<connection>/<list id>` — one record per member,
 * its id the subscriber hash (MD5 of the lower-cased address). Fields: `email`, `status`,
 * `tags` (names, sorted), `interests` (`{ <interest id>: boolean }`) and each merge field by its
 * tag (`FNAME`, `LNAME`, `PHONE`, …). Read by `last_changed` (whole seconds, so each read looks
 * back one second; the engine drops what it has seen), written with `mailchimp.members.sync`:
 *
 * - consent first (docs/consent.md): `status: subscribed` or `pending` is applied only when the
 *   contact's recorded consent allows it — a new member without it is added as `transactional`,
 *   an existing one keeps its status — and never over `unsubscribed` or `cleaned`;
 * - `status_if_new` for new members, `tags` as the full set, merge fields and interests as given.
 *
 * `deletes: archive` archives the member (Mailchimp keeps the opt-out); archived members read as
 * deleted. Pair with a sync webhook `{ side: 'b', path, normalize: 'mailchimp', auth: { scheme:
 * 'url-secret', secret } }`: Mailchimp's subscribe, unsubscribe, profile, upemail and cleaned
 * events record consent and nudge the sync.
 *
 * @example
 * ```ts
 * sides: { a: { side: 'postgres:crm/contacts', matchKeys: ['email'] }, b: 'mailchimp:main/a6b5da1054' }
 * fields: [{ a: 'email', b: 'email', owner: 'a' }, { a: 'consent', b: 'status', toB: consentToStatus, toA: statusToConsent }]
 * ```
 * @module
 */
import { z } from 'zod'
import type { MemberJson } from '../../connectors/mailchimp/members.js'
import { consentFromMailchimp, mailchimpFromConsent } from '../../consent/policy.js'
import { isConsentState } from '../../consent/types.js'
import type { SourceCursor, SourceRecord } from '../../sources/contract.js'
import type { SideKind, SyncSide } from '../side.js'

const mailchimpOptions = z
  .object({
    /** Merge field tags (for validation); `email`, `status`, `tags` and `interests` are always known. */
    mergeFields: z.array(z.string().regex(/^[A-Z0-9_]{1,10}$/, 'merge field tags are upper-case, at most 10 characters')).optional(),
    /** Consent scope the subscriptions are checked against. @defaultValue 'marketing' */
    consentScope: z.string().min(1).optional(),
    /** Members read per request. @defaultValue 500 */
    pageSize: z.number().int().min(1).max(1000).default(500),
  })
  .strict()
export type MailchimpSideOptions = z.infer<typeof mailchimpOptions>

const BUILTIN = ['email', 'status', 'tags', 'interests'] as const

interface MailchimpCursor extends SourceCursor {
  since?: number | null
  offset?: number
}

/**
 * A consent state (a CRM's consent field) → the Mailchimp status that expresses it; no or an
 * unknown consent → `transactional` (kept on the list, never sent marketing). For `toB`.
 */
export function consentToStatus(consent: unknown): string {
  return consent === 'transactional-only' || !isConsentState(consent) ? 'transactional' : mailchimpFromConsent(consent)
}

/** A Mailchimp status → the consent state it expresses (`archived`/unknown → null). For `toA`. */
export function statusToConsent(status: unknown): string | null {
  return typeof status === 'string' ? consentFromMailchimp(status) : null
}

/** A member as a record. */
export function memberRecord(m: MemberJson): SourceRecord {
  return {
    id: m.id,
    modifiedAt: m.last_changed ? Date.parse(m.last_changed) : 0,
    fields: {
      ...(m.merge_fields ?? {}),
      email: m.email_address,
      status: m.status,
      tags: (m.tags ?? []).map((t) => t.name).sort(),
      interests: m.interests ?? {},
    },
    ...(m.status === 'archived' ? { deleted: true } : {}),
  }
}

export const mailchimpSide: SideKind<MailchimpSideOptions> = {
  kind: 'mailchimp',
  options: mailchimpOptions as never,
  knownFields: (spec) => (spec.options.mergeFields ? [...BUILTIN, ...spec.options.mergeFields] : null),
  supports: { archive: true },
  create(spec, ctx): SyncSide {
    const o = spec.options
    const ref = `mailchimp:${spec.connection}/${spec.object}`
    const conn = spec.connection === 'default' ? {} : { connection: spec.connection }
    const listId = spec.object
    const invoke = (action: string, input: Record<string, unknown>, signal?: AbortSignal) =>
      ctx.invoke(`mailchimp.${action}`, { listId, ...input }, { ...conn, ...(signal ? { signal } : {}) })
    const list = async (input: Record<string, unknown>, signal?: AbortSignal) =>
      (await invoke('members.list', { count: o.pageSize, ...input }, signal)) as { members: MemberJson[]; total: number }
    const write = (id: string | undefined, fields: Record<string, unknown>) => {
      const { email, status, tags, interests, ...merge } = fields
      return {
        ref: 'mailchimp.members.sync',
        ...conn,
        input: {
          listId,
          ...(id ? { id } : {}),
          ...(typeof email === 'string' && email ? { email } : {}),
          ...(typeof status === 'string' && status ? { status } : {}),
          ...(Object.keys(merge).length
            ? { mergeFields: Object.fromEntries(Object.entries(merge).map(([k, v]) => [k, v === null || v === undefined ? '' : v])) }
            : {}),
          ...(Array.isArray(tags) ? { tags: tags.map(String) } : {}),
          ...(interests && typeof interests === 'object' ? { interests } : {}),
          ...(o.consentScope ? { consentScope: o.consentScope } : {}),
        },
      }
    }
    return {
      ref,
      fields: mailchimpSide.knownFields!(spec),
      matchKeys: ['email'],
      normalize: (field, value) => {
        if (field === 'tags') return Array.isArray(value) ? value.map(String).sort() : []
        if (field === 'email' && typeof value === 'string') return value.trim().toLowerCase()
        if (field === 'interests') return value ?? {}
        if (BUILTIN.includes(field as never)) return value
        return value === null || value === undefined ? '' : String(value) // merge fields come back as text
      },
      source: {
        ref,
        async readChanges(cursor, options) {
          const c = cursor as MailchimpCursor | null
          const since = c?.offset ? (c.since ?? null) : c ? c.modifiedAt - 1000 : null
          const offset = c?.offset ?? 0
          const page = await list({ since, offset, ...(options?.limit ? { count: options.limit } : {}) }, options?.signal)
          const records = page.members.map(memberRecord)
          const more = offset + page.members.length < page.total && page.members.length > 0
          const last = records.reduce<SourceCursor | null>(
            (p, r) =>
              !p || r.modifiedAt > p.modifiedAt || (r.modifiedAt === p.modifiedAt && r.id > p.id)
                ? { modifiedAt: r.modifiedAt, id: r.id }
                : p,
            c ? { modifiedAt: c.modifiedAt, id: c.id } : null,
          )
          const next: MailchimpCursor | null = last ? (more ? { ...last, since, offset: offset + page.members.length } : last) : null
          return { records, cursor: next, more }
        },
        async *scan(options) {
          for (let offset = 0; ; ) {
            const page = await list({ offset }, options?.signal)
            yield page.members.map(memberRecord)
            offset += page.members.length
            if (page.members.length === 0 || offset >= page.total) break
          }
        },
        get: async (ids, options) => ((await invoke('members.get', { ids }, options?.signal)) as MemberJson[]).map(memberRecord),
      },
      create: (fields) => write(undefined, fields),
      update: (id, fields) => write(id, fields),
      archive: (id) => ({ ref: 'mailchimp.members.archive', ...conn, input: { listId, id } }),
      createdId: (out) => String((out as { id: string }).id),
      // a subscription left out (no consent, or an opt-out kept): read the member again next pass
      diverged: (out) =>
        Boolean(
          (out as { consentKept?: boolean; consentMissing?: boolean }).consentKept || (out as { consentMissing?: boolean }).consentMissing,
        ),
    }
  },
}
