/**
 * `hubspot.contacts.upsert` by e-mail: identity map → create; a 409 "Contact already exists.
 * Existing ID: <id>" turns into an update of that id. `associate` links the contact to a
 * company with the default association (v4).
 * @module
 */
import { z } from 'zod'
import { NonRetryableError } from '../../errors.js'
import type { ActionContext, ActionDefinition } from '../contract.js'
import { hubspotCall, hubspotOk } from './client.js'
import type { HubspotConnection } from './connection.js'

export const contactUpsertInput = z.object({
  /** Only `email` is supported (a unique property of contacts). @defaultValue email */
  matchOn: z.literal('email').default('email'),
  properties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  /** Company id to associate the contact with (default association, contact → company 279). */
  associate: z.union([z.string(), z.number()]).nullish(),
})

export type ContactUpsertInput = z.infer<typeof contactUpsertInput>

export interface ContactUpsertOutput {
  id: string
  created: boolean
  associatedCompanyId?: string
}

type Ctx = ActionContext<HubspotConnection>

const EXISTING_ID = /Existing ID:\s*(\d+)/

async function update(ctx: Ctx, id: string, properties: Record<string, string>) {
  return hubspotCall(ctx, 'PATCH', `/crm/v3/objects/contacts/${encodeURIComponent(id)}`, { properties })
}

export const contactsUpsert: ActionDefinition<HubspotConnection, ContactUpsertInput, ContactUpsertOutput> = {
  input: contactUpsertInput as z.ZodType<ContactUpsertInput>,
  effectKey: (i) => `contact:${String(i.properties.email ?? '').toLowerCase()}`,
  run: async (input, ctx) => {
    const email = String(input.properties.email ?? '')
      .trim()
      .toLowerCase()
    if (!email) throw new NonRetryableError('hubspot.contacts.upsert: properties.email is required to match on email')
    const properties = Object.fromEntries(Object.entries(input.properties).map(([k, v]) => [k, v === null ? '' : String(v)]))
    const key = `contact:email:${email}`
    let out: ContactUpsertOutput | null = null
    const known = await ctx.identity.get(key)
    if (known) {
      const res = await update(ctx, known, properties)
      if (res.status !== 404) {
        hubspotOk(res, 'update contact', ctx.clock.now())
        out = { id: known, created: false }
      }
    }
    if (!out) {
      const res = await hubspotCall(ctx, 'POST', '/crm/v3/objects/contacts', { properties, associations: [] })
      const existing = res.status === 409 ? EXISTING_ID.exec(String((res.body as { message?: string })?.message ?? '')) : null
      if (existing) {
        hubspotOk(await update(ctx, existing[1], properties), 'update contact', ctx.clock.now())
        out = { id: existing[1], created: false }
      } else {
        hubspotOk(res, 'create contact', ctx.clock.now())
        out = { id: String((res.body as { id: string }).id), created: true }
      }
      await ctx.identity.set(key, out.id)
    }
    if (input.associate !== undefined && input.associate !== null && input.associate !== '') {
      const companyId = String(input.associate)
      const path = `/crm/v4/objects/contacts/${encodeURIComponent(out.id)}/associations/default/companies/${encodeURIComponent(companyId)}`
      hubspotOk(await hubspotCall(ctx, 'PUT', path), 'associate contact with company', ctx.clock.now())
      out.associatedCompanyId = companyId
    }
    return out
  },
}
