/**
 * Phone normalisation to E.164 (`+14155550123`) with libphonenumber-js, or `null` when the
 * number is not a valid number for its country.
 *
 * @example
 * ```ts
 * normalize.phone('(415) 555-0123', { defaultCountry: 'US' }) // '+14155550123'
 * normalize.phone('+44 20 7946 0958')                         // '+442079460958'
 * normalize.phone('0044 20 7946 0958', { defaultCountry: 'US' }) // '+442079460958' (00 = international prefix)
 * normalize.phone('555-0123')                                 // null (no country to read it in)
 * ```
 * @module
 */
import { createRequire } from 'node:module'
import { cleanString } from './text.js'

type Libphonenumber = typeof import('libphonenumber-js')
let lib: Libphonenumber | null = null
/**
 * libphonenumber-js (its metadata is ~100 modules) loads on the first phone number, not with
 * every pipeline set: through its CommonJS build, because `phone` is synchronous.
 */
function libphonenumber(): Libphonenumber {
  lib ??= createRequire(import.meta.url)('libphonenumber-js') as Libphonenumber
  return lib
}

export interface PhoneOptions {
  /**
   * ISO 3166-1 alpha-2 country (`'US'`, `'DE'`) used to read numbers written without a
   * `+country` prefix. Unknown codes are ignored. @defaultValue none (only `+…` numbers parse)
   */
  defaultCountry?: string
}

/** The E.164 form of `input`, or null when it is not a valid phone number. Extensions are dropped. */
export function phone(input: unknown, options: PhoneOptions | string = {}): string | null {
  const opts = typeof options === 'string' ? { defaultCountry: options } : options
  const text = typeof input === 'number' && Number.isSafeInteger(input) && input > 0 ? String(input) : input
  const cleaned = cleanString(text, 250)
  if (cleaned === null) return null
  const { isSupportedCountry, parsePhoneNumberFromString } = libphonenumber()
  // A `tel:` URI carries the number; text around a number ("call +1 …") is not accepted.
  const s = cleaned.replace(/^tel:/i, '')
  const country = typeof opts.defaultCountry === 'string' ? opts.defaultCountry.trim().toUpperCase() : undefined
  // `00` is the international prefix in most of the world: `0044 20 …` is +44 wherever it was
  // written, even when the default country dials abroad differently (the US uses 011).
  const international = /^00[1-9]/.test(s) ? parsePhoneNumberFromString(`+${s.slice(2)}`, { extract: false }) : undefined
  if (international?.isValid()) return international.number
  const parsed = parsePhoneNumberFromString(s, {
    defaultCountry: country !== undefined && isSupportedCountry(country) ? country : undefined,
    extract: false,
  })
  if (parsed === undefined || !parsed.isValid()) return null
  return parsed.number
}
