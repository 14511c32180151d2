/**
 * Notion actions: `dataSources.query` (a database id is resolved to its data source with
 * `GET /v1/databases/{id}`, remembered in the identity map), legacy `databases.query`
 * (Notion-Version 2022-06-28), `pages.create` and `pages.update`.
 * @module
 */
import { z } from 'zod'
import { NonRetryableError } from '../../errors.js'
import type { ActionDefinition } from '../contract.js'
import { type Ctx, notionCall } from './client.js'
import { NOTION_LEGACY_VERSION, type NotionConnection } from './connection.js'

const properties = z.record(z.string(), z.record(z.string(), z.unknown()))
const queryFields = {
  filter: z.record(z.string(), z.unknown()).optional(),
  sorts: z.array(z.record(z.string(), z.unknown())).optional(),
  startCursor: z.string().optional(),
  /** 1–100. @defaultValue 100 */
  pageSize: z.number().int().min(1).max(100).optional(),
  /** Follow `next_cursor` to the end (at most `maxPages`). @defaultValue false */
  all: z.boolean().default(false),
  maxPages: z.number().int().positive().default(50),
}

export const dataSourceQueryInput = z
  .object({
    dataSourceId: z.string().optional(),
    databaseId: z.string().optional(),
    /** Pick a data source by name when a database has several. */ dataSourceName: z.string().optional(),
    ...queryFields,
  })
  .refine((i) => Boolean(i.dataSourceId) !== Boolean(i.databaseId), { message: 'give exactly one of dataSourceId or databaseId' })
export const databaseQueryInput = z.object({ databaseId: z.string().min(1), ...queryFields })
export const pageCreateInput = z
  .object({
    dataSourceId: z.string().optional(),
    databaseId: z.string().optional(),
    pageId: z.string().optional(),
    dataSourceName: z.string().optional(),
    properties,
    children: z.array(z.unknown()).max(100).optional(),
  })
  .refine((i) => [i.dataSourceId, i.databaseId, i.pageId].filter(Boolean).length === 1, {
    message: 'give exactly one parent: dataSourceId, databaseId or pageId',
  })
export const pageUpdateInput = z.object({ pageId: z.string().min(1), properties: properties.optional(), inTrash: z.boolean().optional() })

export type DataSourceQueryInput = z.infer<typeof dataSourceQueryInput>
export type DatabaseQueryInput = z.infer<typeof databaseQueryInput>
export type PageCreateInput = z.infer<typeof pageCreateInput>
export type PageUpdateInput = z.infer<typeof pageUpdateInput>

export interface QueryOutput {
  results: Array<Record<string, unknown>>
  nextCursor: string | null
  hasMore: boolean
  dataSourceId?: string
}
export interface PageOutput {
  id: string
  url?: string
}

interface ListBody {
  results: Array<Record<string, unknown>>
  next_cursor: string | null
  has_more: boolean
}

/** The data source of a database: by name when given, else the only (first) one. */
export async function resolveDataSource(ctx: Ctx, databaseId: string, name?: string): Promise<string> {
  const key = `notion:data-source:${databaseId}:${name ?? ''}`
  const known = await ctx.identity.get(key)
  if (known) return known
  const db = await notionCall<{ data_sources?: Array<{ id: string; name: string }> }>(
    ctx,
    'GET',
    `/v1/databases/${encodeURIComponent(databaseId)}`,
  )
  const list = db.data_sources ?? []
  const found = name ? list.find((d) => d.name === name) : list[0]
  if (!found)
    throw new NonRetryableError(
      `Notion database ${databaseId} has ${name ? `no data source named "${name}"` : 'no data source'}; its data sources: ${list.map((d) => d.name).join(', ') || 'none'}`,
      { providerCode: 'object_not_found' },
    )
  await ctx.identity.set(key, found.id)
  return found.id
}

async function paged(
  ctx: Ctx,
  path: string,
  input: z.infer<typeof databaseQueryInput> | DataSourceQueryInput,
  version?: string,
): Promise<QueryOutput> {
  const results: QueryOutput['results'] = []
  let cursor = input.startCursor
  let last: ListBody = { results: [], next_cursor: null, has_more: false }
  for (let n = 0; n < (input.all ? input.maxPages : 1); n++) {
    const body = {
      ...(input.filter ? { filter: input.filter } : {}),
      ...(input.sorts ? { sorts: input.sorts } : {}),
      ...(cursor ? { start_cursor: cursor } : {}),
      ...(input.pageSize ? { page_size: input.pageSize } : {}),
    }
    last = await notionCall<ListBody>(ctx, 'POST', path, body, version)
    results.push(...last.results)
    if (!last.has_more || !last.next_cursor) break
    cursor = last.next_cursor
    if (input.all) await new Promise<void>((r) => ctx.clock.setTimeout(r, 334))
  }
  return { results, nextCursor: last.next_cursor, hasMore: last.has_more }
}

export const dataSourcesQuery: ActionDefinition<NotionConnection, DataSourceQueryInput, QueryOutput> = {
  input: dataSourceQueryInput as unknown as z.ZodType<DataSourceQueryInput>,
  run: async (input, ctx) => {
    const id = input.dataSourceId ?? (await resolveDataSource(ctx, input.databaseId as string, input.dataSourceName))
    return { ...(await paged(ctx, `/v1/data_sources/${encodeURIComponent(id)}/query`, input)), dataSourceId: id }
  },
}

export const databasesQuery: ActionDefinition<NotionConnection, DatabaseQueryInput, QueryOutput> = {
  input: databaseQueryInput as z.ZodType<DatabaseQueryInput>,
  run: (input, ctx) => paged(ctx, `/v1/databases/${encodeURIComponent(input.databaseId)}/query`, input, NOTION_LEGACY_VERSION),
}

export const pagesCreate: ActionDefinition<NotionConnection, PageCreateInput, PageOutput> = {
  input: pageCreateInput as unknown as z.ZodType<PageCreateInput>,
  run: async (input, ctx) => {
    const parent = input.pageId
      ? { type: 'page_id', page_id: input.pageId }
      : {
          type: 'data_source_id',
          data_source_id: input.dataSourceId ?? (await resolveDataSource(ctx, input.databaseId as string, input.dataSourceName)),
        }
    const page = await notionCall<{ id: string; url?: string }>(ctx, 'POST', '/v1/pages', {
      parent,
      properties: input.properties,
      ...(input.children ? { children: input.children } : {}),
    })
    return { id: page.id, ...(page.url ? { url: page.url } : {}) }
  },
}

export const pagesUpdate: ActionDefinition<NotionConnection, PageUpdateInput, PageOutput> = {
  input: pageUpdateInput as z.ZodType<PageUpdateInput>,
  effectKey: (i) => `page:${i.pageId}`,
  run: async (input, ctx) => {
    const body = {
      ...(input.properties ? { properties: input.properties } : {}),
      ...(input.inTrash !== undefined ? { in_trash: input.inTrash } : {}),
    }
    const page = await notionCall<{ id: string; url?: string }>(ctx, 'PATCH', `/v1/pages/${encodeURIComponent(input.pageId)}`, body)
    return { id: page.id, ...(page.url ? { url: page.url } : {}) }
  },
}
