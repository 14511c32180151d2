/**
 * Markdown inline content (mdast phrasing) ↔ Notion rich text.
 *
 * Notion's rich text is flat: a list of text runs, each with annotations (bold, italic,
 * strikethrough, code) and an optional link. Markdown nests marks. Going to Notion flattens the
 * tree (a run per text leaf, carrying every mark above it) and splits runs at 2,000 characters
 * (Notion's limit per item, never inside a surrogate pair). Coming back, runs are regrouped:
 * consecutive runs sharing a link, then bold, italic, strikethrough become one node each, so
 * `**a *b* c**` comes back as it went.
 *
 * Lossy by design (documented in docs/knowledge-sync.md): link titles, images (kept as a link
 * to the image with its alt text), inline HTML (kept as plain text), hard breaks (a newline),
 * relative links (Notion accepts absolute URLs only: the text is kept, the link dropped).
 * @module
 */
import type { PhrasingContent } from 'mdast'
import { RICH_TEXT_MAX } from '../props.js'

export interface Marks {
  bold?: boolean
  italic?: boolean
  strikethrough?: boolean
  code?: boolean
}

/** One rich-text item as requests carry it (annotations only when set). */
export interface RichText {
  type: 'text'
  text: { content: string; link?: { url: string } | null }
  annotations?: Marks & { underline?: boolean; color?: string }
  plain_text?: string
  href?: string | null
}

/** Notion accepts links with a scheme only (`https:`, `mailto:` …). */
export const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:\S+$/i

interface Run {
  text: string
  marks: Marks
  link: string | null
}

function flatten(nodes: readonly PhrasingContent[], marks: Marks, link: string | null, out: Run[]): void {
  for (const n of nodes) {
    switch (n.type) {
      case 'text':
        out.push({ text: n.value, marks, link })
        break
      case 'inlineCode':
        out.push({ text: n.value, marks: { ...marks, code: true }, link })
        break
      case 'strong':
        flatten(n.children, { ...marks, bold: true }, link, out)
        break
      case 'emphasis':
        flatten(n.children, { ...marks, italic: true }, link, out)
        break
      case 'delete':
        flatten(n.children, { ...marks, strikethrough: true }, link, out)
        break
      case 'link':
        flatten(n.children, marks, ABSOLUTE_URL.test(n.url) ? n.url : link, out)
        break
      case 'break':
        out.push({ text: '\n', marks, link })
        break
      case 'image':
        out.push({ text: n.alt || n.url, marks, link: ABSOLUTE_URL.test(n.url) ? n.url : link })
        break
      case 'html':
        out.push({ text: n.value, marks, link })
        break
      default:
        if ('children' in n) flatten(n.children as PhrasingContent[], marks, link, out)
        else if ('value' in n && typeof n.value === 'string') out.push({ text: n.value, marks, link })
    }
  }
}

const sameMarks = (x: Marks, y: Marks) =>
  Boolean(x.bold) === Boolean(y.bold) &&
  Boolean(x.italic) === Boolean(y.italic) &&
  Boolean(x.strikethrough) === Boolean(y.strikethrough) &&
  Boolean(x.code) === Boolean(y.code)

/** Split text into pieces of at most `max` UTF-16 units, never inside a surrogate pair. */
export function splitText(text: string, max = RICH_TEXT_MAX): string[] {
  const out: string[] = []
  let i = 0
  while (i < text.length) {
    let end = Math.min(text.length, i + max)
    const code = text.charCodeAt(end - 1)
    if (end < text.length && code >= 0xd800 && code <= 0xdbff) end--
    out.push(text.slice(i, end))
    i = end
  }
  return out
}

function item(text: string, marks: Marks, link: string | null): RichText {
  const annotations: Marks = {}
  for (const k of ['bold', 'italic', 'strikethrough', 'code'] as const) if (marks[k]) annotations[k] = true
  return {
    type: 'text',
    text: { content: text, ...(link ? { link: { url: link } } : {}) },
    ...(Object.keys(annotations).length ? { annotations } : {}),
  }
}

