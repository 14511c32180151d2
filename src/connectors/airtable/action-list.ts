/**
 * `airtable.records.list`: one page (`offset` continues) or, with `all: true`, every page,
 * spaced 200 ms apart so a long listing stays under 5 requests per second on its base.
 * Long queries go as `POST …/listRecords` (Airtable refuses URLs over 16 kB).
 * @module
 */
import { z } from 'zod'
import type { ActionDefinition } from '../contract.js'
import { airtableCall, airtableOk, type Ctx, tablePath } from './client.js'
import type { AirtableConnection } from './connection.js'

export const listInput = z.object({
  base: z.string().min(1),
  table: z.string().min(1),
  filterByFormula: z.string().optional(),
  view: z.string().optional(),
  fields: z.array(z.string()).optional(),
  sort: z.array(z.object({ field: z.string(), direction: z.enum(['asc', 'desc']).optional() })).optional(),
  /** Records per page, 1–100. @defaultValue 100 */
  pageSize: z.number().int().min(1).max(100).optional(),
  maxRecords: z.number().int().positive().optional(),
  /** Continue from a previous page's `offset`. */
  offset: z.string().optional(),
  /** Follow `offset` until the last page. @defaultValue false */
  all: z.boolean().default(false),
  /** Safety cap on pages fetched with `all`. @defaultValue 100 */
  maxPages: z.number().int().positive().default(100),
})
export type ListInput = z.infer<typeof listInput>

export interface AirtableRecord {
  id: string
  createdTime: string
  fields: Record<string, unknown>
}

export interface ListOutput {
  records: AirtableRecord[]
  /** Present while more pages remain. */
  offset?: string
}

const URL_LIMIT = 15_000
const PAGE_SPACING_MS = 200

function query(input: ListInput, offset: string | undefined): URLSearchParams {
  const q = new URLSearchParams()
  if (input.filterByFormula) q.set('filterByFormula', input.filterByFormula)
  if (input.view) q.set('view', input.view)
  for (const f of input.fields ?? []) q.append('fields[]', f)
  input.sort?.forEach((s, i) => {
    q.set(`sort[${i}][field]`, s.field)
    if (s.direction) q.set(`sort[${i}][direction]`, s.direction)
  })
  if (input.pageSize) q.set('pageSize', String(input.pageSize))
  if (input.maxRecords) q.set('maxRecords', String(input.maxRecords))
  if (offset) q.set('offset', offset)
  return q
}

async function page(input: ListInput, offset: string | undefined, ctx: Ctx): Promise<ListOutput> {
  const q = query(input, offset).toString()
  const path = tablePath(input.base, input.table)
  if (path.length + q.length < URL_LIMIT) return airtableOk<ListOutput>(await airtableCall(ctx, 'GET', `${path}?${q}`), 'list records', ctx)
  const { base: _b, table: _t, all: _a, maxPages: _m, ...body } = input
  return airtableOk<ListOutput>(
    await airtableCall(ctx, 'POST', `${path}/listRecords`, { ...body, ...(offset ? { offset } : {}) }),
    'list records',
    ctx,
  )
}

export const recordsList: ActionDefinition<AirtableConnection, ListInput, ListOutput> = {
  input: listInput as z.ZodType<ListInput>,
  scope: (i) => i.base,
  run: async (input, ctx) => {
    const first = await page(input, input.offset, ctx)
    if (!input.all) return first
    const records = [...first.records]
    let offset = first.offset
    for (let n = 1; offset && n < input.maxPages; n++) {
      await new Promise<void>((r) => ctx.clock.setTimeout(r, PAGE_SPACING_MS))
      const next = await page(input, offset, ctx)
      records.push(...next.records)
      offset = next.offset
    }
    return offset ? { records, offset } : { records }
  },
}
