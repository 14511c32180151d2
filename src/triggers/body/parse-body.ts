/**
 * Turn a raw webhook body into payloads by Content-Type: JSON (one payload), form fields
 * (one payload) or CSV (one payload per row). Problems are 415 (type or charset) or 400
 * (malformed, naming where).
 *
 * @example
 * ```ts
 * const r = parseBody(rawBody, headers['content-type'])
 * if (!r.ok) return reply.code(r.status).send({ error: { code: r.code, message: r.message } })
 * ```
 * @module
 */
import { decodeBody, parseContentType } from './content-type.js'
import { parseCsv } from './csv.js'
import { parseForm } from './form.js'
import { parseJson } from './json-error.js'
import { type BodyProblem, malformed } from './problem.js'

export interface ParsedBody {
  ok: true
  mediaType: string
  charset: string
  kind: 'json' | 'form' | 'csv'
  /** JSON and form: one item without a row number. CSV: one item per data row. */
  items: Array<{ payload: unknown; rowNumber?: number; json?: string }>
}

export function parseBody(raw: Buffer, contentType: string | undefined): ParsedBody | BodyProblem {
  const ct = parseContentType(contentType)
  if ('ok' in ct) return ct
  const decoded = decodeBody(raw, ct.charset)
  if ('ok' in decoded) return decoded
  const { mediaType, charset, kind } = ct
  switch (kind) {
    case 'json': {
      const parsed = parseJson(decoded.text)
      if ('error' in parsed) {
        // An empty (or all-blank) body fails to parse too; say so rather than "unexpected end".
        if (!/\S/.test(decoded.text)) return malformed('body is empty; expected JSON')
        return malformed(`body is not valid JSON: ${parsed.error}`, parsed.where ?? undefined)
      }
      return { ok: true, mediaType, charset, kind, items: [{ payload: parsed.value, json: decoded.text }] }
    }
    case 'form': {
      const form = parseForm(decoded.text)
      if ('ok' in form) return form
      return { ok: true, mediaType, charset, kind, items: [{ payload: form.value }] }
    }
    case 'csv': {
      const csv = parseCsv(decoded.text)
      if ('ok' in csv) return csv
      return { ok: true, mediaType, charset, kind, items: csv.rows.map((r) => ({ payload: r.record, rowNumber: r.rowNumber })) }
    }
  }
}

export type { BodyProblem } from './problem.js'
