/**
 * Splits CSV text into records with the line each starts on, before any field is parsed, so a
 * stray quote costs one row instead of the rest of the file. A quoted field may span lines; one
 * that is never closed (end of input, more than `maxRecordLines` lines, or a closing quote
 * followed by text) makes its first line a bad row, and reading goes on at the line after it.
 * Fields are parsed afterwards by csv-parse, one record at a time (see import.ts).
 * @module
 */

export type CsvChunk = { line: number; text: string; lines: number } | { line: number; error: string }

interface Line {
  no: number
  text: string
}

export interface CsvRecordReaderOptions {
  delimiter?: string
  /** A quoted field spanning more lines than this is taken as an unclosed quote. @defaultValue 1000 */
  maxRecordLines?: number
}

/**
 * Reads records from text chunks. `retryAfterFirstLine(chunk)` puts a multi-line record's
 * following lines back to be read again (the caller found the record malformed once parsed).
 */
export class CsvRecordReader {
  readonly #delimiter: string
  readonly #maxLines: number
  #queue: Line[] = []
  #lastRecord: Line[] = []

  constructor(options: CsvRecordReaderOptions = {}) {
    this.#delimiter = options.delimiter ?? ','
    this.#maxLines = options.maxRecordLines ?? 1000
  }

  async *records(input: AsyncIterable<string | Buffer>): AsyncGenerator<CsvChunk> {
    const source = lines(input)[Symbol.asyncIterator]()
    const next = async (): Promise<Line | null> => {
      const queued = this.#queue.shift()
      if (queued) return queued
      const r = await source.next()
      return r.done ? null : r.value
    }
    for (let first = await next(); first; first = await next()) {
      const taken: Line[] = [first]
      let state = scan(first.text, false, this.#delimiter)
      while (state.open && taken.length < this.#maxLines) {
        const more = await next()
        if (!more) break
        taken.push(more)
        state = scan(more.text, true, this.#delimiter)
      }
      if (state.open || state.error) {
        const resume = `the row is skipped and reading goes on at line ${first.no + 1}`
        const message = state.open
          ? `a quoted field opens on this line and is never closed (a stray quote?); ${resume}`
          : taken.length > 1
            ? `the quote opened on this line closes on line ${taken.at(-1)!.no} followed by text (${state.error}), so it was a stray quote; ${resume}`
            : state.error!
        this.#queue.unshift(...taken.slice(1))
        yield { line: first.no, error: message }
        continue
      }
      this.#lastRecord = taken
      yield { line: first.no, text: taken.map((l) => l.text).join('\n'), lines: taken.length }
    }
  }

  /** The last record spanned lines but did not parse as a row: read its lines after the first again. */
  retryAfterFirstLine(): void {
    this.#queue.unshift(...this.#lastRecord.slice(1))
    this.#lastRecord = []
  }
}

/** Physical lines (LF or CRLF), numbered from 1, with the terminator removed. */
async function* lines(input: AsyncIterable<string | Buffer>): AsyncGenerator<Line> {
  const decoder = new TextDecoder('utf-8')
  let rest = ''
  let no = 0
  for await (const chunk of input) {
    rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
    let at = rest.indexOf('\n')
    let from = 0
    while (at !== -1) {
      no++
      yield { no, text: stripCr(rest.slice(from, at)) }
      from = at + 1
      at = rest.indexOf('\n', from)
    }
    rest = rest.slice(from)
  }
  rest += decoder.decode()
  if (rest.length > 0) yield { no: no + 1, text: stripCr(rest) }
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s
}

/**
 * Quote state at the end of one physical line. `inQuote`: the line starts inside a quoted field
 * (continued from the line before). A quote inside an unquoted field is kept as text.
 */
function scan(text: string, inQuote: boolean, delimiter: string): { open: boolean; error?: string } {
  let quoted = inQuote
  let fieldStart = !inQuote
  let afterQuote = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') i++
        else {
          quoted = false
          afterQuote = true
        }
      }
    } else if (text.startsWith(delimiter, i)) {
      i += delimiter.length - 1
      fieldStart = true
      afterQuote = false
    } else if (afterQuote) {
      if (c !== ' ' && c !== '\t') return { open: false, error: `${JSON.stringify(c)} after a closing quote at column ${i + 1}` }
    } else if (fieldStart) {
      if (c === '"') {
        quoted = true
        fieldStart = false
      } else if (c !== ' ' && c !== '\t') fieldStart = false
    }
  }
  return { open: quoted }
}
