import { afterEach, describe, expect, it } from 'vitest'
import { isActionInvocation } from '../src/connectors/contract.js'
import { notionConnector } from '../src/connectors/notion/connector.js'
import { DEFAULT_DATA_SOURCE_ID, DEFAULT_DATABASE_ID, notionEmulator } from '../src/connectors/notion/emulator.js'
import { notion } from '../src/connectors/notion/index.js'
import { props } from '../src/connectors/notion/props.js'
import { isNonRetryable } from '../src/errors.js'
import { connectorSuite, makeActionContext } from './conformance/connector-suite.js'

connectorSuite({
  name: 'notion',
  connector: notionConnector,
  startEmulator: async () => {
    const emulator = notionEmulator({ tokens: ['ntn_good'] })
    return { emulator, connection: { token: 'ntn_good', baseUrl: await emulator.listen() } }
  },
  cases: {
    ok: {
      action: 'pages.create',
      input: { dataSourceId: DEFAULT_DATA_SOURCE_ID, properties: { Name: props.title('Acme') } },
      check: (out) => expect(out).toMatchObject({ id: expect.any(String), url: expect.stringContaining('notion.so') }),
    },
    rateLimited: { action: 'dataSources.query', input: { dataSourceId: DEFAULT_DATA_SOURCE_ID }, waitMs: 3000 },
    permanent: {
      action: 'pages.create',
      input: { dataSourceId: DEFAULT_DATA_SOURCE_ID, properties: { Nope: props.number(1) } },
      providerCode: 'validation_error',
    },
  },
})

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()))
})

async function setup() {
  const emu = notionEmulator({ burst: 1000 })
  open.push(emu)
  const conn = notionConnector.connection.parse({ token: 'ntn_x', baseUrl: await emu.listen() })
  const identity = new Map<string, string>()
  const call = (name: string, input: unknown) => {
    const a = notionConnector.actions[name]
    return a.run(a.input ? a.input.parse(input) : input, makeActionContext(conn, `notion.${name}`, identity))
  }
  return { emu, call, identity }
}

describe('notion connector actions', () => {
  it('creates a page under a database by resolving its data source once, then queries by database id', async () => {
    const { emu, call, identity } = await setup()
    const a = (await call('pages.create', {
      databaseId: DEFAULT_DATABASE_ID,
      properties: { Name: props.title('Acme'), Stage: props.select('hot') },
    })) as { id: string }
    await call('pages.create', { databaseId: DEFAULT_DATABASE_ID, properties: { Name: props.title('Beta'), Stage: props.select('cold') } })
    expect(emu.requests().filter((r) => r.path.startsWith('/v1/databases/'))).toHaveLength(1)
    expect([...identity.values()]).toContain(DEFAULT_DATA_SOURCE_ID)
    const out = (await call('dataSources.query', {
      databaseId: DEFAULT_DATABASE_ID,
      filter: { property: 'Stage', select: { equals: 'hot' } },
    })) as { results: Array<{ id: string }>; dataSourceId: string }
    expect(out.results.map((r) => r.id)).toEqual([a.id])
    expect(out.dataSourceId).toBe(DEFAULT_DATA_SOURCE_ID)
    expect(emu.requests().every((r) => r.headers['notion-version'] === '2025-09-03')).toBe(true)
  })

  it('queries every page with all: true', async () => {
    const { call } = await setup()
    for (let i = 0; i < 5; i++)
      await call('pages.create', { dataSourceId: DEFAULT_DATA_SOURCE_ID, properties: { Name: props.title(`L${i}`) } })
    const out = (await call('dataSources.query', { dataSourceId: DEFAULT_DATA_SOURCE_ID, pageSize: 2, all: true })) as {
      results: unknown[]
      hasMore: boolean
    }
    expect(out.results).toHaveLength(5)
    expect(out.hasMore).toBe(false)
  })

  it('runs the legacy databases.query with Notion-Version 2022-06-28', async () => {
    const { emu, call } = await setup()
    await call('pages.create', { dataSourceId: DEFAULT_DATA_SOURCE_ID, properties: { Name: props.title('A') } })
    const out = (await call('databases.query', { databaseId: DEFAULT_DATABASE_ID })) as { results: unknown[] }
    expect(out.results).toHaveLength(1)
    expect(emu.requests().at(-1)?.headers['notion-version']).toBe('2022-06-28')
  })

  it('updates a page and refuses rich text that the builder did not chunk', async () => {
    const { call } = await setup()
    const page = (await call('pages.create', { dataSourceId: DEFAULT_DATA_SOURCE_ID, properties: { Name: props.title('A') } })) as {
      id: string
    }
    await expect(call('pages.update', { pageId: page.id, properties: { Notes: props.richText('n'.repeat(5000)) } })).resolves.toMatchObject(
      { id: page.id },
    )
    const e = await call('pages.update', {
      pageId: page.id,
      properties: { Notes: { rich_text: [{ type: 'text', text: { content: 'n'.repeat(2001) } }] } },
    }).catch((x) => x)
    expect(isNonRetryable(e)).toBe(true)
    expect(e.providerCode).toBe('validation_error')
  })

  it('splits text at 2,000 characters without breaking a surrogate pair', () => {
    const text = `${'a'.repeat(1999)}😀b`
    const items = props.richText(text).rich_text
    expect(items.map((i) => i.text.content)).toEqual(['a'.repeat(1999), '😀b'])
    expect(() => props.richText('x'.repeat(200_001))).toThrow(/at most 100/)
  })

  it('typed factories build branded invocations and carry the property builder', () => {
    const inv = notion.pages.create({ databaseId: 'db', properties: () => ({ Name: notion.props.title('x') }) })
    expect(isActionInvocation(inv)).toBe(true)
    expect(inv.ref).toBe('notion.pages.create')
  })
})
