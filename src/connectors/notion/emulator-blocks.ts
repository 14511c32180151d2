/**
 * Page content in the Notion emulator: the blocks endpoints (`GET /v1/blocks/{id}`,
 * `GET /v1/blocks/{id}/children` with `page_size` ≤ 100 and `start_cursor`, `PATCH
 * /v1/blocks/{id}/children` appending ≤ 100 blocks with at most two levels of nesting, after a
 * block (`after` or `position`), `PATCH /v1/blocks/{id}` and `DELETE /v1/blocks/{id}`, which
 * moves the block to the trash), and `children` on `POST /v1/pages`. Requests are checked as
 * Notion checks them: 2,000 characters per rich-text item, 100 items per rich-text array and
 * per children array, 1,000 blocks per request, known block types and code languages, table
 * rows as wide as their table. Editing a block also updates its page's `last_edited_time`.
 * @module
 */
import { type EmulatorReply, type EmulatorRequest, json } from '../../sandbox/reply.js'
import { NotionFault } from './emulator-props.js'
import { CODE_LANGUAGES } from './markdown/languages.js'

export interface BlockState {
  id: string
  type: string
  /** The type's object as Notion returns it (rich text expanded), without `children`. */
  data: Record<string, unknown>
  parent: { type: 'page_id'; page_id: string } | { type: 'block_id'; block_id: string }
  /** The page the block belongs to (for `last_edited_time`). */
  pageId: string
  created_time: string
  last_edited_time: string
  in_trash: boolean
}

export interface BlockStore {
  blocks: Map<string, BlockState>
  /** parent id (page or block) → child ids in order (trashed ones included). */
  children: Map<string, string[]>
}

export const BLOCK_TYPES = [
  'paragraph',
  'heading_1',
  'heading_2',
  'heading_3',
  'bulleted_list_item',
  'numbered_list_item',
  'to_do',
  'toggle',
  'quote',
  'callout',
  'code',
  'divider',
  'table',
  'table_row',
] as const

/** Notion's code-block languages. */
export { CODE_LANGUAGES } from './markdown/languages.js'

const MAX_TEXT = 2000
const MAX_ARRAY = 100
const MAX_BLOCKS = 1000
const MAX_DEPTH = 2
const COLORS = new Set(['default', 'gray', 'brown', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'red'])

const invalid = (message: string) => new NotionFault(400, 'validation_error', `body failed validation: ${message}`)

/** A request rich-text item → the response form (annotations filled in, plain_text, href). */
function richTextItem(item: unknown, path: string): Record<string, unknown> {
  const r = item as { type?: unknown; text?: { content?: unknown; link?: { url?: unknown } | null }; annotations?: Record<string, unknown> }
  if (typeof r !== 'object' || r === null || (r.type !== undefined && r.type !== 'text') || typeof r.text !== 'object' || r.text === null)
    throw invalid(`${path} should be a text rich text object.`)
  const content = r.text.content
  if (typeof content !== 'string') throw invalid(`${path}.text.content should be a string, instead was \`${JSON.stringify(content)}\`.`)
  if (content.length > MAX_TEXT)
    throw invalid(`${path}.text.content.length should be ≤ \`${MAX_TEXT}\`, instead was \`${content.length}\`.`)
  const url = r.text.link?.url
  if (r.text.link && (typeof url !== 'string' || !/^[a-z][a-z0-9+.-]*:\S+$/i.test(url)))
    throw invalid(`${path}.text.link.url should be a valid URL, instead was \`${JSON.stringify(url)}\`.`)
  const a = r.annotations ?? {}
  const annotations = {
    bold: a.bold === true,
    italic: a.italic === true,
    strikethrough: a.strikethrough === true,
    underline: a.underline === true,
    code: a.code === true,
    color: typeof a.color === 'string' ? a.color : 'default',
  }
  return {
    type: 'text',
    text: { content, link: typeof url === 'string' ? { url } : null },
    annotations,
    plain_text: content,
    href: typeof url === 'string' ? url : null,
  }
}

function richText(list: unknown, path: string): Array<Record<string, unknown>> {
  if (list === undefined) return []
  if (!Array.isArray(list)) throw invalid(`${path} should be an array.`)
  if (list.length > MAX_ARRAY) throw invalid(`${path}.length should be ≤ \`${MAX_ARRAY}\`, instead was \`${list.length}\`.`)
  return list.map((item, i) => richTextItem(item, `${path}[${i}]`))
}

