/**
 * E-mail normalisation: a pragmatic RFC 5322 subset (dot-atom local part, a real host on a
 * public suffix), trimmed and lower-cased, with role-account and disposable-domain flags.
 *
 * Quoted local parts (`"john doe"@x.com`), IP-literal domains and comments are rejected on
 * purpose: nobody sends marketing e-mail to them and CRMs choke on them.
 *
 * @example
 * ```ts
 * normalize.email('  Jane.Doe@ACME.com ')            // 'jane.doe@acme.com'
 * normalize.emailInfo('info@mailinator.com')          // { email: 'info@mailinator.com', valid: true, role: true, disposable: true, domain: 'mailinator.com' }
 * normalize.email('J.Doe+news@gmail.com', { gmailFolding: true }) // 'jdoe@gmail.com'
 * ```
 * @module
 */
import { parseHost } from './domain.js'
import { cleanString } from './text.js'

export interface EmailOptions {
  /**
   * Fold Gmail addresses: drop dots and `+tags` from the local part and map
   * `googlemail.com` to `gmail.com`. Makes duplicates match, but changes what you store.
   * @defaultValue false
   */
  gmailFolding?: boolean
}

export interface EmailInfo {
  /** The normalised address, or null when invalid. */
  email: string | null
  valid: boolean
  /** A shared mailbox (`info@`, `sales@`, `noreply@` …) rather than a person. */
  role: boolean
  /** The domain is on the built-in list of throw-away mail services. */
  disposable: boolean
  /** The host part (kept with its subdomain, e.g. `mail.acme.co.uk`), or null when invalid. */
  domain: string | null
}

const ATOM = "[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
const LOCAL = new RegExp(`^${ATOM}(?:\\.${ATOM})*$`)

const ROLE_LOCAL_PARTS = new Set([
  'abuse',
  'accounts',
  'admin',
  'administrator',
  'billing',
  'careers',
  'contact',
  'do-not-reply',
  'donotreply',
  'enquiries',
  'feedback',
  'hello',
  'help',
  'hostmaster',
  'hr',
  'info',
  'inquiries',
  'jobs',
  'mail',
  'mailer-daemon',
  'marketing',
  'media',
  'newsletter',
  'no-reply',
  'noreply',
  'office',
  'postmaster',
  'press',
  'privacy',
  'root',
  'sales',
  'security',
  'service',
  'support',
  'team',
  'webmaster',
])

/** A deliberately small list of well-known throw-away mail services. */
const DISPOSABLE_DOMAINS = new Set([
  '10minutemail.com',
  'burnermail.io',
  'discard.email',
  'dispostable.com',
  'emailondeck.com',
  'fakeinbox.com',
  'getnada.com',
  'guerrillamail.com',
  'guerrillamail.net',
  'mailinator.com',
  'maildrop.cc',
  'mailnesia.com',
  'mintemail.com',
  'mohmal.com',
  'sharklasers.com',
  'spamgourmet.com',
  'temp-mail.org',
  'tempmail.com',
  'tempr.email',
  'throwawaymail.com',
  'trashmail.com',
  'yopmail.com',
])

const INVALID: EmailInfo = Object.freeze({ email: null, valid: false, role: false, disposable: false, domain: null })

/** Strip `mailto:` and a display name (`Jane <jane@x.com>`). */
function unwrap(s: string): string {
  const angle = /<([^<>]*)>\s*$/.exec(s)
  const inner = angle ? angle[1].trim() : s
  return inner.replace(/^mailto:/i, '')
}

/** Everything known about an address; `valid: false` and nulls when it is not one. */
export function emailInfo(input: unknown, options: EmailOptions = {}): EmailInfo {
  const s = cleanString(input, 512)
  if (s === null) return { ...INVALID }
  const address = unwrap(s).toLowerCase()
  const at = address.lastIndexOf('@')
  if (at <= 0 || address.length > 254) return { ...INVALID }
  let local = address.slice(0, at)
  const host = address.slice(at + 1)
  if (local.length > 64 || !LOCAL.test(local)) return { ...INVALID }
  // A host, never a URL: reject anything the domain normaliser would have to cut away.
  if (!/^[^\s/?#\\:@[\]]+$/.test(host)) return { ...INVALID }
  const parsed = parseHost(host, false)
  if (parsed === null) return { ...INVALID }
  let dom = parsed.hostname
  if (options.gmailFolding && (dom === 'gmail.com' || dom === 'googlemail.com')) {
    dom = 'gmail.com'
    local = local.replace(/\+.*$/, '').replaceAll('.', '')
    if (local === '') return { ...INVALID }
  }
  const base = local.replace(/\+.*$/, '')
  return {
    email: `${local}@${dom}`,
    valid: true,
    role: ROLE_LOCAL_PARTS.has(base),
    disposable: DISPOSABLE_DOMAINS.has(dom) || DISPOSABLE_DOMAINS.has(parsed.domain),
    domain: dom,
  }
}

/** The normalised address, or null when `input` is not a usable e-mail address. */
export function email(input: unknown, options: EmailOptions = {}): string | null {
  return emailInfo(input, options).email
}
