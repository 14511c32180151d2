/**
 * Builders of Notion page property values, in the request shapes Notion documents. Text is
 * split into rich-text items of at most 2,000 characters (Notion's per-item limit), never
 * inside a surrogate pair, and at most 100 items (Notion's array limit).
 *
 * @example
 * ```ts
 * properties: { Name: props.title('Acme'), Stage: props.select('hot'), Score: props.number(87), Notes: props.richText(longText) }
 * ```
 * @module
 */
export const RICH_TEXT_MAX = 2000
export const ARRAY_MAX = 100

export interface RichTextItem {
  type: 'text'
  text: { content: string; link?: { url: string } | null }
}

/** Split text into rich-text items of ≤ 2,000 characters each (≤ 100 items; longer text is refused). */
export function richTextItems(text: string, link?: string): RichTextItem[] {
  const items: RichTextItem[] = []
  let i = 0
  while (i < text.length) {
    let end = Math.min(text.length, i + RICH_TEXT_MAX)
    const code = text.charCodeAt(end - 1)
    if (end < text.length && code >= 0xd800 && code <= 0xdbff) end--
    items.push({ type: 'text', text: { content: text.slice(i, end), ...(link ? { link: { url: link } } : {}) } })
    i = end
  }
  if (items.length > ARRAY_MAX)
    throw new RangeError(
      `text of ${text.length} characters needs ${items.length} rich-text items; Notion accepts at most ${ARRAY_MAX} (${ARRAY_MAX * RICH_TEXT_MAX} characters)`,
    )
  return items
}

const names = (values: readonly string[]) => {
  if (values.length > ARRAY_MAX) throw new RangeError(`Notion accepts at most ${ARRAY_MAX} options, got ${values.length}`)
  return values.map((name) => ({ name }))
}
const iso = (d: string | Date) => (d instanceof Date ? d.toISOString() : d)

export const props = {
  title: (text: string) => ({ title: richTextItems(text) }),
  richText: (text: string, options: { link?: string } = {}) => ({ rich_text: richTextItems(text, options.link) }),
  number: (n: number | null) => ({ number: n }),
  select: (name: string | null) => ({ select: name === null ? null : { name } }),
  multiSelect: (values: readonly string[]) => ({ multi_select: names(values) }),
  status: (name: string) => ({ status: { name } }),
  date: (start: string | Date, end?: string | Date | null) => ({ date: { start: iso(start), ...(end ? { end: iso(end) } : {}) } }),
  url: (url: string | null) => ({ url }),
  email: (email: string | null) => ({ email }),
  phoneNumber: (phone: string | null) => ({ phone_number: phone }),
  checkbox: (checked: boolean) => ({ checkbox: checked }),
  relation: (pageIds: readonly string[]) => {
    if (pageIds.length > ARRAY_MAX) throw new RangeError(`Notion accepts at most ${ARRAY_MAX} relations per request, got ${pageIds.length}`)
    return { relation: pageIds.map((id) => ({ id })) }
  },
}

export type NotionPropertyValue = ReturnType<(typeof props)[keyof typeof props]>
