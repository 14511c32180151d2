/**
 * Notion blocks → markdown: the blocks (request form, or API responses with their children
 * fetched into `block[type].children`) become mdast, serialised by mdast-util-to-markdown with
 * GFM. The serialisation options are fixed so that markdown → Notion → markdown is stable for
 * the supported subset (see to-blocks.ts): `-` bullets, `*` strong, `_` emphasis, fenced code,
 * `***` rules, tight lists.
 *
 * Block types outside the subset are kept as text: a toggle as a paragraph with its children,
 * a callout as a quote; anything else with rich text as a paragraph; the rest (images, embeds,
 * child pages) is left out.
 * @module
 */
import type { BlockContent, List, ListItem, PhrasingContent, Root, RootContent, TableRow } from 'mdast'
import { gfmToMarkdown } from 'mdast-util-gfm'
import { type Options, toMarkdown } from 'mdast-util-to-markdown'
import { fromRichText, type RichText, richTextPlain } from './rich-text.js'
import { childrenOf, dataOf, type NotionBlock } from './to-blocks.js'

export const MARKDOWN_OPTIONS: Options = {
  bullet: '-',
  bulletOther: '*',
  listItemIndent: 'one',
  emphasis: '_',
  strong: '*',
  fence: '`',
  fences: true,
  rule: '*',
  incrementListMarker: true,
  extensions: [gfmToMarkdown()],
}

const rich = (b: NotionBlock) => dataOf(b).rich_text as RichText[] | undefined

/** Newlines cannot live in a heading or a table cell: they become spaces. */
function oneLine(nodes: PhrasingContent[]): PhrasingContent[] {
  return nodes.map((n) => {
    if ('value' in n && typeof n.value === 'string' && n.type !== 'html') return { ...n, value: n.value.replace(/\r?\n/g, ' ') }
    if ('children' in n) return { ...n, children: oneLine(n.children as PhrasingContent[]) } as PhrasingContent
    return n
  })
}

function paragraph(b: NotionBlock): BlockContent[] {
  const children = fromRichText(rich(b))
  return children.length ? [{ type: 'paragraph', children }] : []
}

function listKind(type: string): 'ordered' | 'unordered' | null {
  if (type === 'numbered_list_item') return 'ordered'
  if (type === 'bulleted_list_item' || type === 'to_do') return 'unordered'
  return null
}

function item(b: NotionBlock): ListItem {
  const lead = paragraph(b)
  return {
    type: 'listItem',
    spread: false,
    checked: b.type === 'to_do' ? dataOf(b).checked === true : null,
    children: [...(lead.length ? lead : [{ type: 'paragraph' as const, children: [] }]), ...convertAll(childrenOf(b))],
  }
}

function convert(b: NotionBlock): BlockContent[] {
  const d = dataOf(b)
  switch (b.type) {
    case 'heading_1':
    case 'heading_2':
    case 'heading_3': {
      const children = oneLine(fromRichText(rich(b)))
      const heading: BlockContent = { type: 'heading', depth: Number(b.type.slice(-1)) as 1 | 2 | 3, children }
      return children.length ? [heading, ...convertAll(childrenOf(b))] : convertAll(childrenOf(b))
    }
    case 'paragraph':
    case 'toggle':
      return [...paragraph(b), ...convertAll(childrenOf(b))]
    case 'quote':
    case 'callout':
      return [{ type: 'blockquote', children: [...paragraph(b), ...convertAll(childrenOf(b))] }]
    case 'code': {
      const language = typeof d.language === 'string' ? d.language : 'plain text'
      return [{ type: 'code', lang: language === 'plain text' ? null : language.replace(/ /g, '-'), value: richTextPlain(rich(b)) }]
    }
    case 'divider':
      return [{ type: 'thematicBreak' }]
    case 'table': {
      const width = Number(d.table_width) || 1
      const rows: TableRow[] = childrenOf(b)
        .filter((r) => r.type === 'table_row')
        .map((r) => {
          const cells = (dataOf(r).cells as RichText[][] | undefined) ?? []
          return {
            type: 'tableRow',
            children: Array.from({ length: width }, (_, i) => ({ type: 'tableCell' as const, children: oneLine(fromRichText(cells[i])) })),
          }
        })
      return rows.length ? [{ type: 'table', align: Array.from({ length: width }, () => null), children: rows }] : []
    }
    default:
      return rich(b) ? [...paragraph(b), ...convertAll(childrenOf(b))] : []
  }
}

/** Blocks → mdast block content; consecutive list items become one list. */
function convertAll(blocks: readonly NotionBlock[]): BlockContent[] {
  const out: BlockContent[] = []
  let list: List | null = null
  for (const b of blocks) {
    const kind = listKind(b.type)
    if (kind) {
      if (!list || list.ordered !== (kind === 'ordered')) {
        list = { type: 'list', ordered: kind === 'ordered', start: kind === 'ordered' ? 1 : null, spread: false, children: [] }
        out.push(list)
      }
      list.children.push(item(b))
      continue
    }
    list = null
    out.push(...convert(b))
  }
  return out
}

/** Notion blocks → markdown text (ends with one newline; empty for no content). */
export function blocksToMarkdown(blocks: readonly NotionBlock[]): string {
  const root: Root = { type: 'root', children: convertAll(blocks) as RootContent[] }
  if (root.children.length === 0) return ''
  return toMarkdown(root, MARKDOWN_OPTIONS)
}