/** Markdown phrasing → Notion rich text: runs merged where marks agree, split at 2,000 characters. */
export function toRichText(nodes: readonly PhrasingContent[]): RichText[] {
  const runs: Run[] = []
  flatten(nodes, {}, null, runs)
  const merged: Run[] = []
  for (const r of runs) {
    if (r.text === '') continue
    const last = merged[merged.length - 1]
    if (last && last.link === r.link && sameMarks(last.marks, r.marks)) last.text += r.text
    else merged.push({ ...r })
  }
  return merged.flatMap((r) => splitText(r.text).map((t) => item(t, r.marks, r.link)))
}

/** Plain text → rich text (code blocks): split at 2,000 characters, no marks. */
export function plainRichText(text: string): RichText[] {
  return splitText(text).map((t) => item(t, {}, null))
}

/** The plain text of rich text (code blocks, conflict checks). */
export function richTextPlain(items: readonly RichText[] | undefined): string {
  return (items ?? []).map((i) => i.plain_text ?? i.text?.content ?? '').join('')
}

const ORDER = ['bold', 'italic', 'strikethrough'] as const

function runOf(i: RichText): Run {
  const a = i.annotations ?? {}
  return {
    text: i.plain_text ?? i.text?.content ?? '',
    marks: { bold: a.bold === true, italic: a.italic === true, strikethrough: a.strikethrough === true, code: a.code === true },
    link: i.href ?? i.text?.link?.url ?? null,
  }
}

const span = (runs: Run[], i: number, test: (r: Run) => boolean) => {
  let j = i
  while (j < runs.length && test(runs[j]!)) j++
  return j
}

/**
 * Whitespace at the edges of a span marked `mark` moves outside the mark (`**a **` is not bold
 * in markdown): splits the edge run in place; true when it changed something.
 */
function edgeSpace(runs: Run[], i: number, end: number, mark: (typeof ORDER)[number]): boolean {
  const unmark = (r: Run, text: string): Run => ({ ...r, text, marks: { ...r.marks, [mark]: false } })
  const first = runs[i]!
  const lead = /^\s+/.exec(first.text)?.[0]
  if (lead) {
    runs.splice(i, 1, unmark(first, lead), ...(lead === first.text ? [] : [{ ...first, text: first.text.slice(lead.length) }]))
    return true
  }
  const last = runs[end - 1]!
  const trail = /\s+$/.exec(last.text)?.[0]
  if (trail) {
    runs.splice(end - 1, 1, ...(trail === last.text ? [] : [{ ...last, text: last.text.slice(0, -trail.length) }]), unmark(last, trail))
    return true
  }
  return false
}

/** Regroup runs into nested nodes: at each run, the longest-spanning link or mark becomes the outer node. */
function group(runs: Run[], done: ReadonlySet<string>): PhrasingContent[] {
  const out: PhrasingContent[] = []
  let i = 0
  while (i < runs.length) {
    const r = runs[i]!
    let best: { kind: string; end: number } | null = null
    if (r.link !== null && !done.has('link')) best = { kind: 'link', end: span(runs, i, (x) => x.link === r.link) }
    for (const m of ORDER) {
      if (!r.marks[m] || done.has(m)) continue
      const end = span(runs, i, (x) => x.marks[m] === true)
      if (!best || end > best.end) best = { kind: m, end }
    }
    if (best && best.kind !== 'link' && edgeSpace(runs, i, best.end, best.kind as (typeof ORDER)[number])) continue
    if (best) {
      const children = group(runs.slice(i, best.end), new Set([...done, best.kind]))
      out.push(
        best.kind === 'link'
          ? { type: 'link', url: r.link!, children }
          : best.kind === 'bold'
            ? { type: 'strong', children }
            : best.kind === 'italic'
              ? { type: 'emphasis', children }
              : { type: 'delete', children },
      )
      i = best.end
      continue
    }
    if (r.marks.code) out.push({ type: 'inlineCode', value: r.text })
    else {
      const last = out[out.length - 1]
      if (last?.type === 'text') last.value += r.text
      else out.push({ type: 'text', value: r.text })
    }
    i++
  }
  return out
}

/** Notion rich text → markdown phrasing, marks regrouped (see the module comment). */
export function fromRichText(items: readonly RichText[] | undefined): PhrasingContent[] {
  const runs = (items ?? []).map(runOf).filter((r) => r.text !== '')
  return group(runs, new Set())
}
