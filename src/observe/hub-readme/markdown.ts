/**
 * Markdown pieces for the generated hub README: tables whose cells cannot break the table,
 * GitHub-style heading anchors, and Mermaid labels that cannot break the diagram.
 * @module
 */

/** One table cell: pipes escaped, line breaks flattened, empty as an en dash. */
export function cell(v: unknown): string {
  if (v === null || v === undefined || v === '') return '–'
  return String(v).replace(/\r?\n/g, ' ').replace(/\|/g, '\\|').trim()
}

/** Inline code that survives backticks inside. */
export function code(v: string): string {
  return v.includes('`') ? `\`\` ${v} \`\`` : `\`${v}\``
}

export function table(head: string[], rows: unknown[][]): string {
  const line = (r: unknown[]) => `| ${r.map(cell).join(' | ')} |`
  return [line(head), `| ${head.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n')
}

/** The anchor GitHub gives a heading: lower case, spaces to dashes, punctuation dropped. */
export function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .trim()
    .replace(/\s/g, '-')
}

/** A Mermaid node id from anything: letters, digits and underscores only. */
export function nodeId(prefix: string, name: string): string {
  return `${prefix}_${name.replace(/[^A-Za-z0-9_]/g, '_')}`
}

/** A quoted Mermaid label: quotes and angle brackets as entities. */
export function label(text: string): string {
  return `"${text.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;')}"`
}

/** Epoch ms as `2026-12-07 22:15 UTC` (minutes: the README changes only when state does). */
export function utcMinute(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–'
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

export const byKey =
  <T>(key: (t: T) => string) =>
  (a: T, b: T): number => {
    const x = key(a)
    const y = key(b)
    return x < y ? -1 : x > y ? 1 : 0
  }
