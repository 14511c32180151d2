/**
 * The Airtable side and record source against the Airtable emulator through the real runtime
 * (store, gateway, connector): a `trigger: poll` pipeline on a table backfills across offset
 * pages, then starts runs only for changed records, and resumes from its stored cursor after a
 * restart; a sync between a memory table and an Airtable table converges both ways, writing in
 * batches of 10.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Airtable from 'airtable'
import { afterEach, describe, expect, it } from 'vitest'
import { type AirtableEmulator, airtableEmulator } from '../../src/connectors/airtable/emulator.js'
import { systemClock } from '../../src/engine/clock.js'
import { poll } from '../../src/pipeline/define.js'
import type { PipelineDefinition } from '../../src/pipeline/types.js'
import { createRuntime, type Runtime } from '../../src/runtime.js'
import { compileSync } from '../../src/sync/compile.js'
import { MemoryTable, memoryConnector } from '../../src/sync/sides/memory.js'
import type { SyncDefinition } from '../../src/sync/types.js'
import type { PolledRecord } from '../../src/triggers/poll.js'
import { compile, eventually } from '../helpers/engine.js'
import { LOOPBACK_ALLOWED } from '../helpers/net.js'

let emu: AirtableEmulator
let runtime: Runtime | null = null
let dir: string
/** The emulator's clock: every write stamps the record's modification time with it. */
let now = Date.parse('2026-03-01T10:00:00.000Z')
const seen: PolledRecord[] = []

const fields = {
  Name: { type: 'text' as const },
  Email: { type: 'text' as const },
  Score: { type: 'number' as const },
  'Last Modified': { type: 'lastModifiedTime' as const },
}

async function startEmulator() {
  emu = airtableEmulator({ clock: { now: () => now }, perBase: 10_000, perToken: 10_000, bases: { appOPS: { Leads: { fields } } } })
  await emu.listen()
  dir = mkdtempSync(join(tmpdir(), 'pw-atside-'))
  return new Airtable({ apiKey: 'pat-test', endpointUrl: emu.url, noRetryIfRateLimited: true }).base('appOPS')('Leads')
}

async function start(opts: { pipelines?: PipelineDefinition[]; defs?: SyncDefinition[]; tables?: Record<string, MemoryTable> } = {}) {
  runtime = await createRuntime({
    cwd: dir,
    env: {},
    pipelines: (opts.pipelines ?? []).map((p) => compile(p)),
    syncs: (opts.defs ?? []).map((d) => compileSync(d, { format: 'ts' })),
    connectors: [memoryConnector(opts.tables ?? {})],
    connections: { memory: { default: {} }, airtable: { ops: { token: 'pat-test', baseUrl: emu.url } } },
    allowPrivateNetwork: LOOPBACK_ALLOWED,
    databaseUrl: `sqlite:${join(dir, 'pw.db')}`,
    scheduler: false,
    logLevel: 'silent',
    clock: systemClock,
  })
  return runtime
}

afterEach(async () => {
  await runtime?.close(3000)
  runtime = null
  await emu?.close()
  rmSync(dir, { recursive: true, force: true })
  seen.length = 0
})

const leads: PipelineDefinition = {
  id: 'leads',
  trigger: poll({ source: 'airtable:ops/Leads', base: 'appOPS', every: '1h', pageSize: 50 }),
  steps: [
    {
      id: 'record',
      code: ({ event }: any) => {
        seen.push(event)
        return { id: event.id }
      },
    },
  ],
}

async function succeeded(rt: Runtime, n: number) {
  return eventually(async () => {
    const c = await rt.hub.store.countRuns({ pipelineId: 'leads' })
    return c.succeeded === n ? c : null
  }, 20_000)
}

