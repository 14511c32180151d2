import { cpSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRuntime, type Runtime } from 'pipewright'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { notionConnector } from '../../src/connectors/notion/connector.js'
import { type NotionEmulator, notionEmulator } from '../../src/connectors/notion/emulator.js'
import { compileSync } from '../../src/sync/compile.js'
import knowledge from './syncs/knowledge.js'

const DB = '3b000000-0000-4000-8000-0000000000db'
const DS = '3b000000-0000-4000-8000-0000000000d5'
const here = fileURLToPath(new URL('.', import.meta.url))

let dir: string
let emu: NotionEmulator
let rt: Runtime
let notion: (action: string, input: unknown) => Promise<any>

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-recipe-kb-'))
  cpSync(join(here, 'knowledge'), join(dir, 'knowledge'), { recursive: true })
  emu = notionEmulator({
    databases: {
      [DB]: {
        title: 'Knowledge',
        dataSources: { [DS]: { name: 'Knowledge', properties: { Name: { type: 'title' }, Tags: { type: 'multi_select' } } } },
      },
    },
  })
  const url = await emu.listen()
  const env = { KNOWLEDGE_FOLDER_SIDE: `folder:${join(dir, 'knowledge')}`, KNOWLEDGE_NOTION_SIDE: `notion:kb/${DS}` }
  rt = await createRuntime({
    cwd: dir,
    env,
    pipelines: [],
    syncs: [compileSync(knowledge, { format: 'ts', env })],
    connections: { notion: { kb: { token: 'ntn_recipe', baseUrl: url } } },
    allowPrivateNetwork: ['127.0.0.0/8', 'localhost'],
    databaseUrl: 'sqlite::memory:',
    scheduler: false,
    logLevel: 'silent',
  })
  // a person editing Notion (another integration token)
  const conn = notionConnector.connection.parse({ token: 'ntn_person', baseUrl: url })
  const { makeActionContext } = await import('../../tests/conformance/connector-suite.js')
  notion = (action, input) => {
    const a = notionConnector.actions[action]!
    // the person's requests are spaced too (their own token has Notion's limit as well)
    const ctx = {
      ...makeActionContext(conn, `notion.${action}`),
      pace: <T>(f: () => Promise<T>) => new Promise((r) => setTimeout(r, 400)).then(f),
    }
    return a.run(a.input ? a.input.parse(input) : input, ctx) as Promise<any>
  }
})
afterAll(async () => {
  await rt?.close(3000)
  await emu?.close()
  rmSync(dir, { recursive: true, force: true })
})

const file = (name: string) => readFileSync(join(dir, 'knowledge', name), 'utf8')

describe('recipe: folder ↔ Notion knowledge sync', () => {
  it('publishes the folder to Notion, brings a Notion edit back, and keeps both sides of a conflict', async () => {
    const first = await rt.syncs.run('knowledge')
    expect(first.runs).toMatchObject({ started: 1, succeeded: 1, dead: 0 })
    const [page] = emu.pages()
    expect(page!.properties.Tags).toMatchObject({ multi_select: [expect.objectContaining({ name: 'people' })] })
    const body = (await notion('pages.readMarkdown', { pageId: page!.id })).markdown as string
    expect(body).toBe(file('onboarding.md').replace(/^---[\s\S]*?---\n\n/, ''))
    expect(file('onboarding.md')).toMatch(/pw_id: doc_/)

    // a Notion edit comes back to the file
    await notion('pages.writeMarkdown', { pageId: page!.id, markdown: `${body}\nAsk in #help when stuck.\n` })
    await rt.syncs.run('knowledge')
    expect(file('onboarding.md')).toContain('Ask in #help when stuck.')

    // both changed: the later (Notion) wins, the file's edit is kept below a conflict heading
    const path = join(dir, 'knowledge', 'onboarding.md')
    writeFileSync(path, file('onboarding.md').replace('first week', 'first month'))
    const before = new Date(Date.now() - 5000) // the file was saved 5 s ago: beyond the 2 s tie window
    utimesSync(path, before, before)
    await notion('pages.writeMarkdown', { pageId: page!.id, markdown: 'Rewritten in Notion.\n' })
    const r = await rt.syncs.run('knowledge')
    expect(r.conflicts).toBe(1)
    const text = file('onboarding.md')
    expect(text).toMatch(/Rewritten in Notion\.[\s\S]*## Sync conflict: the folder version[\s\S]*first month/)
    expect((await rt.hub.store.sync.listConflicts('knowledge'))[0]).toMatchObject({ field: 'body ↔ body', winner: 'b' })
    expect((await rt.syncs.run('knowledge')).runs.started).toBe(0)
  })
})
