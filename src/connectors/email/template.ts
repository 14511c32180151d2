/**
 * `{{ var }}` substitution for e-mail templates kept on the connection: dotted paths into
 * `data`; values are HTML-escaped in the HTML part; a missing value is an error naming it
 * (a half-filled e-mail is worse than none).
 * @module
 */
export class TemplateError extends Error {}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w-]*(?:\.[A-Za-z_0-9][\w-]*)*)\s*\}\}/g

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

function lookup(data: Record<string, unknown>, path: string): unknown {
  let v: unknown = data
  for (const key of path.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined
  return v
}

export function render(template: string, data: Record<string, unknown>, html = false): string {
  return template.replace(PLACEHOLDER, (_m, path: string) => {
    const v = lookup(data, path)
    if (v === undefined || v === null) throw new TemplateError(`template placeholder {{ ${path} }} has no value in data`)
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v)
    return html ? escapeHtml(s) : s
  })
}
