/**
 * Record actions of the HubSpot connector over any CRM object (`contacts`, `companies`,
 * `deals`), each call one record, coalesced by the gateway into HubSpot's batch endpoints
 * (100 inputs a call, one rate-limit token a call):
 *
 * - `objects.create` → `POST /crm/v3/objects/<type>/batch/create` (results matched by `objectWriteTraceId`)
 * - `objects.update` → `…/batch/update` (by id)
 * - `objects.upsert` → `…/batch/upsert` on a unique property (`idProperty`: `email`, `external_id`)
 * - `objects.archive` → `…/batch/archive`
 * - `objects.read` → `…/batch/read` (ids; missing ones are left out)
 * - `objects.list` → `GET /crm/v3/objects/<type>` (a page of every record)
 *
 * A batch's per-input errors (207) fail only their own call; a 429 or 5xx fails the batch's
 * calls as retryable. Inputs naming one record twice go in separate batch calls.
 * @module
 */
import { z } from 'zod'
import { NonRetryableError, RetryableError } from '../../errors.js'
import type { ActionContext, ActionDefinition } from '../contract.js'
import { hubspotCall, hubspotOk } from './client.js'
import type { HubspotConnection } from './connection.js'

export const crmObjectType = z.enum(['contacts', 'companies', 'deals'])
const value = z.union([z.string(), z.number(), z.boolean(), z.null()])
const properties = z.record(z.string(), value)

export const objectCreateInput = z.object({ objectType: crmObjectType, properties })
export const objectUpdateInput = z.object({ objectType: crmObjectType, id: z.string().min(1), properties })
export const objectUpsertInput = z
  .object({
    objectType: crmObjectType,
    /** A unique-value property whose value `properties` carries. */
    idProperty: z.string().min(1),
    properties,
  })
  .refine((i) => i.properties[i.idProperty] !== undefined && i.properties[i.idProperty] !== null && i.properties[i.idProperty] !== '', {
    message: 'properties must carry a value for the idProperty',
    path: ['properties'],
  })
export const objectArchiveInput = z.object({ objectType: crmObjectType, id: z.string().min(1) })
export const objectReadInput = z.object({
  objectType: crmObjectType,
  ids: z.array(z.string()).max(100),
  properties: z.array(z.string()).default([]),
})
export const objectListInput = z.object({
  objectType: crmObjectType,
  properties: z.array(z.string()).default([]),
  after: z.string().nullish(),
  /** @defaultValue 100 (HubSpot's most) */
  limit: z.number().int().min(1).max(100).default(100),
})

export interface CrmObject {
  id: string
  properties: Record<string, string | null>
  createdAt?: string
  updatedAt?: string
}

type Ctx = ActionContext<HubspotConnection>
type Props = Record<string, string>
interface BatchError {
  category?: string
  message?: string
  context?: Record<string, string[]>
}

const asStrings = (p: Record<string, unknown>): Props =>
  Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]))

function itemError(e: BatchError, what: string): Error {
  const message = `HubSpot ${what}: ${e.message ?? e.category ?? 'failed'}`
  if (e.category === 'OBJECT_NOT_FOUND') return new NonRetryableError(message, { status: 404, providerCode: e.category })
  if (e.category === 'VALIDATION_ERROR' || e.category === 'CONFLICT' || e.category === 'INVALID_EMAIL')
    return new NonRetryableError(message, { status: e.category === 'CONFLICT' ? 409 : 400, providerCode: e.category })
  return new RetryableError(message, { ...(e.category ? { providerCode: e.category } : {}) })
}

async function batchCall(ctx: Ctx, path: string, body: unknown, what: string) {
  const res = hubspotOk(await hubspotCall(ctx, 'POST', path, body), what, ctx.clock.now())
  const b = (res.body ?? {}) as { results?: Array<CrmObject & { objectWriteTraceId?: string; new?: boolean }>; errors?: BatchError[] }
  return { results: b.results ?? [], errors: b.errors ?? [] }
}

/** Split inputs into rounds in which no key repeats (HubSpot refuses duplicate ids in one batch). */
function rounds<T>(inputs: T[], key: (i: T) => string): number[][] {
  const out: number[][] = []
  const seen: Array<Set<string>> = []
  inputs.forEach((input, n) => {
    const k = key(input)
    let r = seen.findIndex((s) => !s.has(k))
    if (r < 0) {
      r = out.length
      out.push([])
      seen.push(new Set())
    }
    out[r]!.push(n)
    seen[r]!.add(k)
  })
  return out
}

/** A batched action over one batch endpoint; `settle` maps a batch reply to one result per input. */
function batched<I extends { objectType: string }, O>(
  op: string,
  schema: z.ZodType<I>,
  keyOf: ((i: I) => string) | null,
  toInput: (i: I, n: number) => Record<string, unknown>,
  settle: (
    inputs: I[],
    reply: { results: Array<CrmObject & { objectWriteTraceId?: string; new?: boolean }>; errors: BatchError[] },
  ) => Array<O | Error>,
): ActionDefinition<HubspotConnection, I, O> {
  const runBatch = async (inputs: I[], ctx: Ctx): Promise<Array<O | Error>> => {
    const out: Array<O | Error> = new Array(inputs.length)
    for (const round of keyOf ? rounds(inputs, keyOf) : [inputs.map((_, n) => n)]) {
      const part = round.map((n) => inputs[n]!)
      const type = part[0]!.objectType
      const reply = await batchCall(ctx, `/crm/v3/objects/${type}/batch/${op}`, { inputs: part.map(toInput) }, `batch ${op} ${type}`)
      settle(part, reply).forEach((r, n) => {
        out[round[n]!] = r
      })
    }
    return out
  }
  return {
    input: schema,
    batch: { maxSize: 100, windowMs: 10, key: (i) => i.objectType, run: runBatch },
    run: async (input, ctx) => {
      const [r] = await runBatch([input], ctx)
      if (r instanceof Error) throw r
      return r as O
    },
  }
}

