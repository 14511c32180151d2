/**
 * `pipewright sync list | status | conflicts | plan | run`: the store-only commands through the
 * real binary (dist/, built by `npm test`'s pretest) on a real SQLite file a sync has written;
 * `plan` and `run` in-process with the `memory` connector added (a provider the binary cannot
 * reach from another process), and their errors through the binary.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { syncList, syncPlan, syncRun } from '../src/cli/commands/sync.js'
import { loadSyncs } from '../src/sync/load.js'
import { MemoryTable, memoryConnector } from '../src/sync/sides/memory.js'
import { recordingIo } from './helpers/cli.js'
import { tempDir } from './helpers/engine.js'
import { LOOPBACK_ENV } from './helpers/net.js'
import { BIN } from './helpers/process.js'

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
function bin(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: tmp.dir,
        env: { ...process.env, ...LOOPBACK_ENV, PIPEWRIGHT_DATABASE_URL: db, PIPEWRIGHT_LOG_LEVEL: 'warn' },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
  })
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
