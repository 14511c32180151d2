/**
 * Conformance tests of `store.credentials` (migration 0005), run for every backend from
 * store-suite.ts. The store keeps what it is given; encryption is tested in credentials.test.ts.
 * @module
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Store } from '../../src/store/contract.js'
import type { StoredCredentialRow } from '../../src/store/credentials/contract.js'
import type { StoreHarness } from './store-suite.js'

const T0 = 1_700_000_000_000

const row = (name: string, over: Partial<StoredCredentialRow> = {}): StoredCredentialRow => ({
  name,
  service: 'hubspot',
  ciphertext: `v1:iv:tag:${name}`,
  keyId: 'k1',
  owner: 'revops@example.com',
  scopes: ['crm.objects.companies.write'],
  createdAt: T0,
  rotatedAt: T0,
  rotateBy: T0 + 90 * 86_400_000,
  expiresAt: null,
  ...over,
})

export function credentialsSuite(create: () => Promise<StoreHarness>): void {
  describe('credentials', () => {
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

    it('puts, gets, lists by name, replaces and removes', async () => {
      await setup()
      expect(await store.credentials.count()).toBe(0)
      expect(await store.credentials.get('nope')).toBeNull()
      await store.credentials.put(row('b-slack', { service: 'slack', scopes: [], rotateBy: null, owner: null }))
      await store.credentials.put(row('a-hubspot'))
      expect(await store.credentials.get('a-hubspot')).toEqual(row('a-hubspot'))
      expect((await store.credentials.list()).map((r) => r.name)).toEqual(['a-hubspot', 'b-slack'])
      expect(await store.credentials.get('b-slack')).toMatchObject({ scopes: [], rotateBy: null, owner: null, expiresAt: null })
      await store.credentials.put(row('a-hubspot', { ciphertext: 'v1:x:y:z', rotatedAt: T0 + 5, expiresAt: T0 + 1800_000 }))
      expect(await store.credentials.get('a-hubspot')).toMatchObject({
        ciphertext: 'v1:x:y:z',
        rotatedAt: T0 + 5,
        expiresAt: T0 + 1800_000,
      })
      expect(await store.credentials.count()).toBe(2)
      expect(await store.credentials.remove('a-hubspot')).toBe(true)
      expect(await store.credentials.remove('a-hubspot')).toBe(false)
      expect(await store.credentials.count()).toBe(1)
    })

    it('rewraps all or nothing', async () => {
      await setup()
      await store.credentials.put(row('a'))
      await store.credentials.put(row('b'))
      await store.credentials.rewrap([
        { name: 'a', ciphertext: 'new-a', keyId: 'k2' },
        { name: 'b', ciphertext: 'new-b', keyId: 'k2' },
      ])
      expect((await store.credentials.list()).map((r) => [r.ciphertext, r.keyId])).toEqual([
        ['new-a', 'k2'],
        ['new-b', 'k2'],
      ])
      await expect(
        store.credentials.rewrap([
          { name: 'a', ciphertext: 'newer-a', keyId: 'k3' },
          { name: 'gone', ciphertext: 'x', keyId: 'k3' },
        ]),
      ).rejects.toThrow(/gone/)
      expect(await store.credentials.get('a')).toMatchObject({ ciphertext: 'new-a', keyId: 'k2' })
    })
  })
}
