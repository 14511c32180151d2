/**
 * Two processes on one Postgres database (two stores with their own pools, two alerting
 * loops with their own lease owners) evaluating and delivering at the same moments: each
 * incident is one firing message and one resolved message, and a digest is one e-mail.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { type SmtpEmulator, smtpEmulator } from '../src/connectors/email/emulator.js'
import { ManualClock } from '../src/engine/clock.js'
import type { Store } from '../src/store/contract.js'
import { createPostgresStore } from '../src/store/postgres/index.js'
import { scriptedAlerting, WEBHOOK_SECRET, webhookReceiver } from './helpers/alerts.js'

const CANDIDATES = ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test']

async function reachable(): Promise<string | null> {
  for (const url of CANDIDATES) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 })
    try {
      await client.connect()
      return url
    } catch {
      // next
    } finally {
      await client.end().catch(() => undefined)
    }
  }
  return null
}

const url = await reachable()
const MIN = 60_000
const T0 = Date.UTC(2026, 0, 5, 10, 0, 30)

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function twoProcesses(raw: (receiverUrl: string) => unknown) {
  const schema = `pw_alerts_${randomBytes(5).toString('hex')}`
  const clock = new ManualClock(T0)
  const receiver = await webhookReceiver(() => clock.now())
  const stores: Store[] = [0, 1].map(() => createPostgresStore({ connectionString: url!, schema }))
  for (const s of stores) await s.migrate()
  const procs = stores.map((store, i) => scriptedAlerting(store, clock, raw(receiver.url), { owner: `proc-${i}` }))
  cleanups.push(async () => {
    for (const p of procs) await p.close()
    for (const s of stores) await s.close()
    await receiver.close()
    const admin = new pg.Client({ connectionString: url! })
    await admin.connect()
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await admin.end()
  })
  /** Both evaluate at once, then both deliver at once. */
  const tick = async () => {
    const reports = await Promise.all(procs.map((p) => p.alerting.evaluate()))
    await Promise.all(procs.map((p) => p.alerting.deliver()))
    return reports.flatMap((r) => r.transitions.map((t) => `${t.transition}:${t.rule}:${t.subject}`))
  }
  return { clock, receiver, procs, tick }
}

describe.skipIf(!url)('alerts on Postgres with two processes', () => {
  it('sends one message per incident transition, whoever evaluates', async () => {
    const { clock, receiver, procs, tick } = await twoProcesses((hook) => ({
      channels: { hook: { type: 'webhook', url: hook, secret: WEBHOOK_SECRET } },
    }))
    // Process 0's circuit to HubSpot opens; process 1's stays closed.
    procs[0]!.src.circuits = [{ connector: 'hubspot', connection: 'main', state: 'open', retryAfterMs: 30_000 }]
    procs[1]!.src.circuits = [{ connector: 'hubspot', connection: 'main', state: 'closed', retryAfterMs: 0 }]
    // Both see the same credential due.
    for (const p of procs)
      p.src.credentials = [{ id: 'hubspot-token', connections: ['hubspot:main'], owner: null, rotateBy: T0 + 86_400_000 }]
    const transitions: string[] = []
    for (let m = 0; m < 5; m++) {
      transitions.push(...(await tick()))
      await clock.advance(MIN)
    }
    expect(transitions.sort()).toEqual(['fired:circuit-open:hubspot:main', 'fired:credential-rotation:hubspot-token'])
    procs[0]!.src.circuits = [{ connector: 'hubspot', connection: 'main', state: 'closed', retryAfterMs: 0 }]
    for (const p of procs) p.src.credentials = []
    for (let m = 0; m < 8; m++) {
      transitions.push(...(await tick()))
      await clock.advance(MIN)
    }
    expect(transitions.filter((t) => t.startsWith('resolved')).sort()).toEqual([
      'resolved:circuit-open:hubspot:main',
      'resolved:credential-rotation:hubspot-token',
    ])
    expect(receiver.received.map((r) => `${r.type}:${r.data.rule}`).sort()).toEqual([
      'alert.firing:circuit-open',
      'alert.firing:credential-rotation',
      'alert.resolved:circuit-open',
      'alert.resolved:credential-rotation',
    ])
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(4)
  })

  it('sends one digest e-mail for the warnings of both processes', async () => {
    const smtp: SmtpEmulator = smtpEmulator()
    const smtpUrl = await smtp.listen({ host: '127.0.0.1', port: 0 })
    cleanups.push(() => smtp.close())
    const { clock, procs, tick } = await twoProcesses(() => ({
      channels: {
        ops: { type: 'email', url: smtpUrl, from: 'hub@acme.test', to: 'ops@acme.test', digest: { at: '12:00', timezone: 'UTC' } },
      },
    }))
    for (const p of procs)
      p.src.conflicts = [
        { sync: 'crm-hubspot', at: T0 },
        { sync: 'folder-notion', at: T0 },
      ]
    await tick()
    await clock.advance(2 * 3_600_000)
    await tick()
    await tick()
    expect(smtp.messages().map((m) => m.subject)).toEqual(['Pipewright alert digest: 2 incidents, 2 still open'])
  })
})
