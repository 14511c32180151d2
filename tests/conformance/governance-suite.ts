/**
 * Conformance tests of `store.audit` and `store.pauses` (migration 0006), run for every backend
 * from store-suite.ts.
 * @module
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Store } from '../../src/store/contract.js'
import type { StoreHarness } from './store-suite.js'

const T0 = 1_700_000_000_000

export function governanceSuite(create: () => Promise<StoreHarness>): void {
  describe('audit and pauses', () => {
    let harness: StoreHarness | undefined
    let store: Store
    afterEach(async () => {
      await harness?.cleanup()
      harness = undefined
    })
    const setup = async () => {
      harness = await create()
      store = harness.store
    }

    it('appends audit entries with increasing ids and lists them newest first, filtered and paged', async () => {
      await setup()
      expect(await store.audit.list()).toEqual([])
      const a = await store.audit.append({ at: T0, actor: 'cli:ann', action: 'pause', target: 'pipeline:leads', details: null })
      const b = await store.audit.append({
        at: T0 + 1,
        actor: 'token:ci',
        action: 'replay',
        target: 'run:run_1',
        details: { from: 'trigger', newRunId: 'run_2' },
      })
      const c = await store.audit.append({ at: T0 + 2, actor: 'cli:ann', action: 'resume', target: 'pipeline:leads' })
      expect(b.id).toBeGreaterThan(a.id)
      expect(c.id).toBeGreaterThan(b.id)
      expect(b).toEqual({
        id: b.id,
        at: T0 + 1,
        actor: 'token:ci',
        action: 'replay',
        target: 'run:run_1',
        details: { from: 'trigger', newRunId: 'run_2' },
      })
      expect(c.details).toBeNull()
      expect((await store.audit.list()).map((e) => e.action)).toEqual(['resume', 'replay', 'pause'])
      expect((await store.audit.list({ actor: 'cli:ann' })).map((e) => e.action)).toEqual(['resume', 'pause'])
      expect((await store.audit.list({ action: 'replay' })).map((e) => e.id)).toEqual([b.id])
      expect((await store.audit.list({ target: 'pipeline:' })).map((e) => e.action)).toEqual(['resume', 'pause'])
      expect((await store.audit.list({ target: 'pipeline:%' })).length).toBe(0)
      expect((await store.audit.list({ since: T0 + 1 })).length).toBe(2)
      expect((await store.audit.list({ limit: 1 })).map((e) => e.id)).toEqual([c.id])
      expect((await store.audit.list({ before: c.id, limit: 1 })).map((e) => e.id)).toEqual([b.id])
    })

    it('pauses once, lists, resumes once', async () => {
      await setup()
      const row = { kind: 'pipeline' as const, id: 'leads', pausedAt: T0, pausedBy: 'cli:ann', reason: 'CRM migration' }
      expect(await store.pauses.pause(row)).toBe(true)
      expect(await store.pauses.pause({ ...row, pausedAt: T0 + 5, pausedBy: 'token:x' })).toBe(false)
      expect(await store.pauses.get('pipeline', 'leads')).toEqual(row)
      await store.pauses.pause({ kind: 'sync', id: 'leads', pausedAt: T0, pausedBy: 'cli:bob', reason: null })
      expect((await store.pauses.list()).map((p) => `${p.kind}:${p.id}`)).toEqual(['pipeline:leads', 'sync:leads'])
      expect((await store.pauses.list('sync')).map((p) => p.pausedBy)).toEqual(['cli:bob'])
      expect(await store.pauses.resume('pipeline', 'leads')).toBe(true)
      expect(await store.pauses.resume('pipeline', 'leads')).toBe(false)
      expect(await store.pauses.get('pipeline', 'leads')).toBeNull()
    })
  })
}
