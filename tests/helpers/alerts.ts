/**
 * Helpers for alert tests: a loopback HTTP receiver for the webhook channel that checks each
 * request's Standard Webhooks signature, and a scriptable alerting set-up on a real store.
 */
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { CircuitRow } from '../../src/connectors/gateway/gateway.js'
import { HubEvents } from '../../src/engine/events.js'
import { createAlerting } from '../../src/observe/alerts/alerting.js'
import { compileAlertsConfig } from '../../src/observe/alerts/config.js'
import type { CredentialInfo, RuleSources, SyncConflictInfo } from '../../src/observe/alerts/contract.js'
import { createSeriesRecorder } from '../../src/observe/series-recorder.js'
import type { BudgetRow } from '../../src/resilience/budget.js'
import type { Store } from '../../src/store/contract.js'
import { verifyStandardWebhook } from '../../src/triggers/auth/index.js'
import type { Clock } from '../../src/types.js'

export const WEBHOOK_SECRET = `whsec_${Buffer.from('alert-test-secret-0123456789abcd').toString('base64')}`

export interface Received {
  id: string
  type: string
  data: { rule: string; subject: string; kind: string; severity: string; level: number; summary: string; incidentId: string }
  signed: boolean
}

/** A webhook receiver on loopback; `received` fills as requests arrive. */
export async function webhookReceiver(now: () => number) {
  const received: Received[] = []
  const waiters: Array<() => void> = []
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks)
      const verdict = verifyStandardWebhook(
        { scheme: 'standard-webhooks', secret: WEBHOOK_SECRET },
        { method: 'POST', url: req.url ?? '/', headers: req.headers, rawBody },
        now(),
      )
      const body = JSON.parse(rawBody.toString('utf8'))
      received.push({ id: String(req.headers['webhook-id']), type: body.type, data: body.data, signed: verdict.ok })
      res.writeHead(204).end()
      for (const w of waiters.splice(0)) w()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`
  return {
    url,
    received,
    of: (rule: string) => received.filter((r) => r.data.rule === rule).map((r) => `${r.data.kind}:${r.data.subject}`),
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

/** Mutable sources a test scripts incidents with. */
export interface ScriptedSources {
  circuits: CircuitRow[]
  usage: BudgetRow[] | null
  credentials: CredentialInfo[]
  conflicts: SyncConflictInfo[]
}

export function scriptedAlerting(
  store: Store,
  clock: Clock,
  raw: unknown,
  options: { owner?: string; usage?: RuleSources['usage']; queueDepth?: () => number } = {},
) {
  const events = new HubEvents()
  const src: ScriptedSources = { circuits: [], usage: null, credentials: [], conflicts: [] }
  const series = createSeriesRecorder({
    events,
    store,
    clock,
    source: options.owner ?? 'p1',
    circuits: () => src.circuits,
    flushIntervalMs: 3_600_000,
  })
  const alerting = createAlerting({
    store,
    clock,
    config: compileAlertsConfig(raw),
    owner: options.owner ?? 'p1',
    sources: {
      usage: options.usage ?? (async () => src.usage ?? []),
      credentials: async () => src.credentials,
      syncConflicts: async (since) => src.conflicts.filter((c) => c.at >= since),
    },
    beforeEvaluate: () => series.flush(),
  })
  return {
    events,
    src,
    series,
    alerting,
    async close() {
      await alerting.close()
      await series.close()
    },
  }
}
