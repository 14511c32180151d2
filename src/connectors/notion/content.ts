/**
 * Page content as markdown: reading a page's block tree (children lists, 100 a page, recursing
 * into blocks with children) and writing markdown to a page as the smallest change of blocks —
 * blocks equal at the start and the end are kept, blocks of the same type in between are
 * updated in place, the rest deleted and appended (in chunks within Notion's limits, see
 * markdown/chunk.ts). Every request is paced (3 per second on average).
 * @module
 */
import { createHash } from 'node:crypto'
import { z } from 'zod'
import type { ActionDefinition } from '../contract.js'
import { type Ctx, type NotionCaller, pacedCalls } from './client.js'
import type { NotionConnection } from './connection.js'
import { childrenOf, dataOf, type NotionBlock } from './markdown/block.js'
import { markdownModule } from './markdown/lazy.js'

interface BlockJson {
  id: string
  type: string
  has_children?: boolean
  in_trash?: boolean
  [k: string]: unknown
}
interface ListBody {
  results: BlockJson[]
  next_cursor: string | null
  has_more: boolean
}

/** A stored block with its id, as the converter reads it (children fetched). */
export type StoredBlock = NotionBlock & { id: string }

/** Every child of a block or page, with their children (any depth). */
export async function readTree(call: NotionCaller, id: string): Promise<StoredBlock[]> {
  const out: StoredBlock[] = []
  let cursor: string | null = null
  do {
    const q: string = `?page_size=100${cursor ? `&start_cursor=${encodeURIComponent(cursor)}` : ''}`
    const page: ListBody = await call<ListBody>('GET', `/v1/blocks/${encodeURIComponent(id)}/children${q}`)
    for (const b of page.results) {
      if (b.in_trash) continue
      const data = { ...((b[b.type] as Record<string, unknown>) ?? {}) }
      if (b.has_children) data.children = await readTree(call, b.id)
      out.push({ id: b.id, type: b.type, [b.type]: data })
    }
    cursor = page.has_more ? page.next_cursor : null
  } while (cursor)
  return out
}

/** What makes two blocks the same for the diff: type, text, marks, links, options, children. */
function canon(b: NotionBlock): string {
  const d = dataOf(b)
  const rich = (list: unknown) =>
    ((list as Array<Record<string, any>> | undefined) ?? []).map((r) => {
      const a = r.annotations ?? {}
      return [r.plain_text ?? r.text?.content ?? '', r.href ?? r.text?.link?.url ?? null, !!a.bold, !!a.italic, !!a.strikethrough, !!a.code]
    })
  const text = JSON.stringify([
    b.type,
    rich(d.rich_text),
    d.checked ?? null,
    d.language ?? null,
    d.table_width ?? null,
    d.has_column_header ?? null,
    ((d.cells as unknown[] | undefined) ?? []).map(rich),
    childrenOf(b).map(canon),
  ])
  return createHash('sha1').update(text).digest('hex')
}

/** A block's type data as an update request carries it (no children, no response-only fields). */
function updateBody(b: NotionBlock): Record<string, unknown> {
  const d = { ...dataOf(b) }
  delete d.children
  return { [b.type]: d }
}

const leaf = (b: NotionBlock) => childrenOf(b).length === 0 && b.type !== 'table'

/** Write markdown as the page's content with as few requests as the diff allows; returns the requests made. */
export async function writeMarkdown(call: NotionCaller, pageId: string, markdown: string): Promise<{ requests: number }> {
  let requests = 0
  const counted: NotionCaller = (m, p, b) => {
    requests++
    return call(m, p, b)
  }
  const have = await readTree(counted, pageId)
  const { appendTree, markdownToBlocks } = await markdownModule()
  const want = markdownToBlocks(markdown)
  const h = have.map(canon)
  const w = want.map(canon)
  let start = 0
  while (start < h.length && start < w.length && h[start] === w[start]) start++
  let end = 0
  while (end < h.length - start && end < w.length - start && h[h.length - 1 - end] === w[w.length - 1 - end]) end++
  const old = have.slice(start, have.length - end)
  const next = want.slice(start, want.length - end)
  // same type, no children on either side: update in place
  let same = 0
  while (same < old.length && same < next.length && old[same]!.type === next[same]!.type && leaf(old[same]!) && leaf(next[same]!)) {
    await counted('PATCH', `/v1/blocks/${encodeURIComponent(old[same]!.id)}`, updateBody(next[same]!))
    same++
  }
  for (const b of old.slice(same)) await counted('DELETE', `/v1/blocks/${encodeURIComponent(b.id)}`)
  const rest = next.slice(same)
  if (rest.length) {
    const after = same > 0 ? old[same - 1]!.id : start > 0 ? have[start - 1]!.id : undefined
    const atStart = after === undefined && end > 0
    await appendTree(
      {
        append: async (parent, children, at) => {
          const position = at ?? (parent === pageId && atStart ? 'start' : undefined)
          const body = {
            children,
            ...(position === 'start' ? { position: { type: 'start' } } : position ? { after: position } : {}),
          }
          const res = await counted<{ results: Array<{ id: string }> }>('PATCH', `/v1/blocks/${encodeURIComponent(parent)}/children`, body)
          return res.results.map((r) => r.id)
        },
        childIds: async (id) => (await readTree(counted, id)).map((b) => b.id),
      },
      pageId,
      rest,
      after,
    )
  }
  return { requests }
}

export const readMarkdownInput = z.object({ pageId: z.string().min(1) })
export const writeMarkdownInput = z.object({ pageId: z.string().min(1), markdown: z.string() })

/** `notion.pages.readMarkdown`: a page's content as markdown. */
export const pagesReadMarkdown: ActionDefinition<NotionConnection, z.infer<typeof readMarkdownInput>, { markdown: string }> = {
  input: readMarkdownInput,
  run: async (input, ctx: Ctx) => ({ markdown: (await markdownModule()).blocksToMarkdown(await readTree(pacedCalls(ctx), input.pageId)) }),
}

/** `notion.pages.writeMarkdown`: set a page's content to markdown (the smallest block change). */
export const pagesWriteMarkdown: ActionDefinition<
  NotionConnection,
  z.infer<typeof writeMarkdownInput>,
  { pageId: string; requests: number }
> = {
  input: writeMarkdownInput,
  run: async (input, ctx: Ctx) => ({ pageId: input.pageId, ...(await writeMarkdown(pacedCalls(ctx), input.pageId, input.markdown)) }),
}