const errorFor = (errors: BatchError[], match: (ctx: Record<string, string[]>) => boolean) =>
  errors.find((e) => e.context && match(e.context))

export const objectsCreate = batched<z.infer<typeof objectCreateInput>, { id: string }>(
  'create',
  objectCreateInput as never,
  null,
  (i, n) => ({ properties: asStrings(i.properties), objectWriteTraceId: String(n) }),
  (inputs, { results, errors }) =>
    inputs.map((_, n) => {
      const r = results.find((x) => x.objectWriteTraceId === String(n)) ?? (errors.length === 0 ? results[n] : undefined)
      if (r) return { id: String(r.id) }
      const e = errorFor(errors, (c) => c.objectWriteTraceId?.includes(String(n)) ?? false)
      return itemError(e ?? { message: 'no result for this input' }, 'batch create')
    }),
)

export const objectsUpdate = batched<z.infer<typeof objectUpdateInput>, { id: string }>(
  'update',
  objectUpdateInput as never,
  (i) => i.id,
  (i) => ({ id: i.id, properties: asStrings(i.properties) }),
  (inputs, { results, errors }) =>
    inputs.map((i) => {
      if (results.some((r) => String(r.id) === i.id)) return { id: i.id }
      const e = errorFor(errors, (c) => c.ids?.includes(i.id) ?? false)
      return itemError(e ?? { message: `no result for record ${i.id}` }, 'batch update')
    }),
)

const norm = (idProperty: string, v: unknown) => (idProperty === 'email' ? String(v ?? '').toLowerCase() : String(v ?? ''))

export const objectsUpsert = batched<z.infer<typeof objectUpsertInput>, { id: string; created: boolean }>(
  'upsert',
  objectUpsertInput as never,
  (i) => norm(i.idProperty, i.properties[i.idProperty]),
  (i) => ({ id: String(i.properties[i.idProperty]), idProperty: i.idProperty, properties: asStrings(i.properties) }),
  (inputs, { results, errors }) =>
    inputs.map((i) => {
      const want = norm(i.idProperty, i.properties[i.idProperty])
      const r = results.find((x) => norm(i.idProperty, x.properties?.[i.idProperty]) === want)
      if (r) return { id: String(r.id), created: r.new === true }
      const e = errorFor(errors, (c) => c.ids?.some((x) => norm(i.idProperty, x) === want) ?? false) ?? errors[0]
      return itemError(e ?? { message: `no result for ${i.idProperty} ${want}` }, 'batch upsert')
    }),
)

export const objectsArchive: ActionDefinition<HubspotConnection, z.infer<typeof objectArchiveInput>, { id: string }> = {
  input: objectArchiveInput as never,
  batch: {
    maxSize: 100,
    windowMs: 10,
    key: (i) => i.objectType,
    run: async (inputs, ctx) => {
      const type = inputs[0]!.objectType
      const res = await hubspotCall(ctx, 'POST', `/crm/v3/objects/${type}/batch/archive`, { inputs: inputs.map((i) => ({ id: i.id })) })
      hubspotOk(res, `batch archive ${type}`, ctx.clock.now())
      return inputs.map((i) => ({ id: i.id }))
    },
  },
  run: async (i, ctx) => {
    hubspotOk(await hubspotCall(ctx, 'DELETE', `/crm/v3/objects/${i.objectType}/${encodeURIComponent(i.id)}`), 'archive', ctx.clock.now())
    return { id: i.id }
  },
}

export const objectsRead: ActionDefinition<HubspotConnection, z.infer<typeof objectReadInput>, CrmObject[]> = {
  input: objectReadInput as never,
  run: async (i, ctx) => {
    if (i.ids.length === 0) return []
    const body = { inputs: i.ids.map((id) => ({ id })), properties: i.properties }
    const { results } = await batchCall(ctx, `/crm/v3/objects/${i.objectType}/batch/read`, body, `batch read ${i.objectType}`)
    return results.map((r) => ({ id: String(r.id), properties: r.properties }))
  },
}

export const objectsList: ActionDefinition<
  HubspotConnection,
  z.infer<typeof objectListInput>,
  { results: CrmObject[]; after: string | null }
> = {
  input: objectListInput as never,
  run: async (i, ctx) => {
    const q = new URLSearchParams({ limit: String(i.limit) })
    if (i.properties.length) q.set('properties', i.properties.join(','))
    if (i.after) q.set('after', i.after)
    const res = hubspotOk(await hubspotCall(ctx, 'GET', `/crm/v3/objects/${i.objectType}?${q}`), `list ${i.objectType}`, ctx.clock.now())
    const b = res.body as { results?: CrmObject[]; paging?: { next?: { after?: string } } }
    return { results: (b.results ?? []).map((r) => ({ id: String(r.id), properties: r.properties })), after: b.paging?.next?.after ?? null }
  },
}
