/**
 * CSV bodies: the first line is the header; every later record becomes one event, keyed by
 * the header names, with `rowNumber` = the line in the file where the record starts
 * (quoted fields may span lines). Empty lines are skipped.
 * @module
 */
import { parse } from 'csv-parse/sync'
import { type BodyProblem, malformed } from './problem.js'

export interface CsvRow {
  record: Record<string, string>
  /** 1-based line of the file where this record starts (the header is line 1). */
  rowNumber: number
}

function explain(code: string | undefined, fields: number | undefined, columns: number): string {
  switch (code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
      return `has ${fields ?? 'a different number of'} fields but the header has ${columns}`
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'opens a quoted field that is never closed'
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'has a character after a closing quote (expected a comma or line break)'
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'has a character after a closing quote'
    default:
      return `cannot be parsed (${code ?? 'unknown error'})`
  }
}

export function parseCsv(text: string): { rows: CsvRow[] } | BodyProblem {
  if (text.trim() === '') return malformed('CSV body is empty; expected a header row')
  // Track line numbers ourselves: csv-parse counts CRLF inside quoted fields twice.
  let consumed = 0
  let line = 1
  const advanceTo = (to: number) => {
    for (; consumed < to; consumed++) if (text.charCodeAt(consumed) === 10) line++
  }
  const startOfNext = () => {
    let s = consumed
    while (s < text.length && (text[s] === '\n' || text[s] === '\r')) s++
    advanceTo(s)
    return line
  }
  const seen: { header: string[] | null } = { header: null }
  const rows: CsvRow[] = []
  try {
    parse(text, {
      skip_empty_lines: true,
      on_record: (record: string[], ctx: { bytes: number }) => {
        const rowNumber = startOfNext()
        advanceTo(ctx.bytes)
        if (seen.header === null) seen.header = record.map((h) => h.trim())
        else rows.push({ record: Object.fromEntries(seen.header.map((h, k) => [h, record[k]!])), rowNumber })
        return null
      },
    })
  } catch (e) {
    const err = e as { code?: string; record?: unknown[] }
    const at = startOfNext()
    return malformed(`CSV line ${at} ${explain(err.code, err.record?.length, seen.header?.length ?? 0)}`, { line: at, csvCode: err.code })
  }
  const cols = seen.header
  if (!cols) return malformed('CSV body has no header row')
  const blank = cols.indexOf('')
  if (blank >= 0) return malformed(`CSV header column ${blank + 1} has no name`, { line: 1 })
  const dup = cols.find((h, k) => cols.indexOf(h) !== k)
  if (dup !== undefined) return malformed(`CSV header names column "${dup}" more than once`, { line: 1 })
  return { rows }
}
