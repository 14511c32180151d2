/**
 * Page content as markdown through the Notion connector against the emulator (real loopback
 * HTTP, requests checked as Notion checks them): chunked appends, long paragraphs, deep lists,
 * and an edit written as the smallest block change.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { notionConnector } from '../src/connectors/notion/connector.js'
import { DEFAULT_DATA_SOURCE_ID, type NotionEmulator, notionEmulator } from '../src/connectors/notion/emulator.js'
import { props } from '../src/connectors/notion/props.js'
import { makeActionContext } from './conformance/connector-suite.js'

let emu: NotionEmulator | undefined
afterEach(async () => {
  await emu?.close()
  emu = undefined
})

async function setup() {
  emu = notionEmulator({ burst: 10_000 })
  const conn = notionConnector.connection.parse({ token: 'ntn_x', baseUrl: await emu.listen() })
  const call = (name: string, input: unknown) => {
    const a = notionConnector.actions[name]!
    return a.run(a.input ? a.input.parse(input) : input, makeActionContext(conn, `notion.${name}`)) as Promise<any>
  }
  const page = (await call('pages.create', { dataSourceId: DEFAULT_DATA_SOURCE_ID, properties: { Name: props.title('Doc') } })) as {
    id: string
  }
  const appends = () => emu!.requests().filter((r) => r.method === 'PATCH' && r.path.endsWith('/children'))
  return { call, page: page.id, appends, emu }
}

describe('notion page content as markdown', () => {
  it('writes a 250-block page in three appends (100, 100, 50) and a 5,000-character paragraph in 2,000-character items, and reads them back', async () => {
    const { call, page, appends } = await setup()
    const long = 'x'.repeat(5000)
    const md = `${[long, ...Array.from({ length: 249 }, (_, i) => `Paragraph ${i}.`)].join('\n\n')}\n`
    await call('pages.writeMarkdown', { pageId: page, markdown: md })
    const sent = appends().map((r) => (r.body as { children: unknown[] }).children.length)
    expect(sent).toEqual([100, 100, 50])
    const first = (appends()[0]!.body as { children: Array<{ paragraph: { rich_text: Array<{ text: { content: string } }> } }> })
      .children[0]!
    expect(first.paragraph.rich_text.map((t) => t.text.content.length)).toEqual([2000, 2000, 1000])
    expect((await call('pages.readMarkdown', { pageId: page })).markdown).toBe(md)
  })

  it('writes lists nested five deep (beyond the two levels one request may carry) and tables inside lists', async () => {
    const { call, page } = await setup()
    const md =
      '- l1\n  - l2\n    - l3\n      - l4\n        - l5\n\n1. step\n\n   | a | b |\n   | - | - |\n   | 1 | 2 |\n\n> quote\n>\n> - inside\n'
    await call('pages.writeMarkdown', { pageId: page, markdown: md })
    const back = (await call('pages.readMarkdown', { pageId: page })).markdown
    expect(back).toContain('        - l5')
    expect(back).toContain('| 1 | 2 |')
    expect((await call('pages.readMarkdown', { pageId: page })).markdown).toBe(back)
  })

  it('writes an edit as the smallest change: one block updated in place, nothing appended or deleted', async () => {
    const { call, page, appends, emu } = await setup()
    const md = `${Array.from({ length: 30 }, (_, i) => `Paragraph ${i}.`).join('\n\n')}\n`
    await call('pages.writeMarkdown', { pageId: page, markdown: md })
    const before = emu.requests().length
    const out = await call('pages.writeMarkdown', { pageId: page, markdown: md.replace('Paragraph 17.', 'Paragraph 17, edited.') })
    const made = emu.requests().slice(before)
    expect(made.filter((r) => r.method === 'PATCH' && /^\/v1\/blocks\/[^/]+$/.test(r.path))).toHaveLength(1)
    expect(made.filter((r) => r.method === 'DELETE')).toHaveLength(0)
    expect(appends()).toHaveLength(1) // the first write only
    expect(out.requests).toBe(made.length)
    expect((await call('pages.readMarkdown', { pageId: page })).markdown).toContain('Paragraph 17, edited.')
    // a block inserted in the middle: appended after its predecessor, the rest kept
    await call('pages.writeMarkdown', { pageId: page, markdown: md.replace('Paragraph 5.', 'Paragraph 5.\n\n## New section') })
    expect((await call('pages.readMarkdown', { pageId: page })).markdown).toBe(md.replace('Paragraph 5.', 'Paragraph 5.\n\n## New section'))
  })
})
