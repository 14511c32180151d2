/**
 * `airtable.records.create`, `records.update` and `records.upsert`. Each declares a batch of
 * 10 keyed per base + table (+ the options that must match within one request), so the
 * gateway coalesces concurrent calls into one Airtable request and splits the per-record
 * results back. Airtable rejects a whole request when one record is invalid (422); the batch
 * then resends its records one by one (200 ms apart) so only the bad record fails.
 * @module
 */
import { z } from 'zod'
import { isNonRetryable } from '../../errors.js'
import type { ActionDefinition } from '../contract.js'
import type { AirtableRecord } from './action-list.js'
import { airtableCall, airtableError, type Ctx, tablePath } from './client.js'
import { AIRTABLE_BATCH_SIZE, type AirtableConnection } from './connection.js'

const fields = z.record(z.string(), z.unknown())
const common = { base: z.string().min(1), table: z.string().min(1), fields, typecast: z.boolean().default(false) }

export const createInput = z.object(common)
export const updateInput = z.object({
  ...common,
  id: z.string().min(1),
  /** PUT (clear unset fields) instead of PATCH. */ replace: z.boolean().default(false),
})
export const upsertInput = z.object({
  ...common,
  fieldsToMergeOn: z.array(z.string().min(1)).min(1).max(3),
  replace: z.boolean().default(false),
})
export type CreateInput = z.infer<typeof createInput>
export type UpdateInput = z.infer<typeof updateInput>
export type UpsertInput = z.infer<typeof upsertInput>

export interface WriteOutput extends AirtableRecord {
  /** Upsert only: true when Airtable created the record. */
  created?: boolean
}

type AnyInput = CreateInput | UpdateInput | UpsertInput
type Kind = 'create' | 'update' | 'upsert'

interface WriteBody {
  records: Array<{ id?: string; fields: Record<string, unknown> }>
  typecast?: boolean
  performUpsert?: { fieldsToMergeOn: string[] }
}

function requestFor(kind: Kind, inputs: AnyInput[]): { method: 'POST' | 'PATCH' | 'PUT'; body: WriteBody } {
  const first = inputs[0]
  const replace = 'replace' in first && first.replace
  const body: WriteBody = { records: inputs.map((i) => ('id' in i ? { id: i.id, fields: i.fields } : { fields: i.fields })) }
  if (first.typecast) body.typecast = true
  if (kind === 'upsert') body.performUpsert = { fieldsToMergeOn: (first as UpsertInput).fieldsToMergeOn }
  return { method: kind === 'create' ? 'POST' : replace ? 'PUT' : 'PATCH', body }
}

async function sendChunk(kind: Kind, inputs: AnyInput[], ctx: Ctx): Promise<Array<WriteOutput | Error>> {
  const { method, body } = requestFor(kind, inputs)
  const res = await airtableCall(ctx, method, tablePath(inputs[0].base, inputs[0].table), body)
  const err = airtableError(res, `${kind} ${inputs.length} record(s) in ${inputs[0].table}`, ctx)
  if (err) return inputs.map(() => err)
  const out = res.body as { records: AirtableRecord[]; createdRecords?: string[] }
  const created = new Set(out.createdRecords ?? [])
  return out.records.map((r) => (kind === 'upsert' ? { ...r, created: created.has(r.id) } : r))
}

const pause = (ctx: Ctx, ms: number) => new Promise<void>((r) => ctx.clock.setTimeout(r, ms))

async function writeBatch(kind: Kind, inputs: AnyInput[], ctx: Ctx): Promise<Array<WriteOutput | Error>> {
  const results: Array<WriteOutput | Error> = []
  for (let i = 0; i < inputs.length; i += AIRTABLE_BATCH_SIZE) {
    if (i > 0) await pause(ctx, 200)
    const chunk = inputs.slice(i, i + AIRTABLE_BATCH_SIZE)
    let out = await sendChunk(kind, chunk, ctx)
    const rejectedWhole =
      chunk.length > 1 && out[0] instanceof Error && isNonRetryable(out[0]) && (out[0] as { status?: number }).status === 422
    if (rejectedWhole) {
      out = []
      for (const one of chunk) {
        await pause(ctx, 200)
        out.push(...(await sendChunk(kind, [one], ctx)))
      }
    }
    results.push(...out)
  }
  return results
}

function define<I extends AnyInput>(
  kind: Kind,
  schema: z.ZodType<I>,
  key: (i: I) => string,
  effectKey?: (i: I) => string | null,
): ActionDefinition<AirtableConnection, I, WriteOutput> {
  return {
    input: schema,
    scope: (i) => i.base,
    ...(effectKey ? { effectKey } : {}),
    batch: { maxSize: AIRTABLE_BATCH_SIZE, windowMs: 50, key, run: (inputs, ctx) => writeBatch(kind, inputs, ctx) },
    run: async (input, ctx) => {
      const [out] = await writeBatch(kind, [input], ctx)
      if (out instanceof Error) throw out
      return out
    },
  }
}

const where = (i: AnyInput) => `${i.base}/${i.table}/${i.typecast ? 't' : 'f'}`

export const recordsCreate = define<CreateInput>('create', createInput as z.ZodType<CreateInput>, where)
export const recordsUpdate = define<UpdateInput>(
  'update',
  updateInput as z.ZodType<UpdateInput>,
  (i) => `${where(i)}/${i.replace ? 'put' : 'patch'}`,
  (i) => `record:${i.base}/${i.table}/${i.id}`,
)
export const recordsUpsert = define<UpsertInput>(
  'upsert',
  upsertInput as z.ZodType<UpsertInput>,
  (i) => `${where(i)}/${i.replace ? 'put' : 'patch'}/${JSON.stringify(i.fieldsToMergeOn)}`,
  (i) => `upsert:${i.base}/${i.table}/${JSON.stringify(i.fieldsToMergeOn.map((f) => i.fields[f] ?? null))}`,
)
