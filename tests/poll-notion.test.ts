/**
 * `trigger: poll` over a Notion data source, through the real poller and gateway against the
 * Notion emulator: the first poll backfills every page (properties and content as markdown) in
 * pages of the poll's size, a poll with nothing new starts nothing (the 60 s look-back reads the
 * last pages again; their delivery ids are already taken), and an edit made in Notion starts one
 * run with the new values.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { notionConnector } from '../src/connectors/notion/connector.js'
import { type NotionEmulator, notionEmulator } from '../src/connectors/notion/emulator.js'
import { poll } from '../src/pipeline/define.js'
import { createRuntime, type Runtime } from '../src/runtime.js'
import type { PolledRecord } from '../src/triggers/poll.js'
import { makeActionContext } from './conformance/connector-suite.js'
import { compile, eventually } from './helpers/engine.js'
import { LOOPBACK_ALLOWED } from './helpers/net.js'

const DB = '3b8f0000-0000-4000-8000-0000000000db'
const DS = '3b8f0000-0000-4000-8000-0000000000d5'

let rt: Runtime | undefined
let emu: NotionEmulator | undefined
let dir = ''
const seen: PolledRecord[] = []
afterEach(async () => {
  await rt?.close(2000)
  await emu?.close()
  rt = undefined
  emu = undefined
  seen.length = 0
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('poll trigger over a Notion data source', () => {
  it('backfills every page with its content, then starts a run only for what changed', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pw-poll-notion-'))
    // the emulator's per-token limit is not under test here: the person's edits go unpaced
    emu = notionEmulator({
      burst: 1000,
      databases: {
        [DB]: {
          title: 'Ideas',
          dataSources: { [DS]: { name: 'Ideas', properties: { Name: { type: 'title' }, Score: { type: 'number' } } } },
        },
      },
    })
    const url = await emu.listen()
    const conn = notionConnector.connection.parse({ token: 'ntn_person', baseUrl: url })
    const notion = (action: string, input: unknown) => {
      const a = notionConnector.actions[action]!
      return a.run(a.input ? a.input.parse(input) : input, makeActionContext(conn, `notion.${action}`)) as Promise<any>
    }
    const made: string[] = []
    for (let i = 0; i < 12; i++)
      made.push(
        (await notion('records.write', { dataSourceId: DS, fields: { Name: `Idea ${i}`, Score: i, body: `Idea number **${i}**.\n` } })).id,
      )

    rt = await createRuntime({
      cwd: dir,
      env: {},
      pipelines: [
        compile({
          id: 'ideas',
          trigger: poll({ source: `notion:${DS}`, every: '1h', pageSize: 5 }),
          steps: [
            {
              id: 'record',
              code: ({ event }: any) => {
                seen.push(event)
                return { id: event.id }
              },
            },
          ],
        }),
      ],
      connections: { notion: { default: { token: 'ntn_poller', baseUrl: url } } },
      allowPrivateNetwork: LOOPBACK_ALLOWED,
      databaseUrl: `sqlite:${join(dir, 'pw.db')}`,
      scheduler: false,
      logLevel: 'silent',
    })
    const done = (n: number) =>
      eventually(async () => ((await rt!.hub.store.countRuns({ pipelineId: 'ideas' })).succeeded === n ? true : null), 30_000)

    const first = await rt.poller.poll('ideas')
    expect(first).toMatchObject({ read: 12, started: 12, duplicates: 0 })
    await done(12)
    expect(new Set(seen.map((e) => e.id))).toEqual(new Set(made))
    const three = seen.find((e) => e.id === made[3])!
    expect(three).toMatchObject({ source: `notion:default/${DS}`, deleted: false, fields: { Name: 'Idea 3', Score: 3 } })
    expect(three.fields.body).toBe('Idea number **3**.\n')
    // read in pages of 5: three queries of the data source
    const queries = emu.requests().filter((r) => r.method === 'POST' && r.path === `/v1/data_sources/${DS}/query`)
    expect(queries.length).toBeGreaterThanOrEqual(3)

    const again = await rt.poller.poll('ideas')
    expect(again.started).toBe(0)

    await notion('records.write', { dataSourceId: DS, pageId: made[7], fields: { Score: 70 } })
    const changed = await rt.poller.poll('ideas')
    expect(changed.started).toBe(1)
    await done(13)
    expect(seen[12]).toMatchObject({ id: made[7], fields: { Name: 'Idea 7', Score: 70 } })
  })
})
