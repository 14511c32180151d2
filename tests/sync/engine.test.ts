import { afterEach, describe, expect, it } from 'vitest'
import { type MemoryHarness, memoryHarness, people } from './helpers.js'

let h: MemoryHarness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

describe('sync engine over in-memory sides', () => {
  it('creates records both ways, then a second pass writes nothing (no echo)', async () => {
    h = await memoryHarness([people()], ['crm', 'hub'])
    const { crm, hub } = h.tables
    crm!.put({ email: 'ann@acme.com', name: 'Ann', plan: 'pro', stage: null })
    hub!.put({ email: 'bob@acme.com', fullname: 'Bob', lifecyclestage: 'lead' })
    const first = await h.runtime.syncs.run('people')
    expect(first.writes.b.create).toBe(1)
    expect(first.writes.a.create).toBe(1)
    expect(first.runs).toMatchObject({ started: 2, succeeded: 2, dead: 0 })
    expect(hub!.find('email', 'ann@acme.com')[0]?.fields).toMatchObject({ email: 'ann@acme.com', fullname: 'Ann', plan: 'pro' })
    expect(crm!.find('email', 'bob@acme.com')[0]?.fields).toMatchObject({ email: 'bob@acme.com', name: 'Bob', stage: 'lead' })
    const second = await h.runtime.syncs.run('people')
    expect(second.runs.started).toBe(0)
    expect(second.echoes).toBe(2)
    const third = await h.runtime.syncs.run('people')
    expect(third.read).toEqual({ a: 0, b: 0 })
    expect(await h.runtime.hub.store.sync.countLinks('people')).toMatchObject({ linked: 2 })
  })

  it('propagates a change by direction and ownership', async () => {
    h = await memoryHarness([people()], ['crm', 'hub'])
    const { crm, hub } = h.tables
    const ann = crm!.put({ email: 'ann@acme.com', name: 'Ann', plan: 'pro' })
    await h.runtime.syncs.run('people')
    const annB = hub!.find('email', 'ann@acme.com')[0]!.id
    hub!.patch(annB, { lifecyclestage: 'customer', plan: 'free' }) // plan is a-to-b: b's edit is overwritten
    crm!.patch(ann, { name: 'Ann Smith' })
    const r = await h.runtime.syncs.run('people')
    expect(r.runs.dead).toBe(0)
    expect(crm!.read(ann)).toMatchObject({ stage: 'customer', name: 'Ann Smith', plan: 'pro' })
    expect(hub!.read(annB)).toMatchObject({ fullname: 'Ann Smith', plan: 'pro', lifecyclestage: 'customer' })
    const again = await h.runtime.syncs.run('people')
    expect(again.runs.started).toBe(0)
  })

  it('records a conflict with both values and the winner when both sides changed a field', async () => {
    h = await memoryHarness(
      [
        people({
          fields: [
            { a: 'email', b: 'email', owner: 'a' },
            { a: 'name', b: 'fullname', owner: 'b' },
          ],
        }),
      ],
      ['crm', 'hub'],
    )
    const { crm, hub } = h.tables
    const ann = crm!.put({ email: 'ann@acme.com', name: 'Ann' })
    await h.runtime.syncs.run('people')
    const annB = hub!.find('email', 'ann@acme.com')[0]!.id
    crm!.patch(ann, { name: 'Ann (crm)' })
    hub!.patch(annB, { fullname: 'Ann (hub)' })
    const r = await h.runtime.syncs.run('people')
    expect(r.conflicts).toBe(1)
    expect(crm!.read(ann)?.name).toBe('Ann (hub)')
    const [c] = await h.runtime.hub.store.sync.listConflicts('people')
    expect(c).toMatchObject({ field: 'name ↔ fullname', aValue: 'Ann (crm)', bValue: 'Ann (hub)', winner: 'b', reason: 'owner b' })
  })
})
