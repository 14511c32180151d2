import fc from 'fast-check'
import type { BlockContent, List, ListItem, PhrasingContent, Root, RootContent, Table } from 'mdast'
import { toMarkdown } from 'mdast-util-to-markdown'
import { describe, expect, it } from 'vitest'
import { planChildren } from '../emulator-blocks.js'
import { appendRequests, appendTree, type BlockWriter } from './chunk.js'
import { blocksToMarkdown, MARKDOWN_OPTIONS } from './from-blocks.js'
import { fromRichText } from './rich-text.js'
import { childrenOf, dataOf, markdownToBlocks, type NotionBlock } from './to-blocks.js'

const roundTrip = (md: string) => blocksToMarkdown(markdownToBlocks(md))

// ── generated documents of the supported subset ─────────────────────────────────────────

const word = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9]{0,7}$/) },
  { weight: 2, arbitrary: fc.constantFrom('x_y', 'a*b', '#tag', '[x]', '1.', '<b>', 'a|b', 'q`r', 'émoji🙂', '100%', '~x', '\\', '&amp;') },
)
const words = fc.array(word, { minLength: 1, maxLength: 4 }).map((w) => w.join(' '))
const url = fc.constantFrom('https://example.com', 'https://acme.io/docs?a=1&b=2', 'mailto:ann@acme.com', 'http://x.io/p_(q)')

