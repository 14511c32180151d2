/**
 * Drift repair: a periodic full comparison of both sides finds what incremental reads missed —
 * a change made behind the cursor's back (no new modification time), a record inserted with an
 * old time, a hard delete with no tombstone — fixes it, and says what it fixed in the pass
 * report and in the sync's status.
 */
import { rmSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { LAST_REPAIR_NS, syncStatus } from '../../src/sync/status.js'
import { eventually } from '../helpers/engine.js'
import { type MemoryHarness, memoryHarness, people } from './helpers.js'

let h: MemoryHarness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

describe('drift repair', () => {
  it('finds and fixes a change made behind the cursor, and reports it', async () => {
    h = await memoryHarness([people()], ['crm', 'hub'])
    const { crm, hub } = h.tables
    const ann = crm!.put({ email: 'ann@acme.com', name: 'Ann', plan: 'pro' })
    crm!.put({ email: 'bob@acme.com', name: 'Bob', plan: 'free' })
    await h.runtime.syncs.run('people')
    await h.runtime.syncs.run('people') // reads its own creates back (echoes): the cursors are past everything
    const annB = hub!.find('email', 'ann@acme.com')[0]!.id
    const writesBefore = hub!.writes.length

    // A bulk UPDATE that left updated_at alone: the change feed never reports it.
    crm!.quietly.patch(ann, { name: 'Ann Smith', plan: 'enterprise' })
    const incremental = await h.runtime.syncs.run('people')
    expect(incremental.read).toEqual({ a: 0, b: 0 })
    expect(incremental.runs.started).toBe(0)
    expect(hub!.read(annB)).toMatchObject({ fullname: 'Ann', plan: 'pro' })

    const plan = await h.runtime.syncs.plan('people', { mode: 'repair' })
    expect(plan.repaired).toBe(1)
    expect(hub!.writes.length).toBe(writesBefore) // the plan wrote nothing

    const repair = await h.runtime.syncs.run('people', { mode: 'repair' })
    expect(repair.mode).toBe('repair')
    expect(repair.read).toEqual({ a: 2, b: 2 })
    expect(repair.repaired).toBe(1)
    expect(repair.fixed).toEqual([
      { linkId: expect.any(String), kind: 'fields', a: ann, b: annB, fields: { b: expect.arrayContaining(['fullname', 'plan']) } },
    ])
    expect(repair.runs).toMatchObject({ started: 1, succeeded: 1, dead: 0 })
    expect(hub!.read(annB)).toMatchObject({ fullname: 'Ann Smith', plan: 'enterprise' })
    expect(hub!.writes.length).toBe(writesBefore + 1) // exactly the one record out of step

    // In step now: the next repair fixes nothing and writes nothing.
    const again = await h.runtime.syncs.run('people', { mode: 'repair' })
    expect(again.repaired).toBe(0)
    expect(again.fixed).toEqual([])
    expect(again.runs.started).toBe(0)

    const status = await syncStatus(h.runtime.hub.store, h.runtime.syncs.get('people'), Date.now())
    expect(status.lastRepair).toMatchObject({ mode: 'repair', repaired: 0 })
    expect(status.lastPass).toMatchObject({ mode: 'repair' })
  })

  it('finds a record inserted behind the cursor and a deletion that left no tombstone', async () => {
    h = await memoryHarness([people({ deletes: 'propagate' })], ['crm', 'hub'])
    const { crm, hub } = h.tables
    crm!.put({ email: 'ann@acme.com', name: 'Ann' })
    const bob = crm!.put({ email: 'bob@acme.com', name: 'Bob' })
    await h.runtime.syncs.run('people')
    const bobB = hub!.find('email', 'bob@acme.com')[0]!.id

    const cy = crm!.quietly.put({ email: 'cy@acme.com', name: 'Cy', plan: 'pro' }) // restored from a backup, old time
    crm!.quietly.remove(bob) // a hard delete
    expect((await h.runtime.syncs.run('people')).runs.started).toBe(0)
    expect(hub!.find('email', 'cy@acme.com')).toHaveLength(0)

    const repair = await h.runtime.syncs.run('people', { mode: 'repair' })
    expect(repair.repaired).toBe(2)
    expect(repair.fixed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'missing', a: cy, b: null, fields: { b: expect.arrayContaining(['email', 'fullname', 'plan']) } }),
        expect.objectContaining({ kind: 'gone', a: bob, b: bobB }),
      ]),
    )
    expect(repair.runs).toMatchObject({ succeeded: 2, dead: 0 })
    expect(hub!.find('email', 'cy@acme.com')[0]?.fields).toMatchObject({ fullname: 'Cy', plan: 'pro' })
    expect(hub!.read(bobB)).toBeUndefined()
    // Found once: the created record is linked now, the deleted link ended.
    const again = await h.runtime.syncs.run('people', { mode: 'repair' })
    expect(again.repaired).toBe(0)
    expect(again.runs.started).toBe(0)
  })

  it('runs on its own when due, also right after a restart; a new sync counts from its first start', async () => {
    const hourly = () => people({ schedule: { every: '1h', repair: '1h' } })
    h = await memoryHarness([hourly()], ['crm', 'hub'], { scheduler: true, keepDir: true })
    const { tables, dir } = h
    const store = () => h!.runtime.hub.store
    // A new sync: its first start sets the baseline; the first repair is due an hour later.
    await eventually(async () => (await store().getKey(LAST_REPAIR_NS, 'people', Date.now())) !== null, 30_000)
    const fresh = await syncStatus(store(), h.runtime.syncs.get('people'), Date.now())
    expect(fresh.lastRepair).toBeNull()
    expect(fresh.nextRepairAt! - Date.now()).toBeGreaterThan(50 * 60_000)

    const ann = tables.crm!.put({ email: 'ann@acme.com', name: 'Ann', plan: 'pro' })
    await h.runtime.syncs.run('people')
    const annB = tables.hub!.find('email', 'ann@acme.com')[0]!.id
    tables.crm!.quietly.patch(ann, { plan: 'enterprise' })
    // The last repair was two hours ago: due. A restart must not postpone it.
    await store().setKey(LAST_REPAIR_NS, 'people', Date.now() - 2 * 3_600_000, Date.now())
    await h.close()
    h = await memoryHarness([hourly()], tables, { scheduler: true, dir, keepDir: true })
    try {
      const status = await (async () => {
        let s: Awaited<ReturnType<typeof syncStatus>> | undefined
        await eventually(async () => {
          s = await syncStatus(store(), h!.runtime.syncs.get('people'), Date.now())
          return s.lastRepair !== null
        }, 30_000)
        return s!
      })()
      expect(status.lastRepair).toMatchObject({
        mode: 'repair',
        repaired: 1,
        fixed: [{ kind: 'fields', a: ann, b: annB, fields: { b: ['plan'] } }],
      })
      expect(tables.hub!.read(annB)?.plan).toBe('enterprise')
      expect(status.nextRepairAt! - Date.now()).toBeGreaterThan(50 * 60_000)
    } finally {
      await h.close()
      h = undefined
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
