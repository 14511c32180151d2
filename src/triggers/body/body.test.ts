import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { locateJsonError } from './json-error.js'
import { parseBody } from './parse-body.js'

const fixture = (p: string) => readFileSync(new URL(`../../../tests/fixtures/webhooks/${p}`, import.meta.url))
const ok = (r: ReturnType<typeof parseBody>) => {
  if (!r.ok) throw new Error(`expected ok, got ${r.status} ${r.message}`)
  return r
}

describe('content types', () => {
  it('parses application/json and vendor +json types', () => {
    expect(ok(parseBody(Buffer.from('{"a":1}'), 'application/json')).items).toEqual([{ payload: { a: 1 }, json: '{"a":1}' }])
    expect(ok(parseBody(Buffer.from('[1]'), 'application/vnd.acme.event+json; charset=utf-8')).items).toEqual([
      { payload: [1], json: '[1]' },
    ])
    // The text kept for storage is the decoded text, without a byte-order mark.
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(' {"b":2} ')])
    expect(ok(parseBody(bom, 'application/json')).items).toEqual([{ payload: { b: 2 }, json: ' {"b":2} ' }])
  })

  it('answers 415 for an unsupported or missing type, naming what is accepted', () => {
    const r = parseBody(Buffer.from('<x/>'), 'application/xml')
    expect(r).toMatchObject({ ok: false, status: 415, code: 'PW_UNSUPPORTED_MEDIA_TYPE' })
    expect((r as { message: string }).message).toContain('application/xml is not supported; send one of application/json')
    expect(parseBody(Buffer.from('{}'), undefined)).toMatchObject({ status: 415, message: expect.stringContaining('missing') })
  })

  it('answers 415 for an unknown charset', () => {
    expect(parseBody(Buffer.from('{}'), 'application/json; charset=koi8-r')).toMatchObject({
      status: 415,
      message: 'charset koi8-r is not supported; use utf-8, iso-8859-1 or utf-16le',
    })
  })

  it('gives the same answer for a header seen before, however many different headers came between', () => {
    const latin = 'text/csv; charset="ISO-8859-1"'
    const first = ok(parseBody(Buffer.from('a\n\xe9', 'latin1'), latin))
    // More distinct accepted values than are kept, and rejected ones, in between.
    for (let i = 0; i < 100; i++) ok(parseBody(Buffer.from('{}'), `application/vnd.x${i}+json`))
    for (let i = 0; i < 2; i++) expect(parseBody(Buffer.from('{}'), 'application/json; charset=koi8-r')).toMatchObject({ status: 415 })
    const again = ok(parseBody(Buffer.from('a\n\xe9', 'latin1'), latin))
    expect(again).toEqual(first)
    expect(again.items).toEqual([{ payload: { a: 'é' }, rowNumber: 2 }])
    expect(ok(parseBody(Buffer.from('{}'), latin.replace('csv', 'plain').replace('text/plain', 'application/json'))).charset).toBe('latin1')
    expect(parseBody(Buffer.from('{}'), ' ')).toMatchObject({ status: 415, message: expect.stringContaining('missing') })
  })
})

describe('charsets', () => {
  it('decodes latin1 and utf-16le bodies and drops a UTF-8 BOM', () => {
    const latin1 = Buffer.from('{"name":"Jos\xe9"}', 'latin1')
    expect(ok(parseBody(latin1, 'application/json; charset=ISO-8859-1')).items[0]!.payload).toEqual({ name: 'José' })
    const utf16 = Buffer.from('{"name":"Zoë"}', 'utf16le')
    expect(ok(parseBody(utf16, 'application/json; charset="utf-16le"')).items[0]!.payload).toEqual({ name: 'Zoë' })
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')])
    expect(ok(parseBody(bom, 'application/json')).items[0]!.payload).toEqual({ a: 1 })
  })

  it('rejects bytes that are not valid in the declared charset', () => {
    const r = parseBody(Buffer.from('{"name":"Jos\xe9"}', 'latin1'), 'application/json')
    expect(r).toMatchObject({ status: 400, code: 'PW_BAD_REQUEST', message: 'body is not valid utf-8; check the charset in Content-Type' })
  })
})

describe('malformed JSON', () => {
  it('names the line, column and position of the first error', () => {
    const r = parseBody(Buffer.from('{\n  "email": "a@b.c",\n  "score": ,\n}'), 'application/json')
    expect(r).toMatchObject({
      status: 400,
      message: 'body is not valid JSON: unexpected "," at line 3, column 12 (position 33); expected a value',
      details: { line: 3, column: 12, position: 33 },
    })
  })

  it('reports truncation and trailing garbage', () => {
    expect(locateJsonError('{"a": [1, 2')).toMatchObject({ found: 'end of input', expected: '"," or "]"' })
    expect(locateJsonError('{"a":1} x')).toMatchObject({ position: 8, expected: 'end of input' })
    expect(locateJsonError("{'a':1}")).toMatchObject({ position: 1, expected: 'a property name in double quotes' })
    expect(locateJsonError('{"a":1}')).toBeNull()
  })

  it('rejects an empty JSON body', () => {
    expect(parseBody(Buffer.alloc(0), 'application/json')).toMatchObject({ status: 400, message: 'body is empty; expected JSON' })
    expect(parseBody(Buffer.from(' \r\n\t'), 'application/json')).toMatchObject({ status: 400, message: 'body is empty; expected JSON' })
  })
})

