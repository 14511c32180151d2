import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { CsvRecordReader } from './records.js'

async function read(text: string, chunkSize = 7, maxRecordLines?: number) {
  const reader = new CsvRecordReader({ maxRecordLines })
  const chunks: string[] = []
  for (let i = 0; i < text.length; i += chunkSize) chunks.push(text.slice(i, i + chunkSize))
  const out: Array<{ line: number; text?: string; error?: string }> = []
  for await (const c of reader.records(Readable.from(chunks)))
    out.push('error' in c ? { line: c.line, error: c.error } : { line: c.line, text: c.text })
  return out
}

describe('CsvRecordReader', () => {
  it('numbers records by the line they start on; a quoted field may span lines; CRLF and a missing last newline are fine', async () => {
    expect(await read('a,b\r\n1,"two\r\nlines"\r\n3,"say ""hi"""\r\n4,x')).toEqual([
      { line: 1, text: 'a,b' },
      { line: 2, text: '1,"two\nlines"' },
      { line: 4, text: '3,"say ""hi"""' },
      { line: 5, text: '4,x' },
    ])
  })

  it('an unclosed quote costs its own line only: reading goes on at the next line', async () => {
    const out = await read('email,name\na@x.co,"Jo\nb@x.co,Sam\nc@x.co,Al\n')
    expect(out[1]).toEqual({ line: 2, error: expect.stringContaining('a quoted field opens on this line and is never closed') })
    expect(out.slice(2)).toEqual([
      { line: 3, text: 'b@x.co,Sam' },
      { line: 4, text: 'c@x.co,Al' },
    ])
  })

  it('a later quote that cannot close the stray one is reported, and the lines between are read again', async () => {
    const out = await read('h1,h2\n1,"oops\n2,ok\n3,"quoted"\n')
    expect(out).toEqual([
      { line: 1, text: 'h1,h2' },
      {
        line: 2,
        error: expect.stringMatching(
          /closes on line 4 followed by text \("q" after a closing quote at column 4\), so it was a stray quote.*line 3/,
        ),
      },
      { line: 3, text: '2,ok' },
      { line: 4, text: '3,"quoted"' },
    ])
  })

  it('a quote inside an unquoted field is text; a field longer than maxRecordLines lines counts as unclosed', async () => {
    expect(await read('a,5" screen\n')).toEqual([{ line: 1, text: 'a,5" screen' }])
    const out = await read('x,"1\n2\n3\n4"\ny,z\n', 7, 3)
    expect(out[0]).toMatchObject({ line: 1, error: expect.stringContaining('never closed') })
    expect(out.slice(1).map((r) => r.line)).toEqual([2, 3, 4, 5])
  })
})
