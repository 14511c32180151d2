/**
 * `hubspot.search`: CRM search over companies, contacts or deals (its own 5 per second limit).
 * @module
 */
import { z } from 'zod'
import type { ActionDefinition } from '../contract.js'
import { hubspotCall, hubspotOk } from './client.js'
import type { HubspotConnection } from './connection.js'

const filter = z.object({
  propertyName: z.string(),
  operator: z.enum([
    'EQ',
    'NEQ',
    'LT',
    'LTE',
    'GT',
    'GTE',
    'BETWEEN',
    'IN',
    'NOT_IN',
    'HAS_PROPERTY',
    'NOT_HAS_PROPERTY',
    'CONTAINS_TOKEN',
    'NOT_CONTAINS_TOKEN',
  ]),
  value: z.union([z.string(), z.number(), z.boolean()]).optional(),
  values: z.array(z.union([z.string(), z.number()])).optional(),
})

export const searchInput = z.object({
  objectType: z.enum(['companies', 'contacts', 'deals']),
  /** Filters ANDed together; use `filterGroups` for OR. */
  filters: z.array(filter).max(10).optional(),
  filterGroups: z
    .array(z.object({ filters: z.array(filter).max(10) }))
    .max(5)
    .optional(),
  properties: z.array(z.string()).optional(),
  /** One sort, e.g. `[{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }]`. */
  sorts: z
    .array(z.object({ propertyName: z.string(), direction: z.enum(['ASCENDING', 'DESCENDING']).default('ASCENDING') }))
    .max(1)
    .optional(),
  /** @defaultValue 10; at most 200 */
  limit: z.number().int().min(1).max(200).default(10),
  after: z.string().optional(),
})

export type SearchInput = z.infer<typeof searchInput>

export interface SearchOutput {
  total: number
  results: Array<{ id: string; properties: Record<string, string | null> }>
  /** Cursor for the next page, or null on the last page. */
  after: string | null
}

export const search: ActionDefinition<HubspotConnection, SearchInput, SearchOutput> = {
  input: searchInput as z.ZodType<SearchInput>,
  run: async (input, ctx) => {
    const filterGroups = input.filterGroups ?? (input.filters ? [{ filters: input.filters }] : [])
    const body = {
      filterGroups,
      properties: input.properties ?? [],
      limit: input.limit,
      ...(input.sorts ? { sorts: input.sorts } : {}),
      ...(input.after ? { after: input.after } : {}),
    }
    const res = hubspotOk(
      await hubspotCall(ctx, 'POST', `/crm/v3/objects/${input.objectType}/search`, body),
      `search ${input.objectType}`,
      ctx.clock.now(),
    )
    const b = res.body as {
      total?: number
      results?: Array<{ id: string; properties: Record<string, string | null> }>
      paging?: { next?: { after?: string } }
    }
    return {
      total: b.total ?? 0,
      results: (b.results ?? []).map((r) => ({ id: String(r.id), properties: r.properties })),
      after: b.paging?.next?.after ?? null,
    }
  },
}
