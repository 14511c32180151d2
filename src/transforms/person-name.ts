/**
 * Person names: trimmed, spaces collapsed, title-cased where the input was all one case
 * (mixed-case words such as `DeShawn` or `McKenzie` are trusted as written), particles
 * (`van`, `de`, `von` …) kept lower-case inside a name, `Mc`/`O'` handled, honorifics
 * dropped, and split into first and last name.
 *
 * @example
 * ```ts
 * personName('  LUDWIG VAN  BEETHOVEN ') // { full: 'Ludwig van Beethoven', first: 'Ludwig', last: 'van Beethoven' }
 * personName("o'brien, sean")            // { full: "Sean O'Brien", first: 'Sean', last: "O'Brien" }
 * personName({ first: 'ada', last: 'LOVELACE' }) // { full: 'Ada Lovelace', first: 'Ada', last: 'Lovelace' }
 * ```
 * @module
 */
import { cleanString } from './text.js'

export interface PersonName {
  full: string
  first: string
  /** Family name with its particles (`van Beethoven`); null for a single-word name. */
  last: string | null
}

const PARTICLES = new Set([
  'da',
  'das',
  'de',
  'del',
  'della',
  'den',
  'der',
  'di',
  'do',
  'dos',
  'du',
  'la',
  'le',
  'st',
  'te',
  'ten',
  'ter',
  'van',
  'von',
  'y',
  'zu',
])
const HONORIFICS = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'sir', 'madam'])
const SUFFIXES = new Set(['jr', 'sr', 'ii', 'iii', 'iv', 'phd', 'md'])
const MAX_NAME_CHARS = 200

/** Upper-case the first character only when that keeps it one character (`ß` stays `ß`). */
function upperFirst(s: string): string {
  const [head = '', ...rest] = Array.from(s)
  const up = head.toUpperCase()
  return (Array.from(up).length === 1 ? up : head) + rest.join('')
}

function capitalizePart(part: string): string {
  const lower = part.toLowerCase()
  if (/^mc./u.test(lower)) return `Mc${upperFirst(lower.slice(2))}`
  return upperFirst(lower)
}

/** Title-case one word unless it is already mixed-case; `o'brien` → `O'Brien`, `jean-luc` → `Jean-Luc`. */
function caseWord(word: string, position: 'first' | 'inner' | 'last'): string {
  const bare = word.replace(/\./g, '').toLowerCase()
  if (word !== word.toLowerCase() && word !== word.toUpperCase()) return word
  if (SUFFIXES.has(bare) && position === 'last')
    return bare.length <= 3 && /^[iv]+$/.test(bare) ? bare.toUpperCase() : upperFirst(word.toLowerCase())
  if (PARTICLES.has(bare) && position === 'inner') return word.toLowerCase()
  return word
    .split('-')
    .map((h) => h.split("'").map(capitalizePart).join("'"))
    .join('-')
}

/** Words of a name: letters, marks, apostrophes, hyphens and dots only. */
function words(input: unknown): string[] {
  const s = cleanString(input, MAX_NAME_CHARS)
  if (s === null) return []
  return s
    .replace(/[\u2018\u2019\u02bc`´]/g, "'")
    .replace(/[^\p{L}\p{M}' .,-]/gu, ' ')
    .split(/[\s,]+/)
    .map((w) => w.replace(/^[-'.]+|[-']+$/g, ''))
    .filter((w) => /\p{L}/u.test(w))
}

function caseAll(ws: string[]): string[] {
  return ws.map((w, i) => caseWord(w, i === 0 ? 'first' : i === ws.length - 1 ? 'last' : 'inner'))
}

/** Index where the family name starts: the last word, plus particles and a suffix around it. */
function lastNameStart(ws: string[]): number {
  let i = ws.length - 1
  if (i > 1 && SUFFIXES.has(ws[i].replace(/\./g, '').toLowerCase())) i -= 1
  while (i > 1 && PARTICLES.has(ws[i - 1].toLowerCase())) i -= 1
  return i
}

function fromParts(first: string[], last: string[]): PersonName | null {
  if (first.length === 0 && last.length === 0) return null
  const f = first.length > 0 ? first : last
  const l = first.length > 0 && last.length > 0 ? last : []
  // Case the whole name at once, so a word's case depends on its place in the full name
  // only: re-reading `full` later gives the same words.
  const cased = caseAll([...f, ...l]).map((w) => w.normalize('NFC'))
  const firstText = cased.slice(0, f.length).join(' ')
  const lastText = l.length > 0 ? cased.slice(f.length).join(' ') : null
  const full = lastText === null ? firstText : `${firstText} ${lastText}`
  return { full, first: firstText, last: lastText }
}

function isNameObject(v: unknown): v is { first?: unknown; last?: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && ('first' in v || 'last' in v)
}

/**
 * A normalised name from a full-name string (`"Jane Doe"`, `"Doe, Jane"`) or from an object
 * with `first` and `last`; null when no letters are left.
 */
export function personName(input: unknown): PersonName | null {
  if (isNameObject(input)) return fromParts(words(input.first), words(input.last))
  const s = cleanString(input, MAX_NAME_CHARS)
  if (s === null) return null
  const comma = s.indexOf(',')
  if (comma !== -1) {
    const before = words(s.slice(0, comma))
    const after = words(s.slice(comma + 1))
    // "Doe, Jane" — but not "Jane Doe, Jr." (a suffix after the comma).
    const suffixOnly = after.length > 0 && after.every((w) => SUFFIXES.has(w.replace(/\./g, '').toLowerCase()))
    const given = dropHonorifics(after, false)
    if (before.length > 0 && given.length > 0 && !suffixOnly) return fromParts(given, before)
  }
  const ws = dropHonorifics(words(s))
  if (ws.length === 0) return null
  if (ws.length === 1) return fromParts(ws, [])
  const at = lastNameStart(ws)
  return fromParts(ws.slice(0, at), ws.slice(at))
}

/** Drop leading honorifics; `keepLast` keeps a lone `Dr` rather than leaving nothing. */
function dropHonorifics(ws: string[], keepLast = true): string[] {
  let i = 0
  while (i < ws.length - (keepLast ? 1 : 0) && HONORIFICS.has(ws[i].replace(/\./g, '').toLowerCase())) i += 1
  return ws.slice(i)
}
