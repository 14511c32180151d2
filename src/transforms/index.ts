/**
 * `pipewright/transforms` — pure normalisers for revenue and marketing data. Every function
 * accepts `unknown`, never throws on bad input, and returns `null` for values it cannot use.
 * Normalising twice gives the same result as normalising once.
 *
 * @example
 * ```ts
 * import { normalize, score } from 'pipewright/transforms'
 * const lead = {
 *   domain: normalize.domain(row.website ?? row.email), // 'acme.co.uk'
 *   email: normalize.email(row.email),                  // 'jane@acme.co.uk' | null
 *   phone: normalize.phone(row.phone, { defaultCountry: 'GB' }),
 *   name: normalize.personName(row.name),               // { full, first, last } | null
 *   company: normalize.companyName(row.company),        // 'acme'
 *   score: score(row.intent, row.fit),                  // 0–100 | null
 * }
 * ```
 * @module
 */
import { companyDisplayName, companyName } from './company-name.js'
import { domain } from './domain.js'
import { email, emailInfo } from './email.js'
import { personName } from './person-name.js'
import { phone } from './phone.js'

export type { DomainOptions } from './domain.js'
export type { EmailInfo, EmailOptions } from './email.js'
export type { PersonName } from './person-name.js'
export type { PhoneOptions } from './phone.js'
export { FIT_WEIGHT, INTENT_WEIGHT, score } from './score.js'
export type { SlugOptions } from './slug.js'
export { slug } from './slug.js'

/** The normalisers, grouped: `normalize.domain(…)`, `normalize.email(…)` … */
export const normalize = Object.freeze({
  domain,
  email,
  emailInfo,
  phone,
  personName,
  companyName,
  companyDisplayName,
})
