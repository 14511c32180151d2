/**
 * Small text helpers shared by the normalizers: input coercion, Unicode clean-up and
 * diacritic folding. Internal to `pipewright/transforms`.
 * @module
 */

/** Longest input any normalizer looks at; longer strings are garbage, not data. */
export const MAX_INPUT_CHARS = 2048

// C0/C1 control characters, zero-width characters, bidi controls and the BOM.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g

/** A trimmed, NFC-normalised string without invisible characters, or null when unusable. */
export function cleanString(input: unknown, maxChars = MAX_INPUT_CHARS): string | null {
  if (typeof input !== 'string') return null
  if (input.length > maxChars * 2) return null
  const s = input.normalize('NFC').replace(INVISIBLE, ' ').replace(/\s+/gu, ' ').trim()
  if (s === '' || s.length > maxChars) return null
  return s
}

/** Lower-case ASCII-ish key: compatibility-decomposed, combining marks removed. */
export function foldDiacritics(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .normalize('NFC')
}
