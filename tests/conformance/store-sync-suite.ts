/**
 * Conformance of `store.sync` (src/store/sync-contract.ts): links, shadows, cursors, conflicts
 * and the dirty set, run by store-suite.ts against every backend with the same harness.
 * @module
 */
import { describe, expect, it } from 'vitest'
import type { Store } from '../../src/store/contract.js'
import type { SyncLink, SyncShadow } from '../../src/store/sync-contract.js'

const T0 = 1_700_000_000_000

function link(id: string, over: Partial<SyncLink> = {}): SyncLink {
  return {
    syncId: 'crm-hubspot',
    id,
    aId: null,
    bId: null,
    key: null,
    fallbackKey: null,
    state: 'unmatched',
    pendingRun: null,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  }
}

function shadow(linkId: string, side: 'a' | 'b', values: Record<string, unknown>, at = T0): SyncShadow {
  return { syncId: 'crm-hubspot', linkId, side, values, hash: `h:${JSON.stringify(values)}`, modifiedAt: at - 5, updatedAt: at }
}

export function storeSyncSuite(setup: () => Promise<Store>): void {
  describe('sync tables', () => {
    const S = 'crm-hubspot'

    it('stores links and finds them by record id, key, fallback key and link id, per sync', async () => {
      const store = await setup()
      await store.sync.apply(S, {
        links: [
          link('l1', { aId: 'c1', bId: '901', key: 'ann@acme.com', fallbackKey: 'cust-1', state: 'linked' }),
          link('l2', { aId: 'c2', key: 'bob@acme.com' }),
          link('l3', { bId: '903', key: 'cy@acme.com', fallbackKey: 'cust-3' }),
        ],
      })
      await store.sync.apply('other-sync', { links: [link('l1', { syncId: 'other-sync', aId: 'c1' })] })
      expect((await store.sync.linksByRecord(S, 'a', ['c1', 'c2', 'missing'])).map((l) => l.id).sort()).toEqual(['l1', 'l2'])
      expect((await store.sync.linksByRecord(S, 'b', ['903'])).map((l) => l.id)).toEqual(['l3'])
      expect((await store.sync.linksByKey(S, 'key', ['bob@acme.com', 'cy@acme.com'])).map((l) => l.id).sort()).toEqual(['l2', 'l3'])
      expect((await store.sync.linksByKey(S, 'fallbackKey', ['cust-1'])).map((l) => l.id)).toEqual(['l1'])
      const [l1] = await store.sync.getLinks(S, ['l1'])
      expect(l1).toEqual(link('l1', { aId: 'c1', bId: '901', key: 'ann@acme.com', fallbackKey: 'cust-1', state: 'linked' }))
      expect(await store.sync.linksByRecord(S, 'a', [])).toEqual([])
      expect(await store.sync.countLinks(S)).toEqual({ linked: 1, unmatched: 2, ambiguous: 0, deleted: 0 })
      expect(await store.sync.countLinks('other-sync')).toMatchObject({ unmatched: 1 })
    })

    it('replaces a link written again whole, and lists links in id order with keyset paging and a state filter', async () => {
      const store = await setup()
      await store.sync.apply(S, { links: ['l1', 'l2', 'l3', 'l4'].map((id) => link(id, { aId: `c-${id}` })) })
      await store.sync.apply(S, { links: [link('l2', { aId: 'c-l2', bId: '77', state: 'linked', updatedAt: T0 + 9 })] })
      const [l2] = await store.sync.getLinks(S, ['l2'])
      expect(l2).toMatchObject({ bId: '77', state: 'linked', createdAt: T0, updatedAt: T0 + 9 })
      const page1 = await store.sync.listLinks(S, { limit: 2 })
      expect(page1.map((l) => l.id)).toEqual(['l1', 'l2'])
      const page2 = await store.sync.listLinks(S, { limit: 2, after: 'l2' })
      expect(page2.map((l) => l.id)).toEqual(['l3', 'l4'])
      expect((await store.sync.listLinks(S, { state: 'linked' })).map((l) => l.id)).toEqual(['l2'])
      expect((await store.sync.listLinks(S, { state: ['unmatched', 'ambiguous'] })).map((l) => l.id)).toEqual(['l1', 'l3', 'l4'])
    })

    it('refuses a second link for a record already linked in the same sync', async () => {
      const store = await setup()
      await store.sync.apply(S, { links: [link('l1', { aId: 'c1', bId: '900', state: 'linked' })] })
      await expect(store.sync.apply(S, { links: [link('l2', { bId: '900' })] })).rejects.toThrow()
      expect(await store.sync.getLinks(S, ['l2'])).toEqual([])
    })

    it('sets and clears pendingRun alone, only while it holds the expected run', async () => {
      const store = await setup()
      await store.sync.apply(S, { links: [link('l1', { aId: 'c1', key: 'k' })] })
      await store.sync.apply(S, { pending: [{ linkId: 'l1', runId: 'run_1', onlyIf: null, at: T0 + 1 }] })
      await store.sync.apply(S, { pending: [{ linkId: 'l1', runId: 'run_2', onlyIf: null, at: T0 + 2 }] })
      expect((await store.sync.getLinks(S, ['l1']))[0]).toMatchObject({ pendingRun: 'run_1', key: 'k', aId: 'c1' })
      await store.sync.apply(S, { pending: [{ linkId: 'l1', runId: null, onlyIf: 'run_9', at: T0 + 3 }] })
      expect((await store.sync.getLinks(S, ['l1']))[0]!.pendingRun).toBe('run_1')
      await store.sync.apply(S, { pending: [{ linkId: 'l1', runId: null, onlyIf: 'run_1', at: T0 + 4 }] })
      expect((await store.sync.getLinks(S, ['l1']))[0]).toMatchObject({ pendingRun: null, updatedAt: T0 + 4 })
    })

    it('keeps one shadow per link and side with its values, hash and modification time', async () => {
      const store = await setup()
      await store.sync.apply(S, {
        shadows: [shadow('l1', 'a', { email: 'ann@acme.com', plan: 'pro', seats: 3 }), shadow('l1', 'b', { email: 'ann@acme.com' })],
      })
      await store.sync.apply(S, { shadows: [shadow('l1', 'b', { email: 'ann@acme.com', lifecyclestage: 'customer' }, T0 + 10)] })
      const got = await store.sync.getShadows(S, ['l1', 'l2'])
      expect(got.sort((x, y) => (x.side < y.side ? -1 : 1))).toEqual([
        shadow('l1', 'a', { email: 'ann@acme.com', plan: 'pro', seats: 3 }),
        shadow('l1', 'b', { email: 'ann@acme.com', lifecyclestage: 'customer' }, T0 + 10),
      ])
      expect(await store.sync.getShadows('other-sync', ['l1'])).toEqual([])
    })

    it('keeps cursors per sync and side as JSON', async () => {
      const store = await setup()
      expect(await store.sync.getCursor(S, 'a')).toBeNull()
      await store.sync.apply(S, { cursors: [{ side: 'a', cursor: { modifiedAt: T0, id: '17' }, at: T0 }] })
      await store.sync.apply(S, { cursors: [{ side: 'a', cursor: { modifiedAt: T0 + 5, id: '3' }, at: T0 + 5 }] })
      expect(await store.sync.getCursor(S, 'a')).toEqual({ modifiedAt: T0 + 5, id: '3' })
      expect(await store.sync.getCursor(S, 'b')).toBeNull()
    })

    it('records a conflict once, newest first, with both values and the winner', async () => {
      const store = await setup()
      const conflict = (id: string, at: number) => ({
        id,
        syncId: S,
        linkId: 'l1',
        field: 'phone ↔ phone',
        aValue: '+1 555 0100',
        bValue: { nested: ['x'] },
        aModifiedAt: at - 2,
        bModifiedAt: null,
        winner: 'a' as const,
        reason: 'latest',
        createdAt: at,
      })
      await store.sync.apply(S, { conflicts: [conflict('k1', T0), conflict('k2', T0 + 1)] })
      await store.sync.apply(S, { conflicts: [conflict('k1', T0 + 50)] })
      const list = await store.sync.listConflicts(S)
      expect(list).toEqual([conflict('k2', T0 + 1), conflict('k1', T0)])
      expect(await store.sync.listConflicts(S, { before: T0 + 1 })).toEqual([conflict('k1', T0)])
      expect(await store.sync.countConflicts(S)).toBe(2)
      expect(await store.sync.countConflicts(S, T0 + 1)).toBe(1)
    })

    it('cleans a dirty record only up to the mark it read, so a later nudge survives', async () => {
      const store = await setup()
      await store.sync.apply(S, {
        dirty: [
          { side: 'b', recordId: '901', reason: 'webhook', at: T0 },
          { side: 'a', recordId: 'c1', reason: 'deferred', at: T0 + 1 },
          { side: 'b', recordId: '901', reason: 'webhook', at: T0 + 2 },
        ],
      })
      expect(await store.sync.listDirty(S)).toEqual([
        { side: 'a', recordId: 'c1', reason: 'deferred', at: T0 + 1 },
        { side: 'b', recordId: '901', reason: 'webhook', at: T0 + 2 },
      ])
      await store.sync.apply(S, { dirty: [{ side: 'b', recordId: '901', reason: 'webhook', at: T0 + 9 }] })
      await store.sync.apply(S, {
        clean: [
          { side: 'b', recordId: '901', upTo: T0 + 2 },
          { side: 'a', recordId: 'c1', upTo: T0 + 2 },
        ],
      })
      expect(await store.sync.listDirty(S)).toEqual([{ side: 'b', recordId: '901', reason: 'webhook', at: T0 + 9 }])
    })

    it('applies a change all or nothing', async () => {
      const store = await setup()
      await store.sync.apply(S, { links: [link('l1', { aId: 'c1' })] })
      await expect(
        store.sync.apply(S, {
          links: [link('l2', { aId: 'c1' })],
          cursors: [{ side: 'a', cursor: { modifiedAt: 1, id: 'x' }, at: T0 }],
        }),
      ).rejects.toThrow()
      expect(await store.sync.getCursor(S, 'a')).toBeNull()
    })

    it('resets one sync and leaves the others', async () => {
      const store = await setup()
      for (const id of [S, 'other-sync']) {
        await store.sync.apply(id, {
          links: [link('l1', { syncId: id, aId: 'c1' })],
          shadows: [{ ...shadow('l1', 'a', { x: 1 }), syncId: id }],
          cursors: [{ side: 'a', cursor: { modifiedAt: 1, id: 'x' }, at: T0 }],
          dirty: [{ side: 'a', recordId: 'c1', reason: 'webhook', at: T0 }],
        })
      }
      await store.sync.reset(S)
      expect(await store.sync.listLinks(S)).toEqual([])
      expect(await store.sync.getCursor(S, 'a')).toBeNull()
      expect(await store.sync.listDirty(S)).toEqual([])
      expect(await store.sync.getShadows(S, ['l1'])).toEqual([])
      expect(await store.sync.listLinks('other-sync')).toHaveLength(1)
    })

    it('handles lookups of more ids than one statement takes', async () => {
      const store = await setup()
      const many = Array.from({ length: 1500 }, (_, i) => link(`l${String(i).padStart(5, '0')}`, { aId: `c${i}`, key: `k${i}` }))
      await store.sync.apply(S, { links: many })
      expect(
        await store.sync.linksByRecord(
          S,
          'a',
          many.map((l) => l.aId!),
        ),
      ).toHaveLength(1500)
      expect(
        await store.sync.linksByKey(
          S,
          'key',
          many.map((l) => l.key!),
        ),
      ).toHaveLength(1500)
      expect((await store.sync.countLinks(S)).unmatched).toBe(1500)
    })
  })
}
