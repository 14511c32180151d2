/**
 * Markdown → Notion blocks, parsed by micromark/mdast (CommonMark + GFM: tables, task lists,
 * strikethrough). The supported subset maps one to one:
 *
 * | markdown                        | Notion block                         |
 * |---------------------------------|--------------------------------------|
 * | `#`, `##`, `###` (and deeper)   | `heading_1..3` (h4–h6 → `heading_3`) |
 * | paragraph                       | `paragraph`                          |
 * | `- item` / `1. item`            | `bulleted_list_item` / `numbered_list_item`, nested lists as children |
 * | `- [ ] task` / `- [x] done`     | `to_do` (`checked`)                  |
 * | fenced or indented code         | `code` (language mapped, else `plain text`) |
 * | `> quote`                       | `quote` (first paragraph as its text, the rest as children) |
 * | GFM table                       | `table` + `table_row`s (header row)  |
 * | `***`                           | `divider`                            |
 *
 * Everything else is kept as text (HTML as a paragraph of its source). A paragraph whose rich
 * text would exceed Notion's 100 items continues in the next paragraph block.
 * @module
 */
import type { BlockContent, DefinitionContent, ListItem, PhrasingContent, Root, RootContent } from 'mdast'
import { fromMarkdown } from 'mdast-util-from-markdown'
import { gfmFromMarkdown } from 'mdast-util-gfm'
import { gfm } from 'micromark-extension-gfm'
import { ARRAY_MAX } from '../props.js'
import type { NotionBlock } from './block.js'
import { CODE_LANGUAGES } from './languages.js'
import { plainRichText, type RichText, toRichText } from './rich-text.js'

/** A Notion block in request form; children (any depth) under `block[type].children`. */
export { childrenOf, dataOf, type NotionBlock } from './block.js'

/** Markdown code-fence names → Notion's language names (where they differ). */
const LANGUAGE_ALIASES: Record<string, string> = {
  ts: 'typescript',
  tsx: 'typescript',
  js: 'javascript',
  jsx: 'javascript',
  mjs: 'javascript',
  sh: 'shell',
  zsh: 'shell',
  console: 'shell',
  py: 'python',
  rb: 'ruby',
  yml: 'yaml',
  md: 'markdown',
  rs: 'rust',
  kt: 'kotlin',
  cs: 'c#',
  csharp: 'c#',
  cpp: 'c++',
  objc: 'objective-c',
  dockerfile: 'docker',
  text: 'plain text',
  txt: 'plain text',
  plaintext: 'plain text',
}

/** The Notion language of a fence's info string (`plain text` when Notion has none by that name). */
export function notionLanguage(lang: string | null | undefined, known: ReadonlySet<string>): string {
  if (!lang) return 'plain text'
  const l = lang.toLowerCase()
  const name = LANGUAGE_ALIASES[l] ?? l.replace(/-/g, ' ')
  if (known.has(l)) return l
  return known.has(name) ? name : 'plain text'
}

export function block(type: string, data: Record<string, unknown>, children?: NotionBlock[]): NotionBlock {
  return { object: 'block', type, [type]: children?.length ? { ...data, children } : data }
}

/** Text blocks whose rich text exceeds 100 items continue in further blocks of the same type. */
function textBlocks(type: string, rich: RichText[], extra: Record<string, unknown> = {}, children?: NotionBlock[]): NotionBlock[] {
  if (rich.length <= ARRAY_MAX) return [block(type, { rich_text: rich, ...extra }, children)]
  const out: NotionBlock[] = []
  for (let i = 0; i < rich.length; i += ARRAY_MAX) {
    const last = i + ARRAY_MAX >= rich.length
    out.push(block(type, { rich_text: rich.slice(i, i + ARRAY_MAX), ...extra }, last ? children : undefined))
  }
  return out
}

export interface ToBlocksOptions {
  /** Code languages the target accepts. @defaultValue Notion's list */
  languages?: ReadonlySet<string>
}

function listItem(item: ListItem, ordered: boolean, o: ToBlocksOptions): NotionBlock[] {
  const [first, ...rest] = item.children
  const lead = first?.type === 'paragraph' ? first.children : []
  const tail = first?.type === 'paragraph' ? rest : item.children
  const children = tail.flatMap((c) => convert(c, o))
  const rich = toRichText(lead)
  if (typeof item.checked === 'boolean') return textBlocks('to_do', rich, { checked: item.checked }, children)
  return textBlocks(ordered ? 'numbered_list_item' : 'bulleted_list_item', rich, {}, children)
}

function convert(node: RootContent | BlockContent | DefinitionContent, o: ToBlocksOptions): NotionBlock[] {
  switch (node.type) {
    case 'heading':
      return textBlocks(`heading_${Math.min(node.depth, 3)}`, toRichText(node.children))
    case 'paragraph':
      return textBlocks('paragraph', toRichText(node.children))
    case 'list':
      return node.children.flatMap((item) => listItem(item, node.ordered === true, o))
    case 'code':
      return [block('code', { rich_text: plainRichText(node.value), language: notionLanguage(node.lang, o.languages ?? CODE_LANGUAGES) })]
    case 'blockquote': {
      const [first, ...rest] = node.children
      const lead = first?.type === 'paragraph' ? first.children : []
      const tail = first?.type === 'paragraph' ? rest : node.children
      return textBlocks(
        'quote',
        toRichText(lead),
        {},
        tail.flatMap((c) => convert(c, o)),
      )
    }
    case 'table': {
      const width = Math.max(1, ...node.children.map((r) => r.children.length))
      const rows = node.children.map((row) =>
        block('table_row', {
          cells: Array.from({ length: width }, (_, i) => toRichText((row.children[i]?.children ?? []) as PhrasingContent[])),
        }),
      )
      return [block('table', { table_width: width, has_column_header: true, has_row_header: false }, rows)]
    }
    case 'thematicBreak':
      return [block('divider', {})]
    case 'html':
      return node.value.trim() ? textBlocks('paragraph', plainRichText(node.value)) : []
    case 'definition':
    case 'footnoteDefinition':
    case 'yaml' as string:
      return []
    default:
      if ('children' in node && Array.isArray(node.children)) return textBlocks('paragraph', toRichText(node.children as PhrasingContent[]))
      return []
  }
}

/** Parse markdown (CommonMark + GFM) to mdast. */
export function parseMarkdown(markdown: string): Root {
  return fromMarkdown(markdown, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] })
}

/** Markdown (the body, without front matter) → Notion blocks in request form. */
export function markdownToBlocks(markdown: string, options: ToBlocksOptions = {}): NotionBlock[] {
  return parseMarkdown(markdown).children.flatMap((n) => convert(n, options))
}
