/**
 * Domain normalisation: the registrable domain (`acme.co.uk`) of a URL, an e-mail address
 * or a bare host, lower-case and in punycode, or `null` when there is none.
 *
 * @example
 * ```ts
 * normalize.domain('https://user:pw@WWW.Shop.Acme.co.uk:8443/p?q=1') // 'acme.co.uk'
 * normalize.domain('jane@mail.acme.com', { keepSubdomain: true })     // 'mail.acme.com'
 * normalize.domain('ACME, Inc.')                                      // null
 * ```
 * @module
 */
import { domainToASCII } from 'node:url'
import { parse } from 'tldts'
import { cleanString } from './text.js'

export interface DomainOptions {
  /**
   * Keep the subdomain (`shop.acme.co.uk`) instead of reducing to the registrable domain.
   * A leading `www.` is dropped either way. @defaultValue false
   */
  keepSubdomain?: boolean
  /**
   * Treat private public-suffix entries (`github.io`, `myshopify.com`, `herokuapp.com`) as
   * suffixes, so `acme.myshopify.com` stays a domain of its own instead of collapsing every
   * shop into `myshopify.com`. @defaultValue true
   */
  privateSuffixes?: boolean
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/

/** The host part of a URL, e-mail address or bare host, before any validation. */
function extractHost(s: string): string | null {
  let rest = s
  if (/^mailto:/i.test(rest)) rest = rest.slice(7)
  const hasScheme = SCHEME.test(rest)
  if (hasScheme) rest = rest.replace(SCHEME, '')
  else if (rest.startsWith('//')) rest = rest.slice(2)
  // Authority ends at the first path, query or fragment delimiter.
  const end = rest.search(/[/?#\\]/)
  let host = end === -1 ? rest : rest.slice(0, end)
  // Credentials (URL) or local part (e-mail): keep what follows the last '@'.
  const at = host.lastIndexOf('@')
  if (at !== -1) host = host.slice(at + 1)
  if (host.startsWith('[')) return null // IPv6 literal
  host = host.replace(/:\d*$/, '')
  host = host.replace(/[.\u3002\uff0e\uff61]+$/, '')
  return host === '' ? null : host
}

/** Punycode form of a host when every label is a valid DNS label, else null. */
function toAsciiHost(host: string): string | null {
  if (/\s/.test(host)) return null
  const ascii = domainToASCII(host)
  if (ascii === '' || ascii.length > 253) return null
  const labels = ascii.split('.')
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return null
  return ascii
}

/** A validated host on a public suffix, with the parse result; internal to transforms. */
export function parseHost(input: unknown, privateSuffixes = true): { hostname: string; domain: string } | null {
  const s = cleanString(input)
  if (s === null) return null
  const raw = extractHost(s)
  if (raw === null) return null
  const ascii = toAsciiHost(raw)
  if (ascii === null) return null
  const parsed = parse(ascii, { allowPrivateDomains: privateSuffixes, extractHostname: false })
  if (parsed.isIp || parsed.domain === null || parsed.hostname === null) return null
  if (!parsed.isIcann && !parsed.isPrivate) return null
  return { hostname: parsed.hostname, domain: parsed.domain }
}

/**
 * The normalised domain of `input`, or null for anything that is not a host on a public
 * suffix: IP addresses, `localhost`, unknown TLDs, bare suffixes (`co.uk`), company names,
 * non-strings.
 */
export function domain(input: unknown, options: DomainOptions = {}): string | null {
  const parsed = parseHost(input, options.privateSuffixes ?? true)
  if (parsed === null) return null
  if (!options.keepSubdomain) return parsed.domain
  let host = parsed.hostname
  while (host.startsWith('www.') && host !== parsed.domain) host = host.slice(4)
  return host
}
