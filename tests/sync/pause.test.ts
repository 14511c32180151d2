/**
 * A paused sync (DESIGN §13, docs/sync.md "Pausing a sync"): no scheduled pass, nudge or `run`
 * writes anything while it is paused; its webhooks still store events and mark records; once
 * resumed it converges without being asked.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '../../src/engine/clock.js'
import { pauseSync, resumeSync } from '../../src/engine/governance.js'
import { hookPipelineId } from '../../src/sync/pipelines.js'
import { eventually } from '../helpers/engine.js'
import { type MemoryHarness, memoryHarness, people } from './helpers.js'

let h: MemoryHarness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

const sync = () => people({ schedule: { every: '1s', repair: false }, webhooks: [{ side: 'b', path: 'people-hub', ids: 'objectId' }] })

describe('pausing a sync', () => {
  it('holds scheduled passes and webhook nudges while paused, then converges after resume', async () => {
    h = await memoryHarness([sync()], ['crm', 'hub'], { scheduler: true, pauseRefreshMs: 100 })
    const { crm, hub } = h.tables
    const store = h.runtime.hub.store
    const ann = crm!.put({ email: 'ann@acme.com', name: 'Ann', plan: 'pro' })
    const annB = (await eventually(() => hub!.find('email', 'ann@acme.com')[0], 30_000)).id

    const p = await pauseSync(store, systemClock, 'people', { actor: 'cli:ann', reason: 'CRM migration', syncs: ['people'] })
    expect(p).toMatchObject({ sync: 'people', paused: true, changed: true, pausedBy: 'cli:ann' })
    // a pass asked for now is refused; being queued behind this process's passes, every earlier one has ended
    await expect(h.runtime.syncs.run('people')).rejects.toMatchObject({ code: 'PW_SYNC_PAUSED' })
    const writes = { crm: crm!.writes.length, hub: hub!.writes.length }

    crm!.put({ email: 'bob@acme.com', name: 'Bob', plan: 'free' })
    hub!.patch(annB, { lifecyclestage: 'customer' })
    // the webhook is still accepted and its run marks the record to look at again
    const [hook] = await h.runtime.hub.ingest(hookPipelineId('people', 0), [{ payload: { objectId: annB } }])
    await eventually(async () => (await store.getRun(hook!.runId))?.status === 'succeeded', 30_000)
    expect((await store.sync.listDirty('people')).map((d) => d.recordId)).toContain(annB)

    // the nudge and at least two scheduled passes came and were held
    await eventually(() => (h!.runtime.syncs.held().find((x) => x.sync === 'people')?.skipped ?? 0) >= 3, 30_000)
    expect({ crm: crm!.writes.length, hub: hub!.writes.length }).toEqual(writes)
    expect(hub!.find('email', 'bob@acme.com')).toHaveLength(0)
    expect(crm!.read(ann)?.stage ?? null).toBeNull()
    // a dry run is still allowed
    expect((await h.runtime.syncs.plan('people')).writes.b.create).toBe(1)

    const r = await resumeSync(store, systemClock, 'people', { actor: 'cli:ann', syncs: ['people'] })
    expect(r).toMatchObject({ sync: 'people', paused: false, changed: true })
    await eventually(() => hub!.find('email', 'bob@acme.com').length === 1 && crm!.read(ann)?.stage === 'customer', 30_000)
    expect(h.runtime.syncs.held()).toEqual([])
    expect((await store.audit.list({ target: 'sync:' })).map((e) => [e.actor, e.action, e.target, e.details])).toEqual([
      ['cli:ann', 'resume', 'sync:people', null],
      ['cli:ann', 'pause', 'sync:people', { reason: 'CRM migration' }],
    ])
  })

  it('a paused sync runs one pass when forced; pausing twice changes nothing; an unknown sync is refused', async () => {
    h = await memoryHarness([people()], ['crm', 'hub'])
    const { crm, hub } = h.tables
    const store = h.runtime.hub.store
    crm!.put({ email: 'ann@acme.com', name: 'Ann' })
    await pauseSync(store, systemClock, 'people', { actor: 'token:ci', syncs: ['people'] })
    const again = await pauseSync(store, systemClock, 'people', { actor: 'token:other', syncs: ['people'] })
    expect(again).toMatchObject({ changed: false, pausedBy: 'token:ci' })
    await expect(h.runtime.syncs.run('people')).rejects.toMatchObject({ code: 'PW_SYNC_PAUSED' })
    expect(hub!.writes).toHaveLength(0)
    const forced = await h.runtime.syncs.run('people', { force: true })
    expect(forced.writes.b.create).toBe(1)
    expect(hub!.find('email', 'ann@acme.com')).toHaveLength(1)
    await expect(pauseSync(store, systemClock, 'peple', { actor: 'token:ci', syncs: ['people'] })).rejects.toMatchObject({
      code: 'PW_SYNC_NOT_FOUND',
    })
    expect(await store.audit.list({ target: 'sync:' })).toHaveLength(1)
  })
})
