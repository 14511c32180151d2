/**
 * `pipewright sync list | status | conflicts | plan | run` and `validate` with syncs, through the
 * real binary (dist/, built by `npm test`'s pretest) on a real SQLite file: plan/run/repair over
 * two real Postgres tables; list/status/conflicts over state a sync over in-memory tables wrote
 * (plan and run of that one in-process, with the `memory` connector added: the binary cannot
 * reach in-memory tables of another process).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { syncList, syncPlan, syncRun } from '../src/cli/commands/sync.js'
import { loadSyncs } from '../src/sync/load.js'
import { MemoryTable, memoryConnector } from '../src/sync/sides/memory.js'
import { recordingIo, runBinary } from './helpers/cli.js'
import { tempDir } from './helpers/engine.js'

const SYNC = `id: people
description: CRM customers and hub contacts
sides:
  a: { side: "memory:crm", matchKeys: [email] }
  b: { side: "memory:hub", matchKeys: [email] }
match: { a: email, b: email, normalize: email }
fields:
  - { a: email, b: email, owner: a }
  - { a: name, b: fullname, owner: b }
  - { a: plan, b: plan, direction: a-to-b }
  - { a: phone, b: phone }
schedule: { every: 1h, repair: 24h }
`

let tmp: ReturnType<typeof tempDir>
const tables = { crm: new MemoryTable('crm', { now: Date.now }), hub: new MemoryTable('hub', { now: Date.now }) }
let db: string

/** Run the real binary to its end. */
const bin = (args: string[]) => binWith(args, {})

function binWith(args: string[], env: Record<string, string>) {
  return runBinary(tmp.dir, args, { PIPEWRIGHT_DATABASE_URL: db, ...env })
}

const memory = () => ({ connectors: [memoryConnector(tables)], connections: { memory: { default: {} } } })
const io = () => recordingIo(tmp.dir, { PIPEWRIGHT_DATABASE_URL: db })

beforeAll(() => {
  tmp = tempDir('pw-cli-sync-')
  mkdirSync(join(tmp.dir, 'syncs'))
  writeFileSync(join(tmp.dir, 'syncs', 'people.yaml'), SYNC)
  db = `sqlite:${join(tmp.dir, 'pw.db')}`
})
afterAll(() => tmp.cleanup())