describe('form bodies', () => {
  it('parses a Slack slash command', () => {
    const r = ok(parseBody(fixture('slack/slash-command.form'), 'application/x-www-form-urlencoded'))
    expect(r.items[0]!.payload).toMatchObject({ command: '/webhook-collect', text: '', user_name: 'roadrunner', team_id: 'T1DC2JH3J' })
  })

  it('parses the JSON in the payload field of a Slack interactivity request', () => {
    const r = ok(parseBody(fixture('slack/interactivity.form'), 'application/x-www-form-urlencoded'))
    expect(r.items[0]!.payload).toMatchObject({
      payload: { type: 'block_actions', actions: [{ action_id: 'approve_lead', value: 'lead-42' }] },
    })
  })

  it('keeps repeated fields as arrays and reports a broken payload field', () => {
    expect(ok(parseBody(Buffer.from('tag=a&tag=b&x=1'), 'application/x-www-form-urlencoded')).items[0]!.payload).toEqual({
      tag: ['a', 'b'],
      x: '1',
    })
    const r = parseBody(Buffer.from('payload=%7B%22type%22%3A'), 'application/x-www-form-urlencoded')
    expect(r).toMatchObject({
      status: 400,
      message: expect.stringMatching(/^form field "payload" is not valid JSON: unexpected end of input/),
    })
  })
})

describe('CSV bodies', () => {
  it('yields one payload per row with the line number where the row starts', () => {
    const r = ok(parseBody(fixture('csv/leads.csv'), 'text/csv'))
    expect(r.items).toEqual([
      { payload: { email: 'ada@example.com', company: 'Analytical Engines', notes: 'first line\nsecond line', score: '91' }, rowNumber: 2 },
      { payload: { email: 'grace@example.com', company: 'Navy, US', notes: '', score: '77' }, rowNumber: 5 },
      { payload: { email: 'linus@example.com', company: 'Kernel Co', notes: 'plain', score: '12' }, rowNumber: 6 },
    ])
  })

  it('counts lines correctly with CRLF line breaks inside quoted fields', () => {
    const text = 'a,b\r\n"x\r\ny",1\r\n"p\r\nq\r\nr",2\r\nz,3\r\n'
    expect(ok(parseBody(Buffer.from(text), 'text/csv')).items.map((i) => i.rowNumber)).toEqual([2, 4, 7])
  })

  it('names the line of a row with the wrong number of fields', () => {
    const r = parseBody(Buffer.from('email,score\na@x.io,1\n\nb@x.io,2,extra\n'), 'text/csv; charset=utf-8')
    expect(r).toMatchObject({ status: 400, message: 'CSV line 4 has 3 fields but the header has 2', details: { line: 4 } })
  })

  it('names the line where an unclosed quote starts', () => {
    const r = parseBody(Buffer.from('a,b\n1,2\n3,"never closed\n4,5\n'), 'text/csv')
    expect(r).toMatchObject({ status: 400, message: 'CSV line 3 opens a quoted field that is never closed' })
  })

  it('rejects duplicate or blank header names and an empty body', () => {
    expect(parseBody(Buffer.from('email,email\n1,2\n'), 'text/csv')).toMatchObject({
      message: 'CSV header names column "email" more than once',
    })
    expect(parseBody(Buffer.from('email,\n1,2\n'), 'text/csv')).toMatchObject({ message: 'CSV header column 2 has no name' })
    expect(parseBody(Buffer.from('\n'), 'text/csv')).toMatchObject({ status: 400, message: 'CSV body is empty; expected a header row' })
  })

  it('decodes a latin1 CSV export', () => {
    const r = ok(parseBody(Buffer.from('name,city\nJosé,Málaga\n', 'latin1'), 'text/csv; charset=iso-8859-1'))
    expect(r.items[0]!.payload).toEqual({ name: 'José', city: 'Málaga' })
  })

  it('accepts a header with no data rows as zero payloads', () => {
    expect(ok(parseBody(Buffer.from('email,score\n'), 'text/csv')).items).toEqual([])
  })
})

describe('CSV quoting errors', () => {
  it('names the line with a stray character after a closing quote', () => {
    expect(parseBody(Buffer.from('a,b\n1,2\n3,"4"x\n'), 'text/csv')).toMatchObject({
      status: 400,
      message: 'CSV line 3 has a character after a closing quote (expected a comma or line break)',
    })
  })
})

describe('JSON error locator agrees with JSON.parse', () => {
  it('finds an error exactly when JSON.parse fails, on valid and corrupted JSON', async () => {
    const fc = (await import('fast-check')).default
    const parses = (s: string) => {
      try {
        JSON.parse(s)
        return true
      } catch {
        return false
      }
    }
    const corrupted = fc
      .tuple(fc.json(), fc.nat(), fc.constantFrom('', '{', '}', '[', ']', ',', ':', '"', '\\', 'x', '-', '.', 'e', '\n', '\u0001'))
      .map(([s, i, c]) => {
        const k = i % (s.length + 1)
        return s.slice(0, k) + c + s.slice(k + 1)
      })
    fc.assert(
      fc.property(fc.oneof(fc.json(), corrupted, fc.string()), (s) => {
        expect(locateJsonError(s) === null).toBe(parses(s))
      }),
      { numRuns: 2000 },
    )
  })
})
