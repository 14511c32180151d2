/**
 * A write that repeats an earlier one (same shadows, same values: an A → B → A history) is
 * still made: write runs are deduplicated by their job key, which must not repeat.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { type MemoryHarness, memoryHarness, people } from './helpers.js'

let h: MemoryHarness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

describe('sync writes that repeat', () => {
  it('overwrites a one-way field every time the other side edits it back, not only the first time', async () => {
    h = await memoryHarness([people()], ['crm', 'hub'])
    const { crm, hub } = h.tables
    crm!.put({ email: 'ann@acme.com', name: 'Ann', plan: 'pro' })
    await h.runtime.syncs.run('people')
    const annB = hub!.find('email', 'ann@acme.com')[0]!.id
    for (let i = 0; i < 3; i++) {
      hub!.patch(annB, { plan: 'free' }) // plan flows a → b only: b's edit is overwritten
      const r = await h.runtime.syncs.run('people')
      expect(r.writes.b.update).toBe(1)
      expect(hub!.read(annB)?.plan).toBe('pro')
    }
  })
})