describe('pipewright sync', () => {
  it('plan lists the creates per side and writes nothing; run writes them; the binary shows status, list and conflicts', async () => {
    const ann = tables.crm.put({ email: 'ann@acme.com', name: 'Ann', plan: 'pro' })
    tables.hub.put({ email: 'bob@acme.com', fullname: 'Bob' })

    const plan = io()
    expect(await syncPlan(plan, 'people', {}, memory())).toBe(0)
    const text = plan.stdout.join('\n')
    expect(text).toContain('plan of sync people: incremental pass — nothing was written')
    expect(text).toContain('side a (memory:default/crm): 1 to create, 0 to update, 0 to delete, 0 to archive')
    expect(text).toContain('side b (memory:default/hub): 1 to create, 0 to update, 0 to delete, 0 to archive')
    expect(text).toMatch(/b\s+create\s+\(new\)\s+\{"email":"ann@acme.com","fullname":"Ann","plan":"pro"\}/)
    expect(tables.hub.writes).toHaveLength(0)
    const planJson = io()
    expect(await syncPlan(planJson, 'people', { json: true }, memory())).toBe(0)
    expect(JSON.parse(planJson.stdout.join(''))).toMatchObject({ dryRun: true, writes: { a: { create: 1 }, b: { create: 1 } } })

    // Nothing recorded by the plans: the binary sees no links and no pass.
    const before = await bin(['sync', 'status', 'people', '--json'])
    expect(before.code).toBe(0)
    expect(JSON.parse(before.stdout)).toMatchObject({ links: { linked: 0, unmatched: 0 }, lastPass: null, cursors: { a: null, b: null } })

    const run = io()
    expect(await syncRun(run, 'people', {}, memory())).toBe(0)
    expect(run.stdout.join('\n')).toContain('runs: 2 started, 2 succeeded, 0 dead, 0 pending')
    expect(tables.hub.find('email', 'ann@acme.com')).toHaveLength(1)

    // A conflict: both sides change the name; b owns it.
    const annB = tables.hub.find('email', 'ann@acme.com')[0]!.id
    tables.crm.patch(ann, { name: 'Ann (crm)' })
    tables.hub.patch(annB, { fullname: 'Ann (hub)' })
    const second = io()
    expect(await syncRun(second, 'people', { json: true }, memory())).toBe(0)
    expect(JSON.parse(second.stdout.join(''))).toMatchObject({ conflicts: 1, runs: { dead: 0 } })

    const status = await bin(['sync', 'status', 'people'])
    expect(status.code).toBe(0)
    expect(status.stdout).toContain('sync people: memory:default/crm (a) ↔ memory:default/hub (b) — CRM customers and hub contacts')
    expect(status.stdout).toContain('polls every 1h; drift repair every 24h')
    expect(status.stdout).toContain('links: 2 linked, 0 unmatched, 0 ambiguous, 0 ended by a deletion')
    expect(status.stdout).toContain('conflicts: 1')
    expect(status.stdout).toMatch(/last pass: \d{4}-\d\d-\d\dT[\d:]+Z \(incremental\)/)
    expect(status.stdout).toContain('last drift repair: never')
    // phone has direction both and no owner: the warning names it
    expect(status.stdout).toContain('warning: ')
    expect(status.stdout).toContain('phone ↔ phone')

    const list = await bin(['sync', 'list'])
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(/^ID\s+A\s+B\s+EVERY\s+REPAIR\s+LINKED\s+UNMATCHED\s+AMBIGUOUS\s+PENDING\s+CONFLICTS\s+LAST PASS/m)
    expect(list.stdout).toMatch(/^people\s+memory:default\/crm\s+memory:default\/hub\s+1h\s+24h\s+2\s+0\s+0\s+0\s+1\s+\d{4}-/m)
    const listJson = await bin(['sync', 'list', '--json'])
    expect(JSON.parse(listJson.stdout).syncs).toEqual([
      expect.objectContaining({ id: 'people', conflicts: 1, links: expect.objectContaining({ linked: 2 }) }),
    ])

    const conflicts = await bin(['sync', 'conflicts', 'people'])
    expect(conflicts.code).toBe(0)
    expect(conflicts.stdout).toMatch(/name ↔ fullname\s+Ann \(crm\)\s+Ann \(hub\)\s+b\s+owner b/)
    const cJson = await bin(['sync', 'conflicts', 'people', '--json'])
    expect(JSON.parse(cJson.stdout).conflicts).toEqual([expect.objectContaining({ aValue: 'Ann (crm)', bValue: 'Ann (hub)', winner: 'b' })])
  }, 240_000)

  it('run --repair reports what the drift repair fixed', async () => {
    const ann = tables.crm.find('email', 'ann@acme.com')[0]!.id
    tables.crm.quietly.patch(ann, { plan: 'enterprise' })
    const r = io()
    expect(await syncRun(r, 'people', { repair: true }, memory())).toBe(0)
    const text = r.stdout.join('\n')
    expect(text).toContain('run of sync people: drift repair (full comparison)')
    expect(text).toContain('drift repaired: 1 link(s)')
    expect(text).toMatch(/fields\s+link lnk_\S+ \(a crm-\d+, b hub-\d+\): b plan/)
    const status = await bin(['sync', 'status', 'people', '--json'])
    expect(JSON.parse(status.stdout).lastRepair).toMatchObject({ mode: 'repair', repaired: 1 })
  }, 120_000)

  it('names the sync that does not exist, the definition problems, and an empty project', async () => {
    const missing = await bin(['sync', 'status', 'nope'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('no sync "nope"; loaded: people')
    expect((await bin(['sync', 'plan', 'nope'])).code).toBe(2)

    writeFileSync(
      join(tmp.dir, 'syncs', 'bad.yaml'),
      'id: bad\nsides: { a: "memory:x", b: "nosuch:y/z" }\nmatch: { a: email, b: email }\nfields: []\n',
    )
    try {
      const bad = await bin(['sync', 'list'])
      expect(bad.code).toBe(1)
      expect(bad.stderr).toContain('problems in the syncs')
      expect(bad.stderr).toContain('unknown side kind "nosuch"')
      expect(bad.stderr).toContain('fields must be a non-empty list')
    } finally {
      const { rmSync } = await import('node:fs')
      rmSync(join(tmp.dir, 'syncs', 'bad.yaml'))
    }
    expect(await loadSyncs(join(tmp.dir, 'syncs'))).toHaveLength(1)

    const empty = recordingIo(tmp.dir, { PIPEWRIGHT_DATABASE_URL: db })
    expect(await syncList(empty, { syncs: 'nowhere' })).toBe(0)
    expect(empty.stdout.join('\n')).toContain('no syncs in')
  }, 240_000)
})

describe('pipewright validate with syncs', () => {
  it('checks syncs/ too: valid ones are named, warnings name the field, problems fail', async () => {
    const ok = recordingIo(tmp.dir)
    const { main } = await import('../src/cli/main.js')
    expect(await main(['validate'], ok)).toBe(0)
    expect(ok.stdout.join('\n')).toMatch(/0 pipelines valid: \(none\); 1 sync valid: people@[0-9a-f]+/)
    expect(ok.stderr.join('\n')).toContain('syncs/people.yaml, sync people, field fields[3].owner: both sides own field phone ↔ phone')
    writeFileSync(
      join(tmp.dir, 'syncs', 'worse.yaml'),
      SYNC.replace('id: people', 'id: worse').replace('{ a: phone, b: phone }', '{ a: phone, b: phone, direction: a-to-b, owner: b }'),
    )
    try {
      const bad = recordingIo(tmp.dir)
      expect(await main(['validate', '--json'], bad)).toBe(1)
      const out = JSON.parse(bad.stdout.join(''))
      expect(out.ok).toBe(false)
      expect(out.problems).toEqual([expect.objectContaining({ file: 'syncs/worse.yaml', sync: 'worse', field: 'fields[3].owner' })])
    } finally {
      const { rmSync } = await import('node:fs')
      rmSync(join(tmp.dir, 'syncs', 'worse.yaml'))
    }
  })
})

describe('pipewright sync plan | run through the binary, Postgres tables as sides', () => {
  const PG = 'postgres://postgres@127.0.0.1:5432/test'
  const SCHEMA = 'pw_i19c_cli'
  let pool: import('pg').Pool
  const pgBin = (args: string[]) => binWith(args, { POSTGRES_URL: PG })

  beforeAll(async () => {
    const pg = (await import('pg')).default
    pool = new pg.Pool({ connectionString: PG, max: 1 })
    await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA};
      CREATE TABLE ${SCHEMA}.customers (customer_id serial PRIMARY KEY, email text UNIQUE NOT NULL, name text, plan text,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp());
      CREATE TABLE ${SCHEMA}.contacts (contact_id serial PRIMARY KEY, email text UNIQUE NOT NULL, fullname text, plan text,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp());
      INSERT INTO ${SCHEMA}.customers (email, name, plan) VALUES ('ann@acme.com', 'Ann', 'pro'), ('bob@acme.com', 'Bob', 'free');`)
    mkdirSync(join(tmp.dir, 'pgsyncs'))
    writeFileSync(
      join(tmp.dir, 'pgsyncs', 'crm.yaml'),
      `id: crm
sides:
  a: { side: "postgres:${SCHEMA}.customers", key: customer_id, matchKeys: [email], settleMs: 0 }
  b: { side: "postgres:${SCHEMA}.contacts", key: contact_id, matchKeys: [email], settleMs: 0 }
match: { a: email, b: email, normalize: email }
create: a-to-b
fields:
  - { a: email, b: email, owner: a }
  - { a: name, b: fullname, owner: a }
  - { a: plan, b: plan, direction: a-to-b }
schedule: { every: 1h, repair: false }
`,
    )
  })
  afterAll(async () => {
    await pool?.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`)
    await pool?.end()
  })
  const contacts = async () => (await pool.query(`SELECT email, fullname, plan FROM ${SCHEMA}.contacts ORDER BY email`)).rows

  it('plans without writing, runs, settles, and a drift repair finds an UPDATE that left updated_at alone', async () => {
    const plan = await pgBin(['sync', 'plan', 'crm', '--syncs', 'pgsyncs'])
    expect(plan.code, plan.stderr).toBe(0)
    expect(plan.stdout).toContain(`side b (postgres:default/${SCHEMA}.contacts): 2 to create, 0 to update, 0 to delete, 0 to archive`)
    expect(plan.stdout).toMatch(/b\s+create\s+\(new\)\s+\{"email":"ann@acme.com","fullname":"Ann","plan":"pro"\}/)
    expect(await contacts()).toEqual([])

    const run = await pgBin(['sync', 'run', 'crm', '--syncs', 'pgsyncs', '--json'])
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout), run.stdout).toMatchObject({
      dryRun: false,
      writes: { b: { create: 2 } },
      runs: { started: 1, succeeded: 1 },
    })
    expect(await contacts()).toEqual([
      { email: 'ann@acme.com', fullname: 'Ann', plan: 'pro' },
      { email: 'bob@acme.com', fullname: 'Bob', plan: 'free' },
    ])
    // Its own writes come back as echoes; then nothing to do.
    for (let i = 0; i < 2; i++) {
      const againRun = await pgBin(['sync', 'run', 'crm', '--syncs', 'pgsyncs', '--json'])
      expect(againRun.code, againRun.stderr).toBe(0)
      const again = JSON.parse(againRun.stdout)
      expect(again.runs.started).toBe(0)
    }

    await pool.query(`UPDATE ${SCHEMA}.customers SET plan = 'enterprise' WHERE email = 'ann@acme.com'`) // updated_at untouched
    const missed = JSON.parse((await pgBin(['sync', 'run', 'crm', '--syncs', 'pgsyncs', '--json'])).stdout)
    expect(missed.read.a).toBe(0)
    expect(missed.runs.started).toBe(0)
    const repairPlan = await pgBin(['sync', 'plan', 'crm', '--syncs', 'pgsyncs', '--repair'])
    expect(repairPlan.stdout).toContain('drift repaired: 1 link(s)')
    expect((await contacts())[0].plan).toBe('pro')
    const repair = await pgBin(['sync', 'run', 'crm', '--syncs', 'pgsyncs', '--repair'])
    expect(repair.code, repair.stderr).toBe(0)
    expect(repair.stdout).toMatch(/fields\s+link lnk_\S+ \(a \d+, b \d+\): b plan/)
    expect((await contacts())[0].plan).toBe('enterprise')
    const statusText = await pgBin(['sync', 'status', 'crm', '--syncs', 'pgsyncs'])
    expect(statusText.stdout).toMatch(/last drift repair: .*\(repair\).*, 1 fixed\n\s+fields\s+link lnk_\S+ \(a \d+, b \d+\): b plan/)
    const status = JSON.parse((await pgBin(['sync', 'status', 'crm', '--syncs', 'pgsyncs', '--json'])).stdout)
    expect(status).toMatchObject({
      links: { linked: 2 },
      lastRepair: { repaired: 1, fixed: [{ kind: 'fields', fields: { b: ['plan'] } }] },
    })
  }, 300_000)
})
