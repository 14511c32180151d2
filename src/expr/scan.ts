/**
 * Splitting a template string into literal text and `{{ expression }}` parts.
 *
 * The scanner understands enough JSONata to find the closing `}}`: string literals
 * (`'…'`, `"…"` with backslash escapes), backtick names, `/* comments *\/` and nested
 * braces, so `{{ {"a": {"b": 1}} }}` and `{{ '}}' }}` work. A literal `{{` in text is
 * written as an expression: `{{ '{{' }}`.
 * @module
 */

export type TemplatePart = { kind: 'text'; text: string } | { kind: 'expr'; source: string; offset: number }

/** Thrown for a `{{` without its `}}` or an empty `{{ }}`; `offset` is where the template starts. */
export class TemplateSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message)
    this.name = 'TemplateSyntaxError'
  }
}

/** Index just after the `}}` closing the expression that starts at `from`, or -1. */
function findClose(s: string, from: number): number {
  let depth = 0
  let i = from
  while (i < s.length) {
    const c = s[i]
    if (c === '"' || c === "'" || c === '`') {
      i = skipQuoted(s, i, c)
      continue
    }
    if (c === '/' && s[i + 1] === '*') {
      const end = s.indexOf('*/', i + 2)
      if (end === -1) return -1
      i = end + 2
      continue
    }
    if (c === '{') depth += 1
    else if (c === '}') {
      if (depth === 0 && s[i + 1] === '}') return i + 2
      if (depth > 0) depth -= 1
    }
    i += 1
  }
  return -1
}

/** Index after the closing quote of the literal opening at `start` (end of string when unterminated). */
function skipQuoted(s: string, start: number, quote: string): number {
  let i = start + 1
  while (i < s.length) {
    if (s[i] === '\\' && quote !== '`') i += 2
    else if (s[i] === quote) return i + 1
    else i += 1
  }
  return s.length
}

/** The parts of a template string; a string without `{{` is one text part. */
export function splitTemplate(s: string): TemplatePart[] {
  const parts: TemplatePart[] = []
  let pos = 0
  while (pos < s.length) {
    const open = s.indexOf('{{', pos)
    if (open === -1) break
    if (open > pos) parts.push({ kind: 'text', text: s.slice(pos, open) })
    const close = findClose(s, open + 2)
    if (close === -1) throw new TemplateSyntaxError(`unterminated "{{" at character ${open + 1}: add the closing "}}"`, open)
    const inner = s.slice(open + 2, close - 2)
    const source = inner.trim()
    if (source === '') throw new TemplateSyntaxError(`empty expression "{{ }}" at character ${open + 1}`, open)
    parts.push({ kind: 'expr', source, offset: open + 2 + inner.indexOf(source) })
    pos = close
  }
  if (pos < s.length) parts.push({ kind: 'text', text: s.slice(pos) })
  return parts
}

/** Whether a string contains at least one `{{`. */
export function hasTemplateMarker(s: string): boolean {
  return s.includes('{{')
}
