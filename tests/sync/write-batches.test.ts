/**
 * A sync's writes go out as runs of up to 100 links each (src/sync/writes.ts), while failures stay
 * per record: a record refused for good fails alone (its own run, its own dead letter, replayable),
 * a whole batch refused for a passing reason retries as a unit, and records refused for a passing
 * reason in part move on together to a new run — none of the other records is written twice.
 * Real runtime, SQLite store and gateway; the `memory` connector refusing chosen writes.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { replayDeadLetters } from '../../src/engine/replay.js'
import { NonRetryableError, RateLimitedError } from '../../src/errors.js'
import { type WriteBatch, writePipelineId } from '../../src/sync/writes.js'
import { eventually } from '../helpers/engine.js'
import { type MemoryHarness, memoryHarness, people } from './helpers.js'

let h: MemoryHarness | null = null
afterEach(async () => {
  await h?.close()
  h = null
})

const seed = (n: number) => {
  for (let i = 0; i < n; i++) h!.tables.crm!.put({ email: `user${i}@acme.com`, name: `User ${i}`, plan: 'free' })
}
const creates = () => h!.tables.hub!.writes.filter((w) => w.op === 'create' || w.op === 'update')
const emailsWritten = () => creates().map((w) => String(w.fields?.email))

describe('sync write runs carry batches of links', () => {
  it('writes 250 links in 3 runs, then nothing', async () => {
    h = await memoryHarness([people({ create: 'a-to-b' })], ['crm', 'hub'])
    seed(250)
    const first = await h.runtime.syncs.run('people')
    expect(first.runs).toEqual({ started: 3, succeeded: 3, dead: 0, pending: 0 })
    expect(first.writes.b.create).toBe(250)
    expect(h.tables.hub!.live()).toHaveLength(250)
    expect(await h.runtime.hub.store.sync.countLinks('people')).toMatchObject({ linked: 250, unmatched: 0 })
    const again = await h.runtime.syncs.run('people')
    expect(again.runs.started).toBe(0)
    expect(creates()).toHaveLength(250)
  })

  it('a record refused for good dead-letters alone; the others are recorded; a replay finishes it', async () => {
    h = await memoryHarness([people({ create: 'a-to-b' })], ['crm', 'hub'])
    seed(250)
    let refusing = true
    h.tables.hub!.refuse = (w) => (refusing && w.fields?.email === 'user7@acme.com' ? new NonRetryableError('invalid e-mail') : null)
    const first = await h.runtime.syncs.run('people')
    // 3 batch runs, and one run of its own for the refused record
    expect(first.runs).toEqual({ started: 4, succeeded: 3, dead: 1, pending: 0 })
    expect(h.tables.hub!.live()).toHaveLength(249)
    expect(await h.runtime.hub.store.sync.countLinks('people')).toMatchObject({ linked: 249, unmatched: 1 })
    const store = h.runtime.hub.store
    const dead = await store.listDeadLetters({ pipelineId: writePipelineId('people') })
    expect(dead).toHaveLength(1)
    const run = (await store.getRun(dead[0]!.runId))!
    const batch = (await store.getEvent(run.eventId))!.payload as WriteBatch
    expect(batch.jobs).toHaveLength(1)
    expect(batch.jobs[0]!.b?.fields?.email).toBe('user7@acme.com')
    expect(new Set(emailsWritten()).size).toBe(249)
    expect(emailsWritten()).toHaveLength(249) // no record written twice

    expect((await h.runtime.syncs.run('people')).runs.started).toBe(0)
    refusing = false
    await replayDeadLetters(h.runtime.hub, { pipelineId: writePipelineId('people') })
    await eventually(async () => ((await store.sync.countLinks('people')).linked === 250 ? true : null), 30_000)
    expect(h.tables.hub!.live()).toHaveLength(250)
    expect((await h.runtime.syncs.run('people')).runs.started).toBe(0)
    expect(emailsWritten()).toHaveLength(250)
  })

  it('a whole batch refused for a passing reason retries as one run, writing each record once', async () => {
    h = await memoryHarness([people({ create: 'a-to-b' })], ['crm', 'hub'])
    seed(100)
    const refused = new Set<string>()
    h.tables.hub!.refuse = (w) => {
      const email = String(w.fields?.email)
      if (refused.has(email)) return null
      refused.add(email)
      // what a provider's 429 for the whole call becomes: the run waits it out, then retries
      return new RateLimitedError('429 from the provider', 300)
    }
    const first = await h.runtime.syncs.run('people')
    expect(refused.size).toBe(100)
    expect(first.runs).toEqual({ started: 1, succeeded: 1, dead: 0, pending: 0 })
    expect(h.tables.hub!.live()).toHaveLength(100)
    expect(emailsWritten()).toHaveLength(100)
  })

  it('records refused for a passing reason in part move on together to one new run', async () => {
    h = await memoryHarness([people({ create: 'a-to-b' })], ['crm', 'hub'])
    seed(100)
    const flaky = new Set(['user3@acme.com', 'user50@acme.com'])
    h.tables.hub!.refuse = (w) => {
      const email = String(w.fields?.email)
      if (!flaky.delete(email)) return null
      return Object.assign(new Error('timed out'), { status: 504 })
    }
    const first = await h.runtime.syncs.run('people')
    expect(flaky.size).toBe(0)
    expect(first.runs).toEqual({ started: 2, succeeded: 2, dead: 0, pending: 0 })
    expect(h.tables.hub!.live()).toHaveLength(100)
    expect(new Set(emailsWritten()).size).toBe(100)
    expect(emailsWritten()).toHaveLength(100) // the 98 written in the first run were not written again
    expect(await h.runtime.hub.store.sync.countLinks('people')).toMatchObject({ linked: 100 })
    expect((await h.runtime.syncs.run('people')).runs.started).toBe(0)
  })
})
