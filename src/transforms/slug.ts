/**
 * URL- and id-safe slugs: `"Ünïcode & Co. — 2024!"` → `"unicode-co-2024"`.
 * @module
 */
import { cleanString, foldDiacritics } from './text.js'

export interface SlugOptions {
  /** Longest slug; cut at a dash boundary when possible. @defaultValue 80 */
  maxLength?: number
  /** Separator between words. @defaultValue '-' */
  separator?: '-' | '_'
}

/** Lower-case ASCII letters and digits joined by `-`, or null when nothing usable is left. */
export function slug(input: unknown, options: SlugOptions = {}): string | null {
  const text = typeof input === 'number' && Number.isFinite(input) ? String(input) : input
  const s = cleanString(text)
  if (s === null) return null
  const sep = options.separator ?? '-'
  const max = Math.max(1, Math.floor(options.maxLength ?? 80))
  const words = foldDiacritics(s)
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
  let out = ''
  for (const w of words) {
    const next = out === '' ? w : `${out}${sep}${w}`
    if (next.length > max) {
      if (out === '') out = w.slice(0, max)
      break
    }
    out = next
  }
  return out === '' ? null : out
}
