/**
 * Airtable delivery rate: records/s created in the Airtable emulator (5 requests/s per base,
 * 50 per token, 429 then a 30 s penalty) through the gateway, whose micro-batcher coalesces
 * concurrent `records.create` calls into requests of 10 and whose limiter paces them at
 * 5 requests/s per base — against the 50 records/s ceiling (5 × 10). Same-run baseline: a
 * naive client sending batches of 10 as fast as the API answers, which meets 429s and the
 * penalty. Bounded to about 20 s (12 s gateway budget, 6 s baseline).
 *
 *   npx jiti bench/airtable.ts [records=500]
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { request } from 'undici'
import { airtableConnector } from '../src/connectors/airtable/connector.js'
import { airtableEmulator } from '../src/connectors/airtable/emulator.js'
import { createGateway } from '../src/connectors/gateway/index.js'
import { sleep } from '../src/connectors/gateway/throttle.js'
import { parseAllowList } from '../src/connectors/net/address-policy.js'
import { systemClock } from '../src/engine/clock.js'
import { retryAfterOf } from '../src/errors.js'
import { createSqliteStore } from '../src/store/sqlite/index.js'

const CEILING = 50
const WORKERS = 50

interface Figures {
  records: number
  seconds: number
  recordsPerSecond: number
  requests: number
  status429: number
  shareOfCeiling: number
  /** Records/s after the first second's burst of 5 requests (the steady pace). */
  steadyRecordsPerSecond: number
}

async function viaGateway(total: number, budgetMs: number): Promise<Figures> {
  const emu = airtableEmulator({ tokens: ['pat-bench'] })
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-airtable-'))
  const store = createSqliteStore({ path: join(dir, 'pw.db') })
  await store.migrate()
  const gateway = createGateway({
    allowPrivateNetwork: parseAllowList('127.0.0.1/32'), // the emulator is on loopback
    connectors: [airtableConnector],
    connections: { airtable: { default: { token: 'pat-bench', baseUrl: await emu.listen() } } },
    store,
    clock: systemClock,
    maxInPlaceWaitMs: 2000,
  })
  const started = Date.now()
  let next = 0
  let done = 0
  // Workers behave like the engine: a RateLimitedError parks the run for the given wait.
  const worker = async () => {
    while (next < total && Date.now() - started < budgetMs) {
      const i = next++
      for (;;) {
        try {
          await gateway.execute({
            ref: 'airtable.records.create',
            input: { base: 'appBENCH', table: 'Leads', fields: { N: i } },
            runId: `r${i}`,
            pipelineId: 'bench',
            stepId: 'create',
            attempt: 1,
            idempotencyKey: `r${i}:create`,
            signal: new AbortController().signal,
          })
          done++
          break
        } catch (e) {
          const wait = retryAfterOf(e)
          if (wait === undefined || Date.now() - started + wait > budgetMs) throw e
          await sleep(systemClock, wait)
        }
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: WORKERS }, worker))
  } finally {
    await gateway.close()
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
  const seconds = (Date.now() - started) / 1000
  const log = emu.requests()
  await emu.close()
  return figures(done, seconds, log)
}

async function naive(budgetMs: number): Promise<Figures> {
  const emu = airtableEmulator({ tokens: ['pat-bench'] })
  const url = `${await emu.listen()}/v0/appBENCH/Leads`
  const started = Date.now()
  let done = 0
  let n = 0
  // Four concurrent senders of 10-record batches, no pacing, a 1 s back-off after a 429.
  const sender = async () => {
    while (Date.now() - started < budgetMs) {
      const records = Array.from({ length: 10 }, () => ({ fields: { N: n++ } }))
      const res = await request(url, {
        method: 'POST',
        headers: { authorization: 'Bearer pat-bench', 'content-type': 'application/json' },
        body: JSON.stringify({ records }),
      })
      await res.body.text()
      if (res.statusCode === 200) done += 10
      else await new Promise((r) => setTimeout(r, 1000))
    }
  }
  await Promise.all(Array.from({ length: 4 }, sender))
  const seconds = (Date.now() - started) / 1000
  const log = emu.requests()
  await emu.close()
  return figures(done, seconds, log)
}

function figures(records: number, seconds: number, log: Array<{ status: number; receivedAt: number; body: unknown }>): Figures {
  const recordsPerSecond = records / seconds
  const ok = log.filter((r) => r.status === 200)
  const after = ok.slice(5)
  const span = after.length ? (after[after.length - 1].receivedAt - ok[4].receivedAt) / 1000 : 0
  const steadyRecords = after.reduce((n, r) => n + ((r.body as { records?: unknown[] }).records?.length ?? 0), 0)
  const steady = span > 0 ? steadyRecords / span : 0
  return {
    records,
    seconds: Number(seconds.toFixed(2)),
    recordsPerSecond: Number(recordsPerSecond.toFixed(1)),
    requests: log.length,
    status429: log.filter((r) => r.status === 429).length,
    shareOfCeiling: Number((steady / CEILING).toFixed(3)),
    steadyRecordsPerSecond: Number(steady.toFixed(1)),
  }
}

export async function runAirtable(total = 500): Promise<{ gateway: Figures; naiveBaseline: Figures; ceilingRecordsPerSecond: number }> {
  const gateway = await viaGateway(total, 12_000)
  const naiveBaseline = await naive(6000)
  const show = (name: string, f: Figures) =>
    console.log(
      `${name.padEnd(28)} ${String(f.records).padStart(5)} records in ${f.seconds.toFixed(2)} s = ${f.recordsPerSecond.toFixed(1).padStart(5)} records/s overall, ${f.steadyRecordsPerSecond.toFixed(1).padStart(5)} records/s after the first burst (${(f.shareOfCeiling * 100).toFixed(0)} % of ${CEILING}/s), ${f.requests} requests, ${f.status429} × 429`,
    )
  console.log('airtable: records/s into one base (5 req/s per base, batches of 10; ceiling 50 records/s)')
  show('gateway (batch 10, paced)', gateway)
  show('naive (batch 10, unpaced)', naiveBaseline)
  return { gateway, naiveBaseline, ceilingRecordsPerSecond: CEILING }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runAirtable(Number(process.argv[2] ?? 500))
}