describe('trigger: poll on an Airtable table', () => {
  it('backfills across offset pages, then starts runs only for changed records, and resumes after a restart', async () => {
    const table = await startEmulator()
    for (let i = 0; i < 120; i += 10) {
      now += 1000
      await table.create(Array.from({ length: 10 }, (_, j) => ({ fields: { Name: `Lead ${i + j}`, Score: i + j } })))
    }
    let rt = await start({ pipelines: [leads] })
    expect(await rt.poller.poll('leads')).toMatchObject({ read: 120, started: 120, duplicates: 0 })
    await succeeded(rt, 120)
    expect(new Set(seen.map((e) => e.id)).size).toBe(120)
    const lead7 = seen.find((e) => e.fields.Name === 'Lead 7')!
    expect(lead7).toMatchObject({ source: 'airtable:ops/appOPS/Leads', fields: { Name: 'Lead 7', Score: 7 } })
    // three list requests of at most 50 records, following Airtable's offset
    const lists = emu.requests().filter((r) => r.method === 'GET' && r.path === '/v0/appOPS/Leads')
    expect(lists.length).toBe(3)

    // nothing changed: the look-back reads the last second again, and starts nothing
    expect(await rt.poller.poll('leads')).toMatchObject({ started: 0 })
    now += 5000
    await table.update(lead7.id, { Score: 700 })
    await table.create([{ fields: { Name: 'New lead' } }])
    const changes = await rt.poller.poll('leads')
    expect(changes).toMatchObject({ started: 2 })
    expect(changes.read).toBeLessThan(30) // filtered by LAST_MODIFIED_TIME(), not a re-read of the table
    await succeeded(rt, 122)
    expect(seen.slice(120).map((e) => [e.fields.Name, e.fields.Score ?? null])).toEqual([
      ['Lead 7', 700],
      ['New lead', null],
    ])

    await rt.close(3000)
    now += 5000
    await table.update(lead7.id, { Name: 'Lead seven' })
    rt = await start({ pipelines: [leads] })
    expect(await rt.poller.poll('leads')).toMatchObject({ started: 1 })
    await succeeded(rt, 123)
    expect(seen.filter((e) => e.id === lead7.id).map((e) => e.fields.Name)).toEqual(['Lead 7', 'Lead 7', 'Lead seven'])
  }, 60_000)

  it('names the missing base, and a table without its "Last modified time" field', async () => {
    const table = await startEmulator()
    await table.create([{ fields: { Name: 'Ann' } }])
    const noBase = { ...leads, id: 'nobase', trigger: poll({ source: 'airtable:ops/Leads', every: '1h' }) }
    const noField = {
      ...leads,
      id: 'nofield',
      trigger: poll({ source: 'airtable:ops/appOPS/Leads', modifiedField: 'Updated', every: '1h' }),
    }
    const rt = await start({ pipelines: [noBase, noField] })
    await expect(rt.poller.poll('nobase')).rejects.toThrow(/names no base/)
    await expect(rt.poller.poll('nofield')).rejects.toThrow(/no time in field "Updated".*Last modified time/)
    expect(await rt.hub.store.countRuns({ pipelineId: 'nofield' })).toMatchObject({ succeeded: 0 })
  })
})

const leadsSync: SyncDefinition = {
  id: 'leads',
  sides: { a: { side: 'memory:crm', matchKeys: ['email'] }, b: { side: 'airtable:ops/appOPS/Leads', matchKeys: ['Email'] } },
  match: { a: 'email', b: 'Email', normalize: 'email' },
  fields: [
    { a: 'email', b: 'Email', owner: 'a' },
    { a: 'name', b: 'Name', owner: 'latest' },
    { a: 'score', b: 'Score', direction: 'b-to-a' },
  ],
  deletes: 'propagate',
  schedule: { every: '1h', repair: false },
}

describe('airtable:<connection>/<base>/<table> side in a sync', () => {
  it('creates in batches of 10, reads Airtable edits back, and converges', async () => {
    const table = await startEmulator()
    const crm = new MemoryTable('crm', systemClock)
    for (let i = 0; i < 25; i++) crm.put({ email: `user${i}@acme.com`, name: `User ${i}` })
    const rt = await start({ defs: [leadsSync], tables: { crm } })
    const first = await rt.syncs.run('leads')
    expect(first.runs).toMatchObject({ started: 1, succeeded: 1, dead: 0 })
    expect(first.writes.b.create).toBe(25)
    expect(emu.records('appOPS', 'Leads')).toHaveLength(25)
    const writes = emu.requests().filter((r) => r.method === 'PATCH' && r.path === '/v0/appOPS/Leads')
    expect(writes.length).toBeGreaterThanOrEqual(3)
    expect(writes.length).toBeLessThan(25) // batched: not one request per record
    now += 5000
    expect((await rt.syncs.run('leads')).runs.started).toBe(0)

    now += 5000
    const ann = (await table.select({ filterByFormula: "{Email} = 'user7@acme.com'" }).all())[0]!
    await table.update(ann.id, { Name: 'Ann Seven', Score: 42 })
    const back = await rt.syncs.run('leads')
    expect(back.runs).toMatchObject({ started: 1, dead: 0 })
    expect(crm.find('email', 'user7@acme.com')[0]?.fields).toMatchObject({ name: 'Ann Seven', score: 42 })
    now += 5000
    expect((await rt.syncs.run('leads')).runs.started).toBe(0)
    expect(emu.records('appOPS', 'Leads')).toHaveLength(25)

    // deletes: propagate — rows removed in the CRM are deleted in Airtable, in one batched request
    const gone = ['user3@acme.com', 'user4@acme.com', 'user5@acme.com']
    for (const email of gone) crm.remove(crm.find('email', email)[0]!.id)
    const deleted = await rt.syncs.run('leads')
    expect(deleted.runs).toMatchObject({ started: 1, succeeded: 1, dead: 0 })
    expect(deleted.writes.b.delete).toBe(3)
    expect(emu.records('appOPS', 'Leads')).toHaveLength(22)
    expect(emu.records('appOPS', 'Leads').filter((r) => gone.includes(r.fields.Email as string))).toEqual([])
    expect(emu.requests().filter((r) => r.method === 'DELETE').length).toBeLessThan(3)
    now += 5000
    expect((await rt.syncs.run('leads')).runs.started).toBe(0)
  }, 60_000)
})
