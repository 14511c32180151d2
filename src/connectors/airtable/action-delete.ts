/**
 * `airtable.records.delete`: delete one record. Declares a batch of 10 keyed per base + table, so
 * the gateway coalesces concurrent deletes into one `DELETE …?records[]=…` request. Deleting a
 * record that is already gone succeeds (`deleted: true`), so a retried delete is idempotent; when
 * Airtable refuses a whole request for one missing id, the batch resends one by one.
 * @module
 */
import { z } from 'zod'
import type { ActionDefinition } from '../contract.js'
import { airtableCall, airtableError, type Ctx, tablePath } from './client.js'
import { AIRTABLE_BATCH_SIZE, type AirtableConnection } from './connection.js'

export const deleteInput = z.object({ base: z.string().min(1), table: z.string().min(1), id: z.string().min(1) })
export type DeleteInput = z.infer<typeof deleteInput>
export interface DeleteOutput {
  id: string
  deleted: true
}

async function sendChunk(inputs: DeleteInput[], ctx: Ctx): Promise<Array<DeleteOutput | Error>> {
  const q = new URLSearchParams()
  for (const i of inputs) q.append('records[]', i.id)
  const res = await airtableCall(ctx, 'DELETE', `${tablePath(inputs[0].base, inputs[0].table)}?${q}`)
  // a record already gone: the delete has happened
  if (res.status === 404 && inputs.length === 1) return [{ id: inputs[0].id, deleted: true }]
  const err = airtableError(res, `delete ${inputs.length} record(s) in ${inputs[0].table}`, ctx)
  if (err) return inputs.map(() => err)
  return inputs.map((i) => ({ id: i.id, deleted: true }))
}

async function deleteBatch(inputs: DeleteInput[], ctx: Ctx): Promise<Array<DeleteOutput | Error>> {
  const out: Array<DeleteOutput | Error> = []
  for (let i = 0; i < inputs.length; i += AIRTABLE_BATCH_SIZE) {
    const chunk = inputs.slice(i, i + AIRTABLE_BATCH_SIZE)
    let res = await sendChunk(chunk, ctx)
    if (chunk.length > 1 && res[0] instanceof Error && [404, 422].includes((res[0] as { status?: number }).status ?? 0)) {
      res = []
      for (const one of chunk) res.push(...(await sendChunk([one], ctx)))
    }
    out.push(...res)
  }
  return out
}

export const recordsDelete: ActionDefinition<AirtableConnection, DeleteInput, DeleteOutput> = {
  input: deleteInput as z.ZodType<DeleteInput>,
  scope: (i) => i.base,
  effectKey: (i) => `delete:${i.base}/${i.table}/${i.id}`,
  batch: { maxSize: AIRTABLE_BATCH_SIZE, windowMs: 50, key: (i) => `${i.base}/${i.table}`, run: deleteBatch },
  run: async (input, ctx) => {
    const [out] = await deleteBatch([input], ctx)
    if (out instanceof Error) throw out
    return out
  },
}