/** Validate one block's type object and expand it to the response form. */
function blockData(type: string, raw: unknown, path: string, tableWidth?: number): Record<string, unknown> {
  const o = (raw ?? {}) as Record<string, unknown>
  if (typeof o !== 'object') throw invalid(`${path}.${type} should be an object.`)
  const color = typeof o.color === 'string' ? o.color : 'default'
  if (!COLORS.has(color.replace(/_background$/, ''))) throw invalid(`${path}.${type}.color is not a color.`)
  switch (type) {
    case 'divider':
      return {}
    case 'code': {
      const language = typeof o.language === 'string' ? o.language : 'plain text'
      if (!CODE_LANGUAGES.has(language))
        throw invalid(`${path}.code.language should be one of Notion's languages, instead was \`"${language}"\`.`)
      return { caption: richText(o.caption, `${path}.code.caption`), rich_text: richText(o.rich_text, `${path}.code.rich_text`), language }
    }
    case 'to_do':
      return { rich_text: richText(o.rich_text, `${path}.to_do.rich_text`), checked: o.checked === true, color }
    case 'heading_1':
    case 'heading_2':
    case 'heading_3':
      return { rich_text: richText(o.rich_text, `${path}.${type}.rich_text`), is_toggleable: o.is_toggleable === true, color }
    case 'table': {
      const width = o.table_width
      if (typeof width !== 'number' || !Number.isInteger(width) || width < 1)
        throw invalid(`${path}.table.table_width should be a positive integer.`)
      return { table_width: width, has_column_header: o.has_column_header === true, has_row_header: o.has_row_header === true }
    }
    case 'table_row': {
      if (!Array.isArray(o.cells)) throw invalid(`${path}.table_row.cells should be an array.`)
      if (tableWidth !== undefined && o.cells.length !== tableWidth)
        throw invalid(`${path}.table_row.cells.length should be \`${tableWidth}\` (the table's width), instead was \`${o.cells.length}\`.`)
      return { cells: o.cells.map((cell, i) => richText(cell, `${path}.table_row.cells[${i}]`)) }
    }
    default:
      return { rich_text: richText(o.rich_text, `${path}.${type}.rich_text`), color }
  }
}

interface Planned {
  type: string
  data: Record<string, unknown>
  children: Planned[]
}

/** Validate a request's children (count, nesting, types, text) before anything is written. */
export function planChildren(list: unknown, path = 'body.children', depth = 0, count = { n: 0 }, tableWidth?: number): Planned[] {
  if (!Array.isArray(list)) throw invalid(`${path} should be an array.`)
  if (list.length > MAX_ARRAY) throw invalid(`${path}.length should be ≤ \`${MAX_ARRAY}\`, instead was \`${list.length}\`.`)
  return list.map((raw, i) => {
    const at = `${path}[${i}]`
    const b = raw as Record<string, unknown>
    const type = typeof b?.type === 'string' ? b.type : Object.keys(b ?? {}).find((k) => (BLOCK_TYPES as readonly string[]).includes(k))
    if (!type || !(BLOCK_TYPES as readonly string[]).includes(type))
      throw invalid(
        `${at} should be a block object of a supported type, instead was \`${JSON.stringify(b?.type ?? Object.keys(b ?? {})[0])}\`.`,
      )
    if (++count.n > MAX_BLOCKS) throw invalid(`${path}: a request may hold at most ${MAX_BLOCKS} blocks.`)
    if (type === 'table_row' && tableWidth === undefined) throw invalid(`${at}: a table_row must be a child of a table.`)
    const data = blockData(type, b[type], at, tableWidth)
    const nested = (b[type] as { children?: unknown } | undefined)?.children ?? b.children
    let children: Planned[] = []
    if (nested !== undefined) {
      if (depth >= MAX_DEPTH)
        throw invalid(`${at}: blocks may be nested at most ${MAX_DEPTH} levels in one request; append deeper children in a later request.`)
      children = planChildren(
        nested,
        `${at}.${type}.children`,
        depth + 1,
        count,
        type === 'table' ? (data.table_width as number) : undefined,
      )
    }
    if (type === 'table' && children.length === 0) throw invalid(`${at}.table.children should contain at least one table_row.`)
    return { type, data, children }
  })
}

export interface BlockHelpers {
  newId(): string
  /** The page id when `id` is a live page, else null. */
  pageOf(id: string): string | null
  /** Mark a page edited. */
  touchPage(pageId: string, at: string): void
}

export function blockJson(b: BlockState, store: BlockStore) {
  const kids = store.children.get(b.id) ?? []
  return {
    object: 'block',
    id: b.id,
    parent: b.parent,
    created_time: b.created_time,
    last_edited_time: b.last_edited_time,
    created_by: { object: 'user', id: 'emulator-user' },
    last_edited_by: { object: 'user', id: 'emulator-user' },
    has_children: kids.some((k) => !store.blocks.get(k)?.in_trash),
    archived: b.in_trash,
    in_trash: b.in_trash,
    type: b.type,
    [b.type]: b.data,
  }
}

/** Write planned blocks under `parentId` (a page or block), at `index` (end when undefined); returns the top-level blocks. */
export function insertBlocks(
  store: BlockStore,
  h: BlockHelpers,
  parentId: string,
  pageId: string,
  planned: Planned[],
  at: string,
  index?: number,
): BlockState[] {
  const siblings = store.children.get(parentId) ?? []
  const created: BlockState[] = []
  for (const p of planned) {
    const b: BlockState = {
      id: h.newId(),
      type: p.type,
      data: p.data,
      parent: parentId === pageId ? { type: 'page_id', page_id: pageId } : { type: 'block_id', block_id: parentId },
      pageId,
      created_time: at,
      last_edited_time: at,
      in_trash: false,
    }
    store.blocks.set(b.id, b)
    created.push(b)
    if (p.children.length) insertBlocks(store, h, b.id, pageId, p.children, at)
  }
  const ids = created.map((b) => b.id)
  if (index === undefined) siblings.push(...ids)
  else siblings.splice(index, 0, ...ids)
  store.children.set(parentId, siblings)
  h.touchPage(pageId, at)
  return created
}