type Mark = 'strong' | 'emphasis' | 'delete'
/** Phrasing: segments separated by single spaces; a mark's children start with text; no mark nested in itself. */
function phrasing(depth: number, used: ReadonlySet<string>): fc.Arbitrary<PhrasingContent[]> {
  const text = words.map((value): PhrasingContent => ({ type: 'text', value }))
  const options: Array<fc.Arbitrary<PhrasingContent>> = [
    text,
    text,
    word.filter((w) => !/[`\\]/.test(w)).map((value) => ({ type: 'inlineCode', value })),
  ]
  if (depth > 0) {
    for (const m of ['strong', 'emphasis', 'delete'] as Mark[])
      if (!used.has(m))
        options.push(
          fc
            .tuple(text, phrasing(depth - 1, new Set([...used, m])))
            .map(
              ([first, rest]): PhrasingContent =>
                ({ type: m, children: [first, { type: 'text', value: ' ' }, ...rest] }) as PhrasingContent,
            ),
        )
    if (!used.has('link'))
      options.push(
        fc
          .tuple(url, phrasing(depth - 1, new Set([...used, 'link'])))
          .map(([u, children]): PhrasingContent => ({ type: 'link', url: u, children })),
      )
  }
  return fc.array(fc.oneof(...options), { minLength: 1, maxLength: 3 }).map((segs) => {
    const out: PhrasingContent[] = []
    segs.forEach((s, i) => {
      if (i > 0) out.push({ type: 'text', value: ' ' })
      out.push(s)
    })
    // adjacent text nodes are one text node
    const merged: PhrasingContent[] = []
    for (const n of out) {
      const last = merged[merged.length - 1]
      if (last?.type === 'text' && n.type === 'text') last.value += n.value
      else merged.push(n.type === 'text' ? { ...n } : n)
    }
    return merged
  })
}

const para = phrasing(2, new Set()).map((children): BlockContent => ({ type: 'paragraph', children }))

function list(depth: number): fc.Arbitrary<List> {
  return fc.record({ ordered: fc.boolean(), task: fc.boolean() }).chain(({ ordered, task }) => {
    const item: fc.Arbitrary<ListItem> = fc
      .tuple(phrasing(1, new Set()), depth > 0 ? fc.option(list(depth - 1), { freq: 3 }) : fc.constant(null), fc.boolean())
      .map(([p, nested, checked]) => ({
        type: 'listItem',
        spread: false,
        checked: task && !ordered ? checked : null,
        children: [{ type: 'paragraph', children: p }, ...(nested ? [nested] : [])],
      }))
    return fc
      .array(item, { minLength: 1, maxLength: 4 })
      .map((children): List => ({ type: 'list', ordered, start: ordered ? 1 : null, spread: false, children }))
  })
}

const code = fc
  .tuple(
    fc.constantFrom(null, 'typescript', 'python', 'bash', 'json', 'sql', 'c++', 'ascii-art'),
    fc.array(words, { minLength: 1, maxLength: 4 }),
  )
  .map(([lang, lines]): BlockContent => ({ type: 'code', lang, value: lines.join('\n') }))
const table = fc.integer({ min: 1, max: 4 }).chain((width) =>
  fc
    .array(fc.array(fc.option(phrasing(1, new Set(['link'])), { freq: 4 }), { minLength: width, maxLength: width }), {
      minLength: 1,
      maxLength: 4,
    })
    .map(
      (rows): Table => ({
        type: 'table',
        align: Array.from({ length: width }, () => null),
        children: rows.map((cells) => ({ type: 'tableRow', children: cells.map((c) => ({ type: 'tableCell', children: c ?? [] })) })),
      }),
    ),
)
const blockArb: fc.Arbitrary<BlockContent> = fc.oneof(
  { weight: 4, arbitrary: para },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 3 }), phrasing(1, new Set()))
      .map(([d, c]): BlockContent => ({ type: 'heading', depth: d as 1, children: c })),
  },
  { weight: 3, arbitrary: list(2) },
  { weight: 1, arbitrary: code },
  {
    weight: 1,
    arbitrary: fc.array(para, { minLength: 1, maxLength: 2 }).map((children): BlockContent => ({ type: 'blockquote', children })),
  },
  { weight: 1, arbitrary: table },
  { weight: 1, arbitrary: fc.constant<BlockContent>({ type: 'thematicBreak' }) },
)
const listKind = (b: BlockContent) => (b.type === 'list' ? (b.ordered ? 'ol' : 'ul') : null)
const documentArb = fc.array(blockArb, { minLength: 1, maxLength: 8 }).map((blocks): Root => {
  // two lists of one kind in a row are one list in Notion (and in most renderers)
  const children = blocks.filter((b, i) => i === 0 || listKind(b) === null || listKind(b) !== listKind(blocks[i - 1]!))
  return { type: 'root', children: children as RootContent[] }
})

describe('markdown ↔ Notion blocks', () => {
  it('round trip markdown → Notion → markdown is stable for generated documents of the supported subset', () => {
    fc.assert(
      fc.property(documentArb, (doc) => {
        const md = toMarkdown(doc, MARKDOWN_OPTIONS)
        expect(roundTrip(md)).toBe(md)
      }),
      { numRuns: 200 },
    )
  })

  it('maps each supported construct to its block type', () => {
    const md =
      '# H\n\n## H2\n\n#### deep\n\npara\n\n- a\n  - b\n- [x] done\n\n1. one\n\n> q\n\n```ts\nx\n```\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\n***\n'
    const blocks = markdownToBlocks(md)
    expect(blocks.map((b) => b.type)).toEqual([
      'heading_1',
      'heading_2',
      'heading_3',
      'paragraph',
      'bulleted_list_item',
      'to_do',
      'numbered_list_item',
      'quote',
      'code',
      'table',
      'divider',
    ])
    expect(childrenOf(blocks[4]!)[0]?.type).toBe('bulleted_list_item')
    expect(dataOf(blocks[5]!).checked).toBe(true)
    expect(dataOf(blocks[8]!).language).toBe('typescript')
    expect(dataOf(blocks[9]!)).toMatchObject({ table_width: 2, has_column_header: true })
  })

  it('keeps marks and links as Notion annotations, and regroups them on the way back', () => {
    const md = '**bold _both_** [link `code`](https://x.io) ~~gone~~ [rel](./other.md)\n'
    const rich = dataOf(markdownToBlocks(md)[0]!).rich_text
    expect(rich).toEqual([
      { type: 'text', text: { content: 'bold ' }, annotations: { bold: true } },
      { type: 'text', text: { content: 'both' }, annotations: { bold: true, italic: true } },
      { type: 'text', text: { content: ' ' } },
      { type: 'text', text: { content: 'link ', link: { url: 'https://x.io' } } },
      { type: 'text', text: { content: 'code', link: { url: 'https://x.io' } }, annotations: { code: true } },
      { type: 'text', text: { content: ' ' } },
      { type: 'text', text: { content: 'gone' }, annotations: { strikethrough: true } },
      // Notion takes absolute URLs only: a relative link keeps its text
      { type: 'text', text: { content: ' rel' } },
    ])
    expect(roundTrip(md)).toBe('**bold _both_** [link `code`](https://x.io) ~~gone~~ rel\n')
    // whitespace at a mark's edge (as Notion users type it) moves outside the mark
    const fromNotion = [
      { type: 'text', text: { content: 'bold ' }, annotations: { bold: true } },
      { type: 'text', text: { content: 'plain' } },
    ]
    expect(blocksToMarkdown([{ type: 'paragraph', paragraph: { rich_text: fromNotion } }])).toBe('**bold** plain\n')
  })
})

describe('Notion limits', () => {
  it('splits a 5,000-character paragraph into rich-text items of at most 2,000 characters, and joins them back', () => {
    const text = 'abcdefghij'.repeat(500)
    const [p] = markdownToBlocks(text)
    const items = dataOf(p!).rich_text as Array<{ text: { content: string } }>
    expect(items.map((i) => i.text.content.length)).toEqual([2000, 2000, 1000])
    expect(roundTrip(text)).toBe(`${text}\n`)
    // never inside a surrogate pair
    const emoji = `${'a'.repeat(1999)}🙂${'b'.repeat(10)}`
    const split = dataOf(markdownToBlocks(emoji)[0]!).rich_text as Array<{ text: { content: string } }>
    expect(split.map((i) => i.text.content.length)).toEqual([1999, 12])
    expect(fromRichText(split as never)).toEqual([{ type: 'text', value: emoji }])
  })

  it('appends a 250-block page in three requests (100, 100, 50), each valid for Notion, in order', async () => {
    const md = Array.from({ length: 250 }, (_, i) => `para ${i}`).join('\n\n')
    const blocks = markdownToBlocks(md)
    const w = fakeWriter()
    await appendTree(w, 'page', blocks)
    expect(w.requests.map((r) => r.children.length)).toEqual([100, 100, 50])
    expect(w.requests.map((r) => r.after)).toEqual([undefined, 'b100', 'b200'])
    expect(appendRequests(blocks)).toBe(3)
    expect(blocksToMarkdown(w.tree('page'))).toBe(`${md}\n`)
  })

  it('appends lists nested deeper than two levels, and 150 children of one item, in later requests to the right parents', async () => {
    const deep = '- l1\n  - l2\n    - l3\n      - l4\n        - l5\n'
    const wide = `- parent\n${Array.from({ length: 150 }, (_, i) => `  - child ${i}`).join('\n')}\n`
    const table = '> quote\n>\n> - item\n>\n>   | a |\n>   | - |\n>   | 1 |\n'
    for (const md of [deep, wide, table]) {
      const w = fakeWriter()
      await appendTree(w, 'page', markdownToBlocks(md))
      expect(blocksToMarkdown(w.tree('page'))).toBe(roundTrip(md))
      expect(w.requests.length).toBeGreaterThan(1)
    }
  })
})

/** A BlockWriter that checks every request as the Notion emulator does and keeps the tree. */
function fakeWriter() {
  const children = new Map<string, string[]>()
  const blocks = new Map<string, NotionBlock>()
  const requests: Array<{ parent: string; children: NotionBlock[]; after: string | undefined }> = []
  let n = 0
  const insert = (parent: string, list: NotionBlock[], at?: number): string[] => {
    const ids = list.map((b) => {
      const id = `b${++n}`
      const data = { ...dataOf(b) }
      delete data.children
      blocks.set(id, { type: b.type, [b.type]: data })
      insert(id, childrenOf(b))
      return id
    })
    const kids = children.get(parent) ?? []
    kids.splice(at ?? kids.length, 0, ...ids)
    children.set(parent, kids)
    return ids
  }
  const w: BlockWriter & { requests: typeof requests; tree(id: string): NotionBlock[] } = {
    requests,
    async append(parent, list, after) {
      planChildren(list) // throws as Notion would on a request beyond the limits
      requests.push({ parent, children: list, after })
      const kids = children.get(parent) ?? []
      return insert(parent, list, after ? kids.indexOf(after) + 1 : undefined)
    },
    async childIds(id) {
      return children.get(id) ?? []
    },
    tree(id) {
      return (children.get(id) ?? []).map((k) => {
        const b = blocks.get(k)!
        const kids = w.tree(k)
        return kids.length ? { type: b.type, [b.type]: { ...dataOf(b), children: kids } } : b
      })
    },
  }
  return w
}
