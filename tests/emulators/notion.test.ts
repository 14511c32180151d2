import { existsSync, readFileSync } from 'node:fs'
import { APIErrorCode, Client, isNotionClientError } from '@notionhq/client'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_DATA_SOURCE_ID, DEFAULT_DATABASE_ID, notionEmulator } from '../../src/connectors/notion/emulator.js'
import { check, POST_PAGE_BODY, SPEC_BODIES, SPEC_SCHEMAS } from '../../src/connectors/notion/emulator-spec.js'
import { props } from '../../src/connectors/notion/props.js'

let emu: ReturnType<typeof notionEmulator> | null = null
afterEach(async () => {
  await emu?.close()
  emu = null
})

async function start(options: Parameters<typeof notionEmulator>[0] = {}, auth = 'ntn_good') {
  emu = notionEmulator({ tokens: ['ntn_good'], ...options })
  const baseUrl = await emu.listen()
  return { emu, notion: new Client({ auth, baseUrl, retry: false }), baseUrl }
}

async function thrown(p: Promise<unknown>): Promise<any> {
  try {
    await p
  } catch (e) {
    return e
  }
  throw new Error('expected a rejection')
}

const SPEC_FILE = new URL('../../../shared/specs/notion/notion-openapi.json', import.meta.url)
const SPEC = existsSync(SPEC_FILE) ? JSON.parse(readFileSync(SPEC_FILE, 'utf8')) : null
const strip = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(strip)
    : typeof v === 'object' && v !== null
      ? Object.fromEntries(
          Object.entries(v)
            .filter(([k]) => k !== 'description')
            .map(([k, x]) => [k, strip(x)]),
        )
      : v

describe.skipIf(!SPEC)('Notion emulator schemas match the official OpenAPI file', () => {
  it.each(Object.keys(SPEC_SCHEMAS))('component %s is transcribed unchanged', (name) => {
    expect(SPEC_SCHEMAS[name]).toEqual(strip(SPEC.components.schemas[name]))
  })
  it.each([
    ['post-page', '/v1/pages', 'post'],
    ['patch-page', '/v1/pages/{page_id}', 'patch'],
    ['query-data-source', '/v1/data_sources/{data_source_id}/query', 'post'],
  ])('request body of %s is transcribed unchanged', (op, path, method) => {
    const spec = SPEC.paths[path][method]
    expect(spec.operationId).toBe(op)
    expect(SPEC_BODIES[op]).toEqual(strip(spec.requestBody.content['application/json'].schema))
  })
})

describe('Notion request checker', () => {
  it('a page body built with the property builder validates against the spec', () => {
    const body = {
      parent: { type: 'data_source_id', data_source_id: DEFAULT_DATA_SOURCE_ID },
      properties: {
        Name: props.title('Acme'),
        Notes: props.richText('x'.repeat(4500), { link: 'https://acme.com' }),
        Stage: props.select('hot'),
      },
    }
    expect(check(POST_PAGE_BODY, body)).toEqual([])
    for (const item of [...body.properties.Name.title, ...body.properties.Notes.rich_text])
      expect(check(SPEC_SCHEMAS.richTextRequest, item)).toEqual([])
    expect(body.properties.Notes.rich_text.map((i) => i.text.content.length)).toEqual([2000, 2000, 500])
  })

  it('the checker names the field a malformed body gets wrong', () => {
    expect(check(SPEC_SCHEMAS.richTextRequest, { text: { content: 1 } }, 'body.x')).toEqual([
      'body.x.text.content should be string, instead was `1`.',
    ])
    expect(check(POST_PAGE_BODY, { parent: { page_id: 'abc' }, properties: {} })[0]).toMatch(/body\.parent should match exactly one/)
  })
})