const notFound = (id: string) =>
  new NotionFault(
    404,
    'object_not_found',
    `Could not find block with ID: ${id}. Make sure the relevant pages and databases are shared with your integration.`,
  )

export function createBlockRoutes(store: () => BlockStore, h: BlockHelpers) {
  const live = (id: string) => {
    const b = store().blocks.get(id)
    if (!b || b.in_trash) throw notFound(id)
    return b
  }
  /** The container `id` names: a live page or a live block; and its page. */
  const container = (id: string) => {
    const page = h.pageOf(id)
    if (page) return { id, pageId: page }
    const b = live(id)
    return { id: b.id, pageId: b.pageId }
  }
  return {
    list(req: EmulatorRequest): EmulatorReply {
      const { id } = container(req.params.id!)
      const size = req.query.get('page_size') === null ? 100 : Number(req.query.get('page_size'))
      if (!Number.isInteger(size) || size < 1 || size > 100)
        throw new NotionFault(400, 'validation_error', `page_size should be ≤ \`100\`, instead was \`${req.query.get('page_size')}\`.`)
      const s = store()
      const kids = (s.children.get(id) ?? []).map((k) => s.blocks.get(k)!).filter((b) => !b.in_trash)
      const cursor = req.query.get('start_cursor')
      let start = 0
      if (cursor !== null) {
        start = kids.findIndex((b) => b.id === cursor)
        if (start < 0) throw new NotionFault(400, 'validation_error', `start_cursor should be a valid cursor, instead was \`"${cursor}"\`.`)
      }
      const page = kids.slice(start, start + size)
      const next = kids[start + size]?.id ?? null
      return json(200, {
        object: 'list',
        results: page.map((b) => blockJson(b, s)),
        next_cursor: next,
        has_more: next !== null,
        type: 'block',
        block: {},
      })
    },
    append(req: EmulatorRequest, now: number): EmulatorReply {
      const { id, pageId } = container(req.params.id!)
      const body = (req.body ?? {}) as { children?: unknown; after?: unknown; position?: { type?: string; after_block?: { id?: string } } }
      if (body.children === undefined) throw invalid('body.children should be defined, instead was `undefined`.')
      const planned = planChildren(body.children)
      const s = store()
      const siblings = s.children.get(id) ?? []
      let index: number | undefined
      const after =
        typeof body.after === 'string' ? body.after : body.position?.type === 'after_block' ? body.position.after_block?.id : undefined
      if (after !== undefined) {
        const i = siblings.indexOf(after)
        if (i < 0 || s.blocks.get(after)?.in_trash) throw invalid(`after should be the ID of a child of ${id}, instead was \`"${after}"\`.`)
        index = i + 1
      } else if (body.position?.type === 'start') index = 0
      const created = insertBlocks(s, h, id, pageId, planned, new Date(now).toISOString(), index)
      return json(200, {
        object: 'list',
        results: created.map((b) => blockJson(b, s)),
        next_cursor: null,
        has_more: false,
        type: 'block',
        block: {},
      })
    },
    get(req: EmulatorRequest): EmulatorReply {
      return json(200, blockJson(live(req.params.id!), store()))
    },
    update(req: EmulatorRequest, now: number): EmulatorReply {
      const b = live(req.params.id!)
      const body = (req.body ?? {}) as Record<string, unknown>
      const at = new Date(now).toISOString()
      if (body.in_trash === true || body.archived === true) b.in_trash = true
      else if (body[b.type] !== undefined) {
        const parent = b.parent.type === 'block_id' ? store().blocks.get(b.parent.block_id) : undefined
        const width = b.type === 'table_row' && parent?.type === 'table' ? (parent.data.table_width as number) : undefined
        const next = blockData(b.type, body[b.type], `body.${b.type}`, width)
        if (b.type === 'table') next.table_width = b.data.table_width
        b.data = next
      } else {
        const other = Object.keys(body).find((k) => (BLOCK_TYPES as readonly string[]).includes(k))
        if (other) throw invalid(`body.${other}: the block is a ${b.type}; its type cannot be changed.`)
      }
      b.last_edited_time = at
      h.touchPage(b.pageId, at)
      return json(200, blockJson(b, store()))
    },
    remove(req: EmulatorRequest, now: number): EmulatorReply {
      const b = live(req.params.id!)
      const at = new Date(now).toISOString()
      b.in_trash = true
      b.last_edited_time = at
      h.touchPage(b.pageId, at)
      return json(200, blockJson(b, store()))
    },
  }
}
