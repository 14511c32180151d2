/**
 * `hubspot.companies.upsert`. Company `domain` is not a unique property in HubSpot, so
 * `matchOn: 'domain'` is identity map → search → update or create (the identity map bridges
 * the search-index lag). Any other `matchOn` must be a unique-value property and uses the batch
 * upsert endpoint (up to 100 inputs per call, per-record results, 207 partial failures).
 * @module
 */
import { z } from 'zod'
import { NonRetryableError } from '../../errors.js'
import type { ActionContext, ActionDefinition } from '../contract.js'
import { hubspotCall, hubspotOk } from './client.js'
import type { HubspotConnection } from './connection.js'

const propertyValue = z.union([z.string(), z.number(), z.boolean(), z.null()])

export const companyUpsertInput = z.object({
  /** Property that identifies the company: `domain` (search-based) or a unique-value property. @defaultValue domain */
  matchOn: z.string().min(1).default('domain'),
  properties: z.record(z.string(), propertyValue),
})

export type CompanyUpsertInput = z.infer<typeof companyUpsertInput>

export interface UpsertOutput {
  id: string
  /** True when this call created the record. */
  created: boolean
}

type Ctx = ActionContext<HubspotConnection>

function matchValue(input: CompanyUpsertInput): string {
  const v = input.properties[input.matchOn]
  if (v === undefined || v === null || v === '')
    throw new NonRetryableError(`hubspot.companies.upsert: properties.${input.matchOn} is required to match on ${input.matchOn}`)
  return String(v)
}

function stringProps(p: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v === null ? '' : String(v)]))
}

async function upsertByDomain(input: CompanyUpsertInput, ctx: Ctx): Promise<UpsertOutput> {
  const domain = matchValue(input).toLowerCase()
  const key = `company:domain:${domain}`
  const properties = stringProps(input.properties)
  const known = await ctx.identity.get(key)
  if (known) {
    const res = await hubspotCall(ctx, 'PATCH', `/crm/v3/objects/companies/${encodeURIComponent(known)}`, { properties })
    if (res.status !== 404) {
      hubspotOk(res, 'update company', ctx.clock.now())
      return { id: known, created: false }
    }
  }
  const search = hubspotOk(
    await hubspotCall(ctx, 'POST', '/crm/v3/objects/companies/search', {
      filterGroups: [{ filters: [{ propertyName: 'domain', operator: 'EQ', value: domain }] }],
      properties: ['domain'],
      limit: 1,
    }),
    'search companies',
    ctx.clock.now(),
  )
  const hit = (search.body as { results?: Array<{ id: string }> }).results?.[0]
  if (hit) {
    hubspotOk(
      await hubspotCall(ctx, 'PATCH', `/crm/v3/objects/companies/${encodeURIComponent(hit.id)}`, { properties }),
      'update company',
      ctx.clock.now(),
    )
    await ctx.identity.set(key, hit.id)
    return { id: hit.id, created: false }
  }
  const created = hubspotOk(
    await hubspotCall(ctx, 'POST', '/crm/v3/objects/companies', { properties, associations: [] }),
    'create company',
    ctx.clock.now(),
  )
  const id = String((created.body as { id: string }).id)
  await ctx.identity.set(key, id)
  return { id, created: true }
}

/**
 * Batch upsert on a unique property; one result (or Error) per input, in order. Inputs with the
 * same value are merged into one (later properties win): HubSpot rejects a whole batch that
 * names one id twice.
 */
async function batchUpsert(inputs: CompanyUpsertInput[], ctx: Ctx): Promise<Array<UpsertOutput | Error>> {
  const idProperty = inputs[0].matchOn
  const merged = new Map<string, Record<string, string>>()
  const values = inputs.map((i) => {
    try {
      return matchValue(i)
    } catch (e) {
      return e as Error
    }
  })
  inputs.forEach((i, n) => {
    const v = values[n]
    if (typeof v === 'string') merged.set(v, { ...merged.get(v), ...stringProps(i.properties) })
  })
  if (merged.size === 0) return values as Error[]
  const body = { inputs: [...merged].map(([id, properties]) => ({ id, idProperty, properties })) }
  const res = hubspotOk(
    await hubspotCall(ctx, 'POST', '/crm/v3/objects/companies/batch/upsert', body),
    'batch upsert companies',
    ctx.clock.now(),
  )
  const payload = res.body as {
    results?: Array<{ id: string; new?: boolean; properties?: Record<string, string> }>
    errors?: Array<{ message?: string; category?: string; context?: { ids?: string[] } }>
  }
  const byValue = new Map<string, UpsertOutput>()
  for (const r of payload.results ?? []) {
    const v = r.properties?.[idProperty]
    if (v !== undefined) byValue.set(v, { id: String(r.id), created: r.new === true })
  }
  const errors = new Map<string, Error>()
  for (const e of payload.errors ?? []) {
    for (const id of e.context?.ids ?? [])
      errors.set(
        id,
        new NonRetryableError(`HubSpot batch upsert companies: ${e.message ?? 'failed'}`, { status: 207, providerCode: e.category }),
      )
  }
  return values.map((v) => {
    if (v instanceof Error) return v
    return (
      byValue.get(v) ??
      errors.get(v) ??
      new NonRetryableError(`HubSpot batch upsert companies: no result for ${idProperty}=${v}`, { status: res.status })
    )
  })
}

export const companiesUpsert: ActionDefinition<HubspotConnection, CompanyUpsertInput, UpsertOutput> = {
  input: companyUpsertInput as z.ZodType<CompanyUpsertInput>,
  effectKey: (i) => `company:${i.matchOn}:${String(i.properties[i.matchOn] ?? '').toLowerCase()}`,
  batch: {
    maxSize: 100,
    windowMs: 50,
    key: (i) => i.matchOn,
    run: async (inputs, ctx) => {
      if (inputs[0]?.matchOn !== 'domain') return batchUpsert(inputs, ctx)
      const out: Array<UpsertOutput | Error> = []
      for (const i of inputs) out.push(await upsertByDomain(i, ctx).catch((e: Error) => e))
      return out
    },
  },
  run: async (input, ctx) => {
    if (input.matchOn === 'domain') return upsertByDomain(input, ctx)
    const [r] = await batchUpsert([input], ctx)
    if (r instanceof Error) throw r
    return r
  },
}
