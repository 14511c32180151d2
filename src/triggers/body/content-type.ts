/**
 * Content-Type parsing and charset decoding of webhook bodies.
 * @module
 */
import { isUtf8 } from 'node:buffer'
import { TextDecoder } from 'node:util'
import { type BodyProblem, malformed, unsupported } from './problem.js'

export type BodyKind = 'json' | 'form' | 'csv'

export interface ContentType {
  /** Lower-cased `type/subtype`, e.g. `application/json`. */
  mediaType: string
  kind: BodyKind
  /** Normalised charset: `utf-8`, `latin1` or `utf-16le`. */
  charset: 'utf-8' | 'latin1' | 'utf-16le'
}

const CHARSETS: Record<string, ContentType['charset']> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'us-ascii': 'utf-8',
  ascii: 'utf-8',
  'iso-8859-1': 'latin1',
  iso_8859_1: 'latin1',
  'iso_8859-1': 'latin1',
  latin1: 'latin1',
  l1: 'latin1',
  'windows-1252': 'latin1',
  cp1252: 'latin1',
  'utf-16le': 'utf-16le',
  'utf-16': 'utf-16le',
}

export const SUPPORTED_TYPES = 'application/json (or */*+json), application/x-www-form-urlencoded, text/csv'

function kindOf(mediaType: string): BodyKind | null {
  if (mediaType === 'application/json' || /^[a-z0-9.+-]+\/[a-z0-9.+-]+\+json$/.test(mediaType)) return 'json'
  if (mediaType === 'application/x-www-form-urlencoded') return 'form'
  if (mediaType === 'text/csv' || mediaType === 'application/csv') return 'csv'
  return null
}

/**
 * Senders repeat the same few Content-Type values, so accepted ones are kept (the results are
 * never modified). Bounded: a sender cycling through odd values only refills it.
 */
const accepted = new Map<string, Readonly<ContentType>>()
const ACCEPTED_MAX = 64

/** Parse a Content-Type header into a body kind and charset, or a 415 problem. */
export function parseContentType(header: string | undefined): Readonly<ContentType> | BodyProblem {
  if (header === undefined) return unsupported(`Content-Type header is missing; send one of ${SUPPORTED_TYPES}`)
  const known = accepted.get(header)
  if (known) return known
  const parsed = parseUncached(header)
  if ('ok' in parsed) return parsed
  if (accepted.size >= ACCEPTED_MAX) accepted.clear()
  const frozen = Object.freeze(parsed)
  accepted.set(header, frozen)
  return frozen
}

function parseUncached(header: string): ContentType | BodyProblem {
  if (header.trim() === '') return unsupported(`Content-Type header is missing; send one of ${SUPPORTED_TYPES}`)
  const [type, ...params] = header.split(';')
  const mediaType = type!.trim().toLowerCase()
  const kind = kindOf(mediaType)
  if (!kind) return unsupported(`Content-Type ${mediaType} is not supported; send one of ${SUPPORTED_TYPES}`)
  let charset: ContentType['charset'] = 'utf-8'
  for (const p of params) {
    const eq = p.indexOf('=')
    if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== 'charset') continue
    const label = p
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase()
    const known = CHARSETS[label]
    if (!known) return unsupported(`charset ${label} is not supported; use utf-8, iso-8859-1 or utf-16le`)
    charset = known
  }
  return { mediaType, kind, charset }
}

/** One decoder per charset: `decode` without `stream` keeps no state between calls. */
const decoders = new Map<ContentType['charset'], TextDecoder>()

/** Decode body bytes in the declared charset; invalid UTF-8/UTF-16 is a 400. A BOM is dropped. */
export function decodeBody(raw: Buffer, charset: ContentType['charset']): { text: string } | BodyProblem {
  const invalid = () => malformed(`body is not valid ${charset}; check the charset in Content-Type`)
  if (charset === 'utf-8') {
    // The common case, without a decoder: validate (simdutf), then one copy into a string.
    if (!isUtf8(raw)) return invalid()
    const bom = raw.length >= 3 && raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf
    return { text: raw.toString('utf8', bom ? 3 : 0) }
  }
  let decoder = decoders.get(charset)
  if (!decoder) {
    decoder = new TextDecoder(charset, { fatal: charset !== 'latin1' })
    decoders.set(charset, decoder)
  }
  try {
    return { text: decoder.decode(raw) }
  } catch {
    return invalid()
  }
}
