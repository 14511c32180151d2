/**
 * `pipewright pause | resume <sync>` through the real binary (dist/, built by `npm test`'s
 * pretest) on a real SQLite file, and `sync run` of the paused sync in-process (the `memory`
 * connector added: the binary cannot reach in-memory tables of another process).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { syncRun } from '../src/cli/commands/sync.js'
import { MemoryTable, memoryConnector } from '../src/sync/sides/memory.js'
import { recordingIo, runBinary } from './helpers/cli.js'
import { tempDir } from './helpers/engine.js'

const SYNC = `id: people
sides:
  a: { side: "memory:crm", matchKeys: [email] }
  b: { side: "memory:hub", matchKeys: [email] }
match: { a: email, b: email, normalize: email }
fields:
  - { a: email, b: email, owner: a }
  - { a: name, b: fullname, owner: a }
schedule: { every: 1h, repair: false }
`

let tmp: ReturnType<typeof tempDir>
const tables = { crm: new MemoryTable('crm', { now: Date.now }), hub: new MemoryTable('hub', { now: Date.now }) }
let db: string

const bin = (args: string[]) => runBinary(tmp.dir, args, { PIPEWRIGHT_DATABASE_URL: db, PIPEWRIGHT_ACTOR: 'ann' })

const memory = () => ({ connectors: [memoryConnector(tables)], connections: { memory: { default: {} } } })
const io = () => recordingIo(tmp.dir, { PIPEWRIGHT_DATABASE_URL: db })

beforeAll(() => {
  tmp = tempDir('pw-cli-sync-pause-')
  mkdirSync(join(tmp.dir, 'syncs'))
  writeFileSync(join(tmp.dir, 'syncs', 'people.yaml'), SYNC)
  db = `sqlite:${join(tmp.dir, 'pw.db')}`
})
afterAll(() => tmp.cleanup())

describe('pipewright pause | resume <sync>', () => {
  it('pauses a sync by its name; sync run refuses it (exit 1) unless --force; resume lets it run; audited', async () => {
    tables.crm.put({ email: 'ann@acme.com', name: 'Ann' })
    const paused = await bin(['pause', 'people', '--reason', 'CRM migration'])
    expect(paused.stderr).toBe('')
    expect(paused.code).toBe(0)
    expect(paused.stdout).toContain('paused sync people: no pass runs until `pipewright resume people`')
    expect((await bin(['pause', 'people'])).stdout).toContain('sync people was already paused (by cli:ann at ')
    const list = await bin(['paused', '--json'])
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ kind: 'sync', id: 'people', pausedBy: 'cli:ann', reason: 'CRM migration' }),
    ])

    const refused = io()
    expect(await syncRun(refused, 'people', {}, memory())).toBe(1)
    expect(refused.stderr.join('\n')).toContain('sync people is paused; `pipewright resume people` resumes it (or run with --force)')
    expect(tables.hub.writes).toHaveLength(0)

    const forced = io()
    expect(await syncRun(forced, 'people', { force: true }, memory())).toBe(0)
    expect(tables.hub.find('email', 'ann@acme.com')).toHaveLength(1)

    const resumed = await bin(['resume', 'people'])
    expect(resumed.code).toBe(0)
    expect(resumed.stdout).toContain('resumed sync people')
    tables.crm.put({ email: 'bob@acme.com', name: 'Bob' })
    expect(await syncRun(io(), 'people', {}, memory())).toBe(0)
    expect(tables.hub.find('email', 'bob@acme.com')).toHaveLength(1)

    const audit = await bin(['audit', '--target', 'sync:', '--json'])
    expect(JSON.parse(audit.stdout).map((e: any) => [e.actor, e.action, e.target])).toEqual([
      ['cli:ann', 'resume', 'sync:people'],
      ['cli:ann', 'pause', 'sync:people'],
    ])
  }, 240_000)

  it('pause --sync refuses a name that is no loaded sync; a name that is no sync stays a pipeline', async () => {
    const typo = await bin(['pause', 'peple', '--sync'])
    expect(typo.code).not.toBe(0)
    expect(typo.stderr).toContain('no sync "peple"; loaded: people')
    // a pipeline name keeps its behaviour: no pipelines directory, so it is paused unchecked as a pipeline
    const pipeline = await bin(['pause', 'leads', '--json'])
    expect(pipeline.code).toBe(0)
    expect(JSON.parse(pipeline.stdout)).toMatchObject({ pipeline: 'leads', paused: true, changed: true })
  }, 120_000)
})
