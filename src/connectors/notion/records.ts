/**
 * Notion pages of a data source as sync records (the `notion:` side, src/sync/sides/notion.ts):
 * property values as plain JSON (text as plain text, options as names, dates as their start),
 * the page's content as markdown under a body field, `last_edited_time` as the modification
 * time. Writing turns plain values back into property values by the data source's schema
 * (fetched once a minute), and markdown into blocks (content.ts). Every request is paced.
 * @module
 */
import { z } from 'zod'
import { NonRetryableError } from '../../errors.js'
import type { SourceRecord } from '../../sources/contract.js'
import type { ActionDefinition } from '../contract.js'
import { type Ctx, type NotionCaller, pacedCalls } from './client.js'
import type { NotionConnection } from './connection.js'
import { readTree, writeMarkdown } from './content.js'
import { markdownModule } from './markdown/lazy.js'
import { richTextItems } from './props.js'

interface PageJson {
  id: string
  last_edited_time: string
  in_trash?: boolean
  archived?: boolean
  properties: Record<string, Record<string, unknown> & { type: string }>
}
interface QueryBody {
  results: PageJson[]
  next_cursor: string | null
  has_more: boolean
}
type Schema = Record<string, { type: string }>

const schemas = new Map<string, { at: number; schema: Schema }>()

async function schemaOf(ctx: Ctx, call: NotionCaller, dataSourceId: string): Promise<Schema> {
  const key = `${ctx.connectionName}:${dataSourceId}`
  const hit = schemas.get(key)
  if (hit && ctx.clock.now() - hit.at < 60_000) return hit.schema
  const ds = await call<{ properties: Schema }>('GET', `/v1/data_sources/${encodeURIComponent(dataSourceId)}`)
  schemas.set(key, { at: ctx.clock.now(), schema: ds.properties })
  return ds.properties
}

/** A property value as plain JSON. */
export function plainProperty(p: Record<string, unknown> & { type: string }): unknown {
  const v = p[p.type] as any
  switch (p.type) {
    case 'title':
    case 'rich_text':
      return ((v as Array<{ plain_text?: string; text?: { content: string } }>) ?? [])
        .map((i) => i.plain_text ?? i.text?.content ?? '')
        .join('')
    case 'select':
    case 'status':
      return v?.name ?? null
    case 'multi_select':
      return ((v as Array<{ name: string }>) ?? []).map((o) => o.name)
    case 'date':
      return v?.start ?? null
    case 'relation':
      return ((v as Array<{ id: string }>) ?? []).map((o) => o.id)
    case 'number':
    case 'checkbox':
    case 'url':
    case 'email':
    case 'phone_number':
      return v ?? null
    case 'formula':
      return v ? (v[v.type] ?? null) : null
    default:
      return v ?? null
  }
}

const empty = (v: unknown) => v === null || v === undefined || v === ''

/** A plain value as the property value a request carries, by the property's type. */
export function propertyValue(name: string, type: string, v: unknown): Record<string, unknown> {
  const text = empty(v) ? '' : String(v)
  const list = (x: unknown) => (Array.isArray(x) ? x.map(String) : empty(x) ? [] : String(x).split(/\s*,\s*/))
  switch (type) {
    case 'title':
      return { title: richTextItems(text) }
    case 'rich_text':
      return { rich_text: richTextItems(text) }
    case 'number':
      return { number: empty(v) ? null : Number(v) }
    case 'select':
      return { select: empty(v) ? null : { name: text } }
    case 'status':
      return { status: empty(v) ? null : { name: text } }
    case 'multi_select':
      return { multi_select: list(v).map((n) => ({ name: n })) }
    case 'date':
      return { date: empty(v) ? null : { start: text } }
    case 'checkbox':
      return { checkbox: v === true || v === 'true' || v === 1 }
    case 'url':
    case 'email':
    case 'phone_number':
      return { [type]: empty(v) ? null : text }
    case 'relation':
      return { relation: list(v).map((id) => ({ id })) }
    default:
      throw new NonRetryableError(`Notion property "${name}" is a ${type} property, which a sync cannot write`)
  }
}

async function toRecord(call: NotionCaller, page: PageJson, bodyField: string | null): Promise<SourceRecord> {
  const fields: Record<string, unknown> = {}
  for (const [name, p] of Object.entries(page.properties)) fields[name] = plainProperty(p)
  if (bodyField) fields[bodyField] = (await markdownModule()).blocksToMarkdown(await readTree(call, page.id))
  return {
    id: page.id,
    modifiedAt: Date.parse(page.last_edited_time),
    fields,
    ...(page.in_trash || page.archived ? { deleted: true } : {}),
  }
}

const base = { dataSourceId: z.string().min(1), bodyField: z.string().nullable().default('body') }
export const recordsQueryInput = z.object({
  ...base,
  /** Pages edited at or after this time (epoch ms); all pages when absent. */
  since: z.number().nullable().optional(),
  startCursor: z.string().optional(),
  pageSize: z.number().int().min(1).max(100).default(25),
})
export const recordsGetInput = z.object({ bodyField: base.bodyField, ids: z.array(z.string()).max(100) })
export const recordsWriteInput = z.object({
  ...base,
  /** The page to update; absent: create one (or update the one `upsertOn` finds). */
  pageId: z.string().optional(),
  fields: z.record(z.string(), z.unknown()),
  upsertOn: z.string().optional(),
})
export const recordsArchiveInput = z.object({ pageId: z.string().min(1) })

