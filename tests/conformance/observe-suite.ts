/**
 * Conformance suite for the observe stores (`store.series`, `store.alerts`,
 * `store.inventory`; src/store/observe/contract.ts), run by storeSuite for every backend.
 * @module
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Store } from '../../src/store/contract.js'
import type { Delivery, Finding } from '../../src/store/observe/contract.js'
import type { StoreHarness } from './store-suite.js'

const T0 = 1_700_000_040_000 - (1_700_000_040_000 % 60_000)
const MIN = 60_000

const finding = (over: Partial<Finding> = {}): Finding => ({
  rule: 'queue-depth',
  subject: 'cluster',
  severity: 'critical',
  level: 1,
  summary: '1,200 runs due',
  value: 1200,
  ...over,
})
const slack = (dueAt: number): Delivery => ({ channel: 'slack', dueAt, batch: null })
const digest = (dueAt: number): Delivery => ({ channel: 'email', dueAt, batch: `email@${dueAt}` })

export function observeSuite(name: string, create: () => Promise<StoreHarness>): void {
  describe(`Observe stores conformance: ${name}`, () => {
    let harness: StoreHarness | undefined
    const extra: Store[] = []
    async function setup(): Promise<Store> {
      harness = await create()
      return harness.store
    }
    afterEach(async () => {
      for (const s of extra.splice(0)) await s.close()
      await harness?.cleanup()
      harness = undefined
    })

    describe('series', () => {
      it('adds samples of one minute together and lists them by minute', async () => {
        const store = await setup()
        await store.series.addSamples([
          { series: 'runs', labels: 'pipeline=a,status=dead', minute: T0, value: 2 },
          { series: 'runs', labels: 'pipeline=a,status=dead', minute: T0 + MIN, value: 1 },
          { series: 'p429', labels: 'connection=hubspot:main', minute: T0, value: 4 },
        ])
        await store.series.addSamples([{ series: 'runs', labels: 'pipeline=a,status=dead', minute: T0, value: 3 }])
        expect(await store.series.listSamples({ series: ['runs'], since: T0 })).toEqual([
          { series: 'runs', labels: 'pipeline=a,status=dead', minute: T0, value: 5 },
          { series: 'runs', labels: 'pipeline=a,status=dead', minute: T0 + MIN, value: 1 },
        ])
        expect(await store.series.listSamples({ series: ['runs', 'p429'], since: T0, until: T0 + MIN })).toHaveLength(2)
        expect(await store.series.purge(T0 + MIN, T0)).toBe(2)
        expect(await store.series.listSamples({ series: ['runs', 'p429'], since: 0 })).toHaveLength(1)
      })

      it('keeps a gauge per source until it expires', async () => {
        const store = await setup()
        await store.series.setGauges('proc-a', [{ series: 'circuit', labels: 'connection=hubspot:main', value: 2 }], T0, 30_000)
        await store.series.setGauges('proc-b', [{ series: 'circuit', labels: 'connection=hubspot:main', value: 0 }], T0 + 20_000, 30_000)
        expect((await store.series.listGauges(['circuit'], T0 + 25_000)).map((g) => [g.source, g.value])).toEqual([
          ['proc-a', 2],
          ['proc-b', 0],
        ])
        expect((await store.series.listGauges(['circuit'], T0 + 30_000)).map((g) => g.source)).toEqual(['proc-b'])
        await store.series.setGauges('proc-b', [{ series: 'circuit', labels: 'connection=hubspot:main', value: 2 }], T0 + 40_000, 30_000)
        expect(await store.series.listGauges(['circuit'], T0 + 41_000)).toMatchObject([
          { source: 'proc-b', value: 2, updatedAt: T0 + 40_000 },
        ])
      })
    })

    describe('alerts', () => {
      it('opens one incident, fires once, holds, then resolves after the cool-down with one message', async () => {
        const store = await setup()
        const first = await store.alerts.observeFiring(finding(), { now: T0, forMs: 0, deliveries: [slack(T0)] })
        expect(first.transition).toBe('fired')
        expect(first.incident).toMatchObject({ status: 'firing', firedAt: T0, channels: ['slack'], value: 1200 })
        const again = await store.alerts.observeFiring(finding({ value: 1500, summary: '1,500 runs due' }), {
          now: T0 + MIN,
          forMs: 0,
          deliveries: [slack(T0 + MIN)],
        })
        expect(again.transition).toBe('held')
        expect(again.incident).toMatchObject({ id: first.incident.id, value: 1500, lastTrueAt: T0 + MIN })
        const opts = (now: number) => ({ now, cooldownMs: 5 * MIN, deliveries: [slack(now), digest(now)] })
        expect(await store.alerts.observeClear('queue-depth', 'cluster', opts(T0 + 2 * MIN))).toBe('cooling')
        expect(await store.alerts.observeClear('queue-depth', 'cluster', opts(T0 + 6 * MIN))).toBe('resolved')
        expect(await store.alerts.observeClear('queue-depth', 'cluster', opts(T0 + 7 * MIN))).toBe('none')
        const notes = await store.alerts.listNotifications({ incidentId: first.incident.id })
        expect(notes.map((n) => [n.kind, n.channel])).toEqual([
          ['firing', 'slack'],
          ['resolved', 'slack'],
        ])
        expect(notes[1].message).toMatchObject({ kind: 'resolved', resolvedAt: T0 + 6 * MIN, rule: 'queue-depth' })
        const [resolved] = await store.alerts.listIncidents({ status: ['resolved'] })
        expect(resolved).toMatchObject({ id: first.incident.id, resolvedAt: T0 + 6 * MIN })
        // The same condition later is a new incident.
        const later = await store.alerts.observeFiring(finding(), { now: T0 + 8 * MIN, forMs: 0, deliveries: [slack(T0)] })
        expect(later.transition).toBe('fired')
        expect(later.incident.id).not.toBe(first.incident.id)
      })

      it('keeps an incident pending for `forMs` and resolves a pending one silently', async () => {
        const store = await setup()
        const opts = (now: number) => ({ now, forMs: 2 * MIN, deliveries: [slack(now)] })
        expect((await store.alerts.observeFiring(finding(), opts(T0))).transition).toBe('pending')
        expect((await store.alerts.observeFiring(finding(), opts(T0 + MIN))).transition).toBe('held')
        expect(await store.alerts.observeClear('queue-depth', 'cluster', { now: T0 + MIN + 1, cooldownMs: 0, deliveries: [] })).toBe(
          'resolved',
        )
        expect((await store.alerts.observeFiring(finding(), opts(T0 + 3 * MIN))).transition).toBe('pending')
        const fired = await store.alerts.observeFiring(finding(), opts(T0 + 5 * MIN))
        expect(fired.transition).toBe('fired')
        expect(await store.alerts.listNotifications({ incidentId: fired.incident.id })).toHaveLength(1)
      })

      it('escalates once per higher level, telling the new channels too', async () => {
        const store = await setup()
        const budget = (level: number) =>
          finding({ rule: 'budget', subject: 'clay:default/submissions', level, severity: level >= 95 ? 'critical' : 'warning' })
        await store.alerts.observeFiring(budget(70), { now: T0, forMs: 0, deliveries: [digest(T0 + MIN)] })
        expect((await store.alerts.observeFiring(budget(70), { now: T0 + 1, forMs: 0, deliveries: [digest(T0 + MIN)] })).transition).toBe(
          'held',
        )
        const e85 = await store.alerts.observeFiring(budget(85), { now: T0 + 2, forMs: 0, deliveries: [digest(T0 + MIN)] })
        expect(e85.transition).toBe('escalated')
        const e95 = await store.alerts.observeFiring(budget(95), { now: T0 + 3, forMs: 0, deliveries: [slack(T0 + 3), digest(T0 + MIN)] })
        expect(e95).toMatchObject({ transition: 'escalated', incident: { level: 95, severity: 'critical', channels: ['email', 'slack'] } })
        expect((await store.alerts.observeFiring(budget(85), { now: T0 + 4, forMs: 0, deliveries: [] })).transition).toBe('held')
        const kinds = (await store.alerts.listNotifications({ incidentId: e95.incident.id })).map((n) => `${n.kind}:${n.channel}`)
        expect(kinds.sort()).toEqual(['escalated:email', 'escalated:email', 'escalated:slack', 'firing:email'])
      })

      it('leases each due message to one owner, batches apart, and retries or settles it', async () => {
        const store = await setup()
        const { incident } = await store.alerts.observeFiring(finding(), {
          now: T0,
          forMs: 0,
          deliveries: [slack(T0), digest(T0 + 10 * MIN)],
        })
        expect(incident.status).toBe('firing')
        const a = await store.alerts.claim({ owner: 'a', now: T0, leaseMs: MIN, limit: 10 })
        expect(a.map((n) => n.channel)).toEqual(['slack'])
        expect(a[0].attempts).toBe(1)
        expect(await store.alerts.claim({ owner: 'b', now: T0 + 1, leaseMs: MIN, limit: 10 })).toEqual([])
        expect(await store.alerts.dueBatches(T0)).toEqual([])
        expect(await store.alerts.dueBatches(T0 + 10 * MIN)).toEqual([{ channel: 'email', batch: `email@${T0 + 10 * MIN}` }])
        expect(await store.alerts.settle(a[0].id, 'b', { sentAt: T0 })).toBe(false)
        expect(await store.alerts.settle(a[0].id, 'a', { error: 'HTTP 500', retryAt: T0 + 30_000, now: T0 })).toBe(true)
        expect(await store.alerts.claim({ owner: 'b', now: T0 + 1_000, leaseMs: MIN, limit: 10 })).toEqual([])
        const b = await store.alerts.claim({ owner: 'b', now: T0 + 30_000, leaseMs: MIN, limit: 10 })
        expect(b).toMatchObject([{ id: a[0].id, attempts: 2, lastError: 'HTTP 500' }])
        expect(await store.alerts.settle(b[0].id, 'b', { sentAt: T0 + 31_000 })).toBe(true)
        // an expired lease is taken over
        const batch = `email@${T0 + 10 * MIN}`
        const c = await store.alerts.claim({ owner: 'c', now: T0 + 10 * MIN, leaseMs: MIN, limit: 10, batch })
        expect(c.map((n) => n.channel)).toEqual(['email'])
        const d = await store.alerts.claim({ owner: 'd', now: T0 + 12 * MIN, leaseMs: MIN, limit: 10, batch })
        expect(d.map((n) => n.id)).toEqual(c.map((n) => n.id))
        expect(await store.alerts.settle(c[0].id, 'c', { sentAt: T0 + 12 * MIN })).toBe(false)
        expect(await store.alerts.settle(d[0].id, 'd', { error: 'refused', retryAt: null, now: T0 + 12 * MIN })).toBe(true)
        const all = await store.alerts.listNotifications({ incidentId: incident.id })
        expect(all.map((n) => [n.channel, n.status, n.sentAt])).toEqual([
          ['slack', 'sent', T0 + 31_000],
          ['email', 'failed', null],
        ])
      })

      it('queues test messages that belong to no incident transition', async () => {
        const store = await setup()
        const message = {
          kind: 'test' as const,
          incidentId: 'test',
          rule: 'queue-depth',
          subject: 'test',
          severity: 'warning' as const,
          level: 0,
          summary: 'test message',
          value: null,
          details: null,
          startedAt: T0,
          firedAt: T0,
          resolvedAt: null,
        }
        const [n] = await store.alerts.enqueue([{ message, delivery: slack(T0) }], T0)
        expect(n).toMatchObject({ kind: 'test', channel: 'slack', status: 'pending', message })
      })

      it('lets one of two stores racing on the same finding open the incident and queue the message', async (ctx) => {
        const store = await setup()
        if (!harness?.reopen) return ctx.skip()
        const other = await harness.reopen()
        extra.push(other)
        const results = await Promise.all(
          [store, other, store, other].map((s, i) => s.alerts.observeFiring(finding(), { now: T0 + i, forMs: 0, deliveries: [slack(T0)] })),
        )
        expect(results.filter((r) => r.transition === 'fired')).toHaveLength(1)
        expect(new Set(results.map((r) => r.incident.id)).size).toBe(1)
        expect(await store.alerts.listNotifications()).toHaveLength(1)
        const claims = await Promise.all(
          [store, other].map((s, i) => s.alerts.claim({ owner: `p${i}`, now: T0 + 10, leaseMs: MIN, limit: 5 })),
        )
        expect(claims.flat()).toHaveLength(1)
      })
    })

    describe('inventory', () => {
      it('replaces a connection snapshot whole and lists items by path', async () => {
        const store = await setup()
        const field = (path: string, name: string, type: string) => ({
          kind: 'field',
          path,
          parent: path.split('/').slice(0, -1).join('/'),
          name,
          type,
          details: null,
        })
        await store.inventory.replace({
          service: 'airtable',
          connection: 'airtable:default',
          readAt: T0,
          items: [
            { kind: 'base', path: 'appA', parent: null, name: 'Ops', type: null, details: { id: 'appA' } },
            field('appA/Leads/Email', 'Email', 'email'),
            field('appA/Leads/Company', 'Company', 'singleLineText'),
          ],
        })
        await store.inventory.replace({ service: 'hubspot', connection: 'hubspot:default', readAt: T0, items: [] })
        await store.inventory.replace({
          service: 'airtable',
          connection: 'airtable:default',
          readAt: T0 + 1,
          items: [field('appA/Leads/Email', 'Email', 'email')],
        })
        const [snap] = await store.inventory.list({ service: 'airtable' })
        expect(snap).toEqual({
          service: 'airtable',
          connection: 'airtable:default',
          readAt: T0 + 1,
          items: [field('appA/Leads/Email', 'Email', 'email')],
        })
        expect((await store.inventory.list()).map((s) => s.connection)).toEqual(['airtable:default'])
      })
    })
  })
}
