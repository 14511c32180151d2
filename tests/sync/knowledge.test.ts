/**
 * Folder ↔ Notion knowledge sync end to end: markdown files in a temporary folder, pages in the
 * Notion emulator (real loopback HTTP), a real runtime (SQLite store, gateway, write runs).
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { notionConnector } from '../../src/connectors/notion/connector.js'
import { type NotionEmulator, notionEmulator } from '../../src/connectors/notion/emulator.js'
import { createRuntime, type Runtime } from '../../src/runtime.js'
import { compileSync } from '../../src/sync/compile.js'
import { CONFLICT_HEADING } from '../../src/sync/markers.js'
import type { SyncDefinition } from '../../src/sync/types.js'
import { makeActionContext } from '../conformance/connector-suite.js'
import { LOOPBACK_ALLOWED } from '../helpers/net.js'

const DB = '2a7e0000-0000-4000-8000-0000000000db'
const DS = '2a7e0000-0000-4000-8000-0000000000d5'
const SYNC_TOKEN = 'ntn_sync'

let rt: Runtime | undefined
let emu: NotionEmulator | undefined
let dir = ''
afterEach(async () => {
  await rt?.close(2000)
  await emu?.close()
  rt = undefined
  emu = undefined
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function setup(over: Partial<SyncDefinition> = {}) {
  dir = mkdtempSync(join(tmpdir(), 'pw-kb-'))
  const folder = join(dir, 'knowledge')
  mkdirSync(folder)
  emu = notionEmulator({
    databases: {
      [DB]: { title: 'KB', dataSources: { [DS]: { name: 'KB', properties: { Name: { type: 'title' }, Tags: { type: 'multi_select' } } } } },
    },
  })
  const url = await emu.listen()
  const def: SyncDefinition = {
    id: 'kb',
    sides: { a: `folder:${folder}`, b: { side: `notion:${DS}`, matchKeys: ['Name'] } },
    match: { a: 'title', b: 'Name', normalize: 'trim' },
    fields: [
      { a: 'title', b: 'Name', owner: 'latest' },
      { a: 'body', b: 'body', owner: 'latest', conflict: 'markers' },
    ],
    schedule: { every: '15m', repair: false },
    ...over,
  }
  rt = await createRuntime({
    cwd: dir,
    env: {},
    pipelines: [],
    syncs: [compileSync(def, { format: 'ts' })],
    connections: { notion: { default: { token: SYNC_TOKEN, baseUrl: url } } },
    allowPrivateNetwork: LOOPBACK_ALLOWED,
    databaseUrl: `sqlite:${join(dir, 'pw.db')}`,
    scheduler: false,
    logLevel: 'silent',
  })
  // the test's own Notion edits use another token (the emulator limits per token)
  const conn = notionConnector.connection.parse({ token: 'ntn_person', baseUrl: url })
  const notion = (action: string, input: unknown) => {
    const a = notionConnector.actions[action]!
    return a.run(a.input ? a.input.parse(input) : input, makeActionContext(conn, `notion.${action}`)) as Promise<any>
  }
  return { folder, notion, runtime: rt, emu }
}

const syncRequests = (e: NotionEmulator) => e.requests().filter((r) => r.headers.authorization === `Bearer ${SYNC_TOKEN}`)
const file = (folder: string, name: string) => readFileSync(join(folder, name), 'utf8')

describe('folder ↔ Notion knowledge sync', () => {
  it('creates pages from files with their content as blocks, files from pages, and a second pass writes nothing', async () => {
    const { folder, notion, runtime, emu } = await setup()
    writeFileSync(
      join(folder, 'onboarding.md'),
      '---\ntitle: Onboarding\n---\n\n# Welcome\n\n- read the **handbook**\n- [ ] meet the team\n',
    )
    const made = await notion('records.write', {
      dataSourceId: DS,
      fields: { Name: 'Runbook', body: '## Deploy\n\n```bash\nnpm run deploy\n```\n' },
    })
    const first = await runtime.syncs.run('kb')
    // a create each way: two shapes of write, two runs
    expect(first.runs).toMatchObject({ started: 2, succeeded: 2, dead: 0 })
    expect(first.writes).toMatchObject({ a: { create: 1 }, b: { create: 1 } })
    const pages = emu.pages().filter((p) => !p.in_trash)
    expect(pages).toHaveLength(2)
    const onboarding = pages.find((p) => p.id !== made.id)!
    expect((await notion('pages.readMarkdown', { pageId: onboarding.id })).markdown).toBe(
      '# Welcome\n\n- read the **handbook**\n- [ ] meet the team\n',
    )
    const runbook = file(folder, 'runbook.md')
    expect(runbook).toMatch(/^---\ntitle: Runbook\npw_id: doc_\w+\n---\n\n## Deploy\n\n```bash\nnpm run deploy\n```\n$/)
    expect(file(folder, 'onboarding.md')).toMatch(/^---\ntitle: Onboarding\npw_id: doc_\w+\n---\n\n# Welcome/)
    const second = await runtime.syncs.run('kb')
    expect(second.runs.started).toBe(0)
    expect(second.conflicts).toBe(0)
  })

  it('carries an edit each way, and a rename of the file is a rename, not a delete and a create', async () => {
    const { folder, notion, runtime, emu } = await setup()
    writeFileSync(join(folder, 'faq.md'), '---\ntitle: FAQ\n---\n\nFirst answer.\n')
    await runtime.syncs.run('kb')
    const [page] = emu.pages()
    // edit in Notion
    await notion('pages.writeMarkdown', { pageId: page!.id, markdown: 'First answer.\n\nSecond answer, from _Notion_.\n' })
    const fromNotion = await runtime.syncs.run('kb')
    expect(fromNotion.writes.a.update).toBe(1)
    expect(file(folder, 'faq.md')).toContain('Second answer, from _Notion_.')
    // rename and edit the file
    mkdirSync(join(folder, 'support'))
    renameSync(join(folder, 'faq.md'), join(folder, 'support', 'questions.md'))
    writeFileSync(
      join(folder, 'support', 'questions.md'),
      file(folder, 'support/questions.md').replace('First answer.', 'First answer, edited.'),
    )
    const renamed = await runtime.syncs.run('kb')
    expect(renamed.writes.b).toMatchObject({ update: 1 })
    expect(renamed.writes.b.create ?? 0).toBe(0)
    expect(renamed.writes.a.create ?? 0).toBe(0)
    expect(emu.pages().filter((p) => !p.in_trash)).toHaveLength(1)
    expect((await notion('pages.readMarkdown', { pageId: page!.id })).markdown).toBe(
      'First answer, edited.\n\nSecond answer, from _Notion_.\n',
    )
    expect(await runtime.hub.store.sync.countLinks('kb')).toMatchObject({ linked: 1 })
  })

  it('concurrent edits: the later one wins, the other is kept in one conflict section on both sides, and one conflict is recorded', async () => {
    const { folder, notion, runtime, emu } = await setup()
    writeFileSync(join(folder, 'plan.md'), '---\ntitle: Plan\n---\n\nShip in May.\n')
    await runtime.syncs.run('kb')
    const [page] = emu.pages()
    writeFileSync(join(folder, 'plan.md'), file(folder, 'plan.md').replace('Ship in May.', 'Ship in June (folder).'))
    const before = new Date(Date.now() - 5000) // saved 5 s ago: Notion's edit below is the later one
    utimesSync(join(folder, 'plan.md'), before, before)
    await notion('pages.writeMarkdown', { pageId: page!.id, markdown: 'Ship in July (Notion).\n' })
    const r = await runtime.syncs.run('kb')
    expect(r.conflicts).toBe(1)
    const text = file(folder, 'plan.md')
    expect(text.split(CONFLICT_HEADING).length - 1).toBe(1)
    expect(text).toContain('Ship in July (Notion).')
    expect(text).toContain('Ship in June (folder).')
    expect(text.indexOf('Ship in July (Notion).')).toBeLessThan(text.indexOf(CONFLICT_HEADING))
    const notionText = (await notion('pages.readMarkdown', { pageId: page!.id })).markdown as string
    expect(notionText).toContain('Ship in June (folder).')
    expect(notionText.split(CONFLICT_HEADING).length - 1).toBe(1)
    const conflicts = await runtime.hub.store.sync.listConflicts('kb')
    expect(conflicts).toHaveLength(1)
    expect(conflicts[0]).toMatchObject({ field: 'body ↔ body', winner: 'b' })
    // settled: the next pass writes nothing and adds no second marker
    const again = await runtime.syncs.run('kb')
    expect(again.runs.started).toBe(0)
    expect(file(folder, 'plan.md')).toBe(text)
  })

  it("never exceeds Notion's average of 3 requests per second (measured at the emulator)", async () => {
    const { folder, runtime, emu } = await setup()
    for (let i = 0; i < 8; i++) writeFileSync(join(folder, `note-${i}.md`), `---\ntitle: Note ${i}\n---\n\n${'Paragraph.\n\n'.repeat(3)}`)
    const r = await runtime.syncs.run('kb')
    // the 8 creates are one write run; the writes the limiter held back wait inside it
    expect(r.runs).toMatchObject({ started: 1, succeeded: 1 })
    expect(r.writes.b.create).toBe(8)
    await runtime.syncs.run('kb')
    const reqs = syncRequests(emu)
    if (process.env.SHOW_REQ) {
      const t0 = reqs[0]!.receivedAt
      console.log(reqs.map((q) => `${q.receivedAt - t0} ${q.status} ${q.method} ${q.path} ${q.headers['idempotency-key']}`).join('\n'))
    }
    expect(reqs.filter((q) => q.status === 429)).toEqual([])
    const times = reqs.map((q) => q.receivedAt).sort((x, y) => x - y)
    const most = (windowMs: number) => {
      let n = 0
      for (let i = 0, j = 0; i < times.length; i++) {
        while (times[i]! - times[j]! >= windowMs) j++
        n = Math.max(n, i - j + 1)
      }
      return n
    }
    const seconds = (times.at(-1)! - times[0]!) / 1000
    expect(times.length).toBeGreaterThan(24)
    // the average over the whole sync, and over every 3-second window, stays at 3 per second
    expect(times.length / Math.max(seconds, 1)).toBeLessThanOrEqual(3)
    expect(most(3000)).toBeLessThanOrEqual(9)
    console.log(`notion requests: ${times.length} in ${seconds.toFixed(1)} s; most in any 1 s: ${most(1000)}, in any 3 s: ${most(3000)}`)
  })
})