describe('Notion emulator through @notionhq/client', () => {
  it('finds the data source of a database, creates a page with builder properties and queries it back', async () => {
    const { notion } = await start()
    const db = (await notion.databases.retrieve({ database_id: DEFAULT_DATABASE_ID })) as unknown as { data_sources: Array<{ id: string }> }
    expect(db.data_sources[0].id).toBe(DEFAULT_DATA_SOURCE_ID)
    const page = await notion.pages.create({
      parent: { type: 'data_source_id', data_source_id: DEFAULT_DATA_SOURCE_ID },
      properties: {
        Name: props.title('Acme'),
        Score: props.number(87),
        Stage: props.select('hot'),
        Tags: props.multiSelect(['saas', 'emea']),
        Status: props.status('In progress'),
        Met: props.date('2026-11-20'),
        Website: props.url('https://acme.com'),
        Email: props.email('ann@acme.com'),
        Qualified: props.checkbox(true),
      },
    })
    expect(page.id).toMatch(/^[0-9a-f-]{36}$/)
    const res = await notion.dataSources.query({
      data_source_id: DEFAULT_DATA_SOURCE_ID,
      filter: {
        and: [
          { property: 'Stage', select: { equals: 'hot' } },
          { property: 'Score', number: { greater_than: 50 } },
        ],
      },
    })
    expect(res.results.map((r) => r.id)).toEqual([page.id])
    const got = res.results[0] as unknown as { properties: Record<string, any> }
    expect(got.properties.Name.title[0].plain_text).toBe('Acme')
    expect(got.properties.Tags.multi_select).toEqual([{ name: 'saas' }, { name: 'emea' }])
  })

  it('pages through query results with next_cursor', async () => {
    const { notion } = await start({ burst: 1000 })
    for (let i = 0; i < 5; i++)
      await notion.pages.create({
        parent: { data_source_id: DEFAULT_DATA_SOURCE_ID } as never,
        properties: { Name: props.title(`L${i}`), Score: props.number(i) },
      })
    const first = await notion.dataSources.query({
      data_source_id: DEFAULT_DATA_SOURCE_ID,
      page_size: 2,
      sorts: [{ property: 'Score', direction: 'descending' }],
    })
    expect(first.has_more).toBe(true)
    const second = await notion.dataSources.query({
      data_source_id: DEFAULT_DATA_SOURCE_ID,
      page_size: 2,
      start_cursor: first.next_cursor as string,
      sorts: [{ property: 'Score', direction: 'descending' }],
    })
    const score = (r: unknown) => (r as { properties: { Score: { number: number } } }).properties.Score.number
    expect([...first.results, ...second.results].map(score)).toEqual([4, 3, 2, 1])
  })

  it('updates page properties', async () => {
    const { notion } = await start()
    const page = await notion.pages.create({
      parent: { data_source_id: DEFAULT_DATA_SOURCE_ID } as never,
      properties: { Name: props.title('A') },
    })
    const updated = (await notion.pages.update({ page_id: page.id, properties: { Stage: props.select('cold') } })) as unknown as {
      properties: Record<string, any>
    }
    expect(updated.properties.Stage.select).toEqual({ name: 'cold' })
    expect(updated.properties.Name.title[0].plain_text).toBe('A')
  })

  it('surfaces validation_error for rich text over 2,000 characters, an unknown property and an unknown status option', async () => {
    const { notion } = await start()
    const parent = { data_source_id: DEFAULT_DATA_SOURCE_ID } as never
    const long = await thrown(notion.pages.create({ parent, properties: { Name: { title: [{ text: { content: 'x'.repeat(2001) } }] } } }))
    expect(isNotionClientError(long)).toBe(true)
    expect(long).toMatchObject({ code: APIErrorCode.ValidationError, status: 400 })
    expect(long.message).toMatch(/text\.content\.length should be ≤ `2000`/)
    const unknown = await thrown(notion.pages.create({ parent, properties: { Nope: props.number(1) } }))
    expect(unknown.message).toBe('Nope is not a property that exists.')
    const status = await thrown(notion.pages.create({ parent, properties: { Status: props.status('Someday') } }))
    expect(status.code).toBe(APIErrorCode.ValidationError)
  })

  it('surfaces a bad token as unauthorized and an unknown database as object_not_found', async () => {
    const { baseUrl } = await start()
    const bad = new Client({ auth: 'ntn_bad', baseUrl, retry: false })
    expect(await thrown(bad.databases.retrieve({ database_id: DEFAULT_DATABASE_ID }))).toMatchObject({
      code: APIErrorCode.Unauthorized,
      status: 401,
    })
    const good = new Client({ auth: 'ntn_good', baseUrl, retry: false })
    expect(await thrown(good.databases.retrieve({ database_id: '00000000-0000-4000-8000-000000000000' }))).toMatchObject({
      code: APIErrorCode.ObjectNotFound,
      status: 404,
    })
  })

  it('answers a burst beyond the limit with 429 rate_limited and Retry-After', async () => {
    const { notion } = await start({ burst: 3 })
    for (let i = 0; i < 3; i++) await notion.databases.retrieve({ database_id: DEFAULT_DATABASE_ID })
    const e = await thrown(notion.databases.retrieve({ database_id: DEFAULT_DATABASE_ID }))
    expect(e).toMatchObject({ code: APIErrorCode.RateLimited, status: 429 })
    expect(e.headers.get('retry-after')).toMatch(/^\d+$/)
  })
})
