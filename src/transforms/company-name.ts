/**
 * Company names: a matching key (`"The ACME Company, Inc."` → `"acme"`) — lower-case,
 * diacritics folded, punctuation dropped, `&` read as `and`, a leading `the` and trailing
 * legal forms (Inc., LLC, Ltd, GmbH, S.A., B.V., Co., Corp …) removed — and a display form
 * (`"ACME"`) that keeps the author's casing but drops the legal form.
 *
 * @example
 * ```ts
 * companyName('ACME, Inc.')              // 'acme'
 * companyName('Müller & Söhne GmbH & Co. KG') // 'muller and sohne'
 * companyDisplayName('acme widgets llc') // 'Acme Widgets'
 * ```
 * @module
 */
import { cleanString, foldDiacritics } from './text.js'

/** Legal forms, written without dots or spaces (`S.A.` → `sa`, `L.L.C.` → `llc`). */
const LEGAL_FORMS = new Set([
  'ab',
  'ag',
  'aps',
  'as',
  'asa',
  'bv',
  'bvba',
  'co',
  'company',
  'corp',
  'corporation',
  'gbr',
  'gmbh',
  'inc',
  'incorporated',
  'kft',
  'kg',
  'kk',
  'limited',
  'llc',
  'llp',
  'lp',
  'ltd',
  'ltda',
  'nv',
  'oy',
  'oyj',
  'plc',
  'pllc',
  'pte',
  'pty',
  'sa',
  'sarl',
  'sas',
  'sl',
  'spa',
  'sro',
  'srl',
  'ug',
])

const MAX_COMPANY_CHARS = 300

/** Drop dots inside abbreviations so `S.A.` and `L.L.C.` become single words. */
function joinAbbreviations(s: string): string {
  return s.replace(/\b(?:\p{L}\.){2,}/gu, (m) => m.replace(/\./g, ''))
}

/** Remove a leading `the` and trailing legal forms (and a dangling `and` before `co`), never every word. */
function stripForms(words: string[], key: (w: string) => string): string[] {
  let start = 0
  while (words.length - start > 1 && key(words[start]) === 'the') start += 1
  let end = words.length
  for (;;) {
    if (end - start <= 1) break
    const k = key(words[end - 1])
    if (LEGAL_FORMS.has(k)) end -= 1
    else if ((k === 'and' || k === '&') && end < words.length) end -= 1
    else break
  }
  return words.slice(start, end)
}

function keyOf(word: string): string {
  return foldDiacritics(word)
    .toLowerCase()
    .replace(/[^\p{L}\p{N}&]+/gu, '')
}

/** The matching key of a company name, or null when nothing is left (non-strings, punctuation). */
export function companyName(input: unknown): string | null {
  const s = cleanString(input, MAX_COMPANY_CHARS)
  if (s === null) return null
  const words = foldDiacritics(joinAbbreviations(s).toLowerCase())
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/&/g, ' and ')
    .replace(/['’]/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
  const kept = stripForms(words, (w) => w)
  return kept.length === 0 ? null : kept.join(' ')
}

/** The name as people write it, without the legal form: `"ACME, Inc."` → `"ACME"`. */
export function companyDisplayName(input: unknown): string | null {
  const s = cleanString(input, MAX_COMPANY_CHARS)
  if (s === null) return null
  const words = joinAbbreviations(s)
    .split(' ')
    .filter((w) => keyOf(w) !== '')
  const kept = stripForms(words, keyOf)
  let text = kept.join(' ').replace(/^[\s,;:.\-–—]+|[\s,;:\-–—]+$/gu, '')
  if (text === '') return null
  // All lower-case input reads better title-cased; any capital letter means the author chose a casing.
  if (text === text.toLowerCase()) {
    text = text.replace(/(^|[\s-])(\p{L})/gu, (_m, sep: string, ch: string) => {
      const up = ch.toUpperCase()
      return sep + (Array.from(up).length === 1 ? up : ch)
    })
  }
  return text.normalize('NFC')
}
