/**
 * Conformance tests of the Store's consent operations (src/consent/, migration 0008), run for
 * every backend from store-suite.ts.
 * @module
 */
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { CONSENT_STATES, type ConsentState, consentSupersedes } from '../../src/consent/types.js'
import type { Store } from '../../src/store/contract.js'
import type { StoreHarness } from './store-suite.js'

const T0 = 1_700_000_000_000

export function consentSuite(create: () => Promise<StoreHarness>): void {
  describe('consent', () => {
    let harness: StoreHarness | undefined
    let store: Store
    const setup = async () => {
      harness = await create()
      store = harness.store
      return store
    }
    afterEach(async () => {
      await harness?.cleanup()
      harness = undefined
    })

    it('records a consent with its source and time, keyed by the lower-cased address', async () => {
      await setup()
      expect(await store.getConsent('ann@acme.com')).toBeNull()
      const r = await store.recordConsent(
        { email: ' Ann@Acme.com ', state: 'subscribed', source: 'webform:signup', at: T0, evidence: { ip: '203.0.113.9' } },
        T0 + 5,
      )
      expect(r).toEqual({
        applied: true,
        record: {
          scope: 'marketing',
          subject: 'ann@acme.com',
          state: 'subscribed',
          source: 'webform:signup',
          at: T0,
          recordedAt: T0 + 5,
          evidence: { ip: '203.0.113.9' },
        },
      })
      expect(await store.getConsent('ANN@acme.com')).toEqual(r.record)
      expect(await store.getConsent('ann@acme.com', 'product-updates')).toBeNull()
    })

    it('a later change replaces the state; an older one arriving late is kept in history but not applied', async () => {
      await setup()
      await store.recordConsent({ email: 'b@x.io', state: 'subscribed', source: 'crm', at: T0 }, T0)
      const out = await store.recordConsent({ email: 'b@x.io', state: 'unsubscribed', source: 'mailchimp:main/l1', at: T0 + 100 }, T0 + 100)
      expect(out).toMatchObject({ applied: true, record: { state: 'unsubscribed', source: 'mailchimp:main/l1' } })
      const late = await store.recordConsent({ email: 'b@x.io', state: 'subscribed', source: 'crm', at: T0 + 50 }, T0 + 200)
      expect(late).toMatchObject({ applied: false, record: { state: 'unsubscribed', at: T0 + 100 } })
      const history = await store.consentHistory('B@x.io')
      expect(history.map((h) => [h.state, h.applied])).toEqual([
        ['subscribed', true],
        ['unsubscribed', true],
        ['subscribed', false],
      ])
    })

    it('at the same millisecond an opt-out wins over an opt-in, whichever is recorded first', async () => {
      await setup()
      await store.recordConsent({ email: 'c@x.io', state: 'unsubscribed', source: 'mailchimp', at: T0 }, T0)
      expect((await store.recordConsent({ email: 'c@x.io', state: 'subscribed', source: 'crm', at: T0 }, T0)).applied).toBe(false)
      await store.recordConsent({ email: 'd@x.io', state: 'subscribed', source: 'crm', at: T0 }, T0)
      expect((await store.recordConsent({ email: 'd@x.io', state: 'cleaned', source: 'mailchimp', at: T0 }, T0)).applied).toBe(true)
      expect((await store.getConsent('c@x.io'))?.state).toBe('unsubscribed')
      expect((await store.getConsent('d@x.io'))?.state).toBe('cleaned')
    })

    it('concurrent changes to one contact settle on the latest, as if applied one by one', async () => {
      await setup()
      const changes = Array.from({ length: 12 }, (_, i) => ({
        email: 'race@x.io',
        state: CONSENT_STATES[i % CONSENT_STATES.length]!,
        source: `w${i}`,
        at: T0 + ((i * 7) % 5),
      }))
      await Promise.all(changes.map((c) => store.recordConsent(c, T0)))
      let expected: (typeof changes)[number] | null = null
      for (const c of changes) if (consentSupersedes(c, expected)) expected = c
      expect(await store.getConsent('race@x.io')).toMatchObject({ state: expected!.state, at: expected!.at })
      expect(await store.consentHistory('race@x.io')).toHaveLength(12)
    })

    it('scopes are independent', async () => {
      await setup()
      await store.recordConsent({ email: 'e@x.io', state: 'subscribed', source: 'a', at: T0, scope: 'newsletter' }, T0)
      await store.recordConsent({ email: 'e@x.io', state: 'unsubscribed', source: 'b', at: T0 + 1, scope: 'product' }, T0)
      expect((await store.getConsent('e@x.io', 'newsletter'))?.state).toBe('subscribed')
      expect((await store.getConsent('e@x.io', 'product'))?.state).toBe('unsubscribed')
      expect(await store.getConsent('e@x.io')).toBeNull()
    })

    it('reads many contacts at once and lists by state with keyset paging', async () => {
      await setup()
      const states: ConsentState[] = ['subscribed', 'unsubscribed', 'pending', 'subscribed', 'cleaned', 'transactional-only']
      for (const [i, state] of states.entries())
        await store.recordConsent({ email: `u${i}@x.io`, state, source: 'import', at: T0 + i }, T0 + i)
      const many = await store.getConsents(['U0@x.io', 'u3@x.io', 'nobody@x.io', 'u4@x.io'])
      expect(many.map((r) => `${r.subject}:${r.state}`).sort()).toEqual(['u0@x.io:subscribed', 'u3@x.io:subscribed', 'u4@x.io:cleaned'])
      expect((await store.listConsent({ state: 'subscribed' })).map((r) => r.subject)).toEqual(['u0@x.io', 'u3@x.io'])
      expect((await store.listConsent({ state: ['unsubscribed', 'cleaned'] })).map((r) => r.subject)).toEqual(['u1@x.io', 'u4@x.io'])
      const first = await store.listConsent({ limit: 4 })
      const rest = await store.listConsent({ limit: 4, after: first.at(-1)!.subject })
      expect([...first, ...rest].map((r) => r.subject)).toEqual(states.map((_, i) => `u${i}@x.io`))
      expect((await store.listConsent({ since: T0 + 4 })).map((r) => r.subject)).toEqual(['u4@x.io', 'u5@x.io'])
      expect(await store.getConsents([])).toEqual([])
    })

    it('refuses a bad change naming the field, and stores nothing', async () => {
      await setup()
      const bad = [
        { email: 'not-an-address', state: 'subscribed', source: 's', at: T0, field: 'email' },
        { email: 'f@x.io', state: 'opted-in', source: 's', at: T0, field: 'state' },
        { email: 'f@x.io', state: 'subscribed', source: ' ', at: T0, field: 'source' },
        { email: 'f@x.io', state: 'subscribed', source: 's', at: Number.NaN, field: 'at' },
      ]
      for (const { field, ...input } of bad) {
        const e = await store.recordConsent(input as never, T0).catch((x: unknown) => x)
        expect((e as Error).message).toContain(`recordConsent: ${field}`)
      }
      expect(await store.getConsent('f@x.io')).toBeNull()
    })

    it('the recorded state is the fold of every change, whatever order they arrive in (property)', async () => {
      await setup()
      let n = 0
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ state: fc.constantFrom(...CONSENT_STATES), at: fc.integer({ min: 0, max: 20 }) }), {
            minLength: 1,
            maxLength: 8,
          }),
          async (changes) => {
            const email = `p${n++}@x.io`
            let expected: { state: ConsentState; at: number } | null = null
            for (const c of changes) {
              await store.recordConsent({ email, state: c.state, source: 'prop', at: T0 + c.at }, T0)
              if (consentSupersedes(c, expected)) expected = c
            }
            const got = await store.getConsent(email)
            expect(got).toMatchObject({ state: expected!.state, at: T0 + expected!.at })
          },
        ),
        { numRuns: 25 },
      )
    })
  })
}