/** `notion.records.query`: pages of a data source (edited since a time, oldest first) with their content. */
export const recordsQuery: ActionDefinition<
  NotionConnection,
  z.infer<typeof recordsQueryInput>,
  { records: SourceRecord[]; nextCursor: string | null; hasMore: boolean }
> = {
  input: recordsQueryInput as never,
  run: async (input, ctx) => {
    const call = pacedCalls(ctx)
    const body = {
      ...(input.since !== null && input.since !== undefined
        ? { filter: { timestamp: 'last_edited_time', last_edited_time: { on_or_after: new Date(input.since).toISOString() } } }
        : {}),
      sorts: [{ timestamp: 'last_edited_time', direction: 'ascending' }],
      page_size: input.pageSize,
      ...(input.startCursor ? { start_cursor: input.startCursor } : {}),
    }
    const res = await call<QueryBody>('POST', `/v1/data_sources/${encodeURIComponent(input.dataSourceId)}/query`, body)
    const records: SourceRecord[] = []
    for (const p of res.results) records.push(await toRecord(call, p, input.bodyField))
    return { records, nextCursor: res.next_cursor, hasMore: res.has_more }
  },
}

/** `notion.records.get`: pages by id with their content; trashed or missing pages are left out. */
export const recordsGet: ActionDefinition<NotionConnection, z.infer<typeof recordsGetInput>, SourceRecord[]> = {
  input: recordsGetInput as never,
  run: async (input, ctx) => {
    const call = pacedCalls(ctx)
    const out: SourceRecord[] = []
    for (const id of input.ids) {
      let page: PageJson
      try {
        page = await call<PageJson>('GET', `/v1/pages/${encodeURIComponent(id)}`)
      } catch (e) {
        if ((e as { status?: number }).status === 404) continue
        throw e
      }
      if (page.in_trash || page.archived) continue
      out.push(await toRecord(call, page, input.bodyField))
    }
    return out
  },
}

async function findBy(call: NotionCaller, dataSourceId: string, name: string, type: string, value: unknown): Promise<string | null> {
  const op = ['title', 'rich_text', 'url', 'email', 'phone_number', 'number', 'select', 'status', 'checkbox'].includes(type)
  if (!op || empty(value)) return null
  const filter = {
    property: name,
    [type]: { equals: type === 'number' ? Number(value) : type === 'checkbox' ? Boolean(value) : String(value) },
  }
  const res = await call<QueryBody>('POST', `/v1/data_sources/${encodeURIComponent(dataSourceId)}/query`, { filter, page_size: 2 })
  return res.results[0]?.id ?? null
}

/** `notion.records.write`: create or update a page from plain values (+ markdown content). */
export const recordsWrite: ActionDefinition<NotionConnection, z.infer<typeof recordsWriteInput>, { id: string; created: boolean }> = {
  input: recordsWriteInput as never,
  run: async (input, ctx) => {
    const call = pacedCalls(ctx)
    const schema = await schemaOf(ctx, call, input.dataSourceId)
    const properties: Record<string, unknown> = {}
    let markdown: string | null = null
    for (const [name, v] of Object.entries(input.fields)) {
      if (name === input.bodyField) {
        markdown = empty(v) ? '' : String(v)
        continue
      }
      const spec = schema[name]
      if (!spec)
        throw new NonRetryableError(
          `Notion data source ${input.dataSourceId} has no property "${name}"; its properties: ${Object.keys(schema).join(', ')}`,
        )
      properties[name] = propertyValue(name, spec.type, v)
    }
    let id = input.pageId ?? null
    if (!id && input.upsertOn) {
      const spec = schema[input.upsertOn]
      if (spec) id = await findBy(call, input.dataSourceId, input.upsertOn, spec.type, input.fields[input.upsertOn])
    }
    // a retried create finds the page its first attempt made (the step's idempotency key is stable)
    const mine = `notion:created:${ctx.call.idempotencyKey}`
    if (!id) id = await ctx.identity.get(mine)
    const created = !input.pageId
    if (id) {
      if (Object.keys(properties).length) await call('PATCH', `/v1/pages/${encodeURIComponent(id)}`, { properties })
    } else {
      const page = await call<{ id: string }>('POST', '/v1/pages', {
        parent: { type: 'data_source_id', data_source_id: input.dataSourceId },
        properties,
      })
      id = page.id
      await ctx.identity.set(mine, id)
    }
    if (markdown !== null) await writeMarkdown(call, id, markdown)
    return { id, created }
  },
}

/** `notion.records.archive`: move a page to the trash. */
export const recordsArchive: ActionDefinition<NotionConnection, z.infer<typeof recordsArchiveInput>, { id: string }> = {
  input: recordsArchiveInput,
  run: async (input, ctx) => {
    await pacedCalls(ctx)('PATCH', `/v1/pages/${encodeURIComponent(input.pageId)}`, { in_trash: true })
    return { id: input.pageId }
  },
}
