/**
 * Two worker processes share one provider limit through Redis. The receiver plays the provider:
 * it enforces the limit over a sliding window and answers 429 to a request over it. Counting
 * those refusals (not requests per wall-clock second, which a busy machine bunches up) shows
 * whether the limit was respected: with the shared limiter there are none, and its own waits show
 * it held requests back; the control run counts limits per process (in-memory limiter) and draws
 * 429s, which shows the test can tell the difference.
 */
import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
// The API side is built from dist/ like the worker processes, so all three run the same build.
import { createBullmqDispatch } from '../../dist/dispatch/bullmq.js'
import { createHub, type Hub } from '../../dist/engine/hub.js'
import { loadPipelines } from '../../dist/pipeline/load.js'
import { createPostgresStore } from '../../dist/store/postgres/index.js'
import { distBuilt, FIXTURES, killAll, type Receiver, spawnProcess, startReceiver, statusCounts, waitUntil } from './helpers/cluster.js'
import { deleteKeys, dropSchema, postgresUrl, REDIS_URL, randomName, redisReachable } from './helpers/services.js'

const pgUrl = await postgresUrl()
const ready = Boolean(pgUrl) && (await redisReachable()) && distBuilt()
if (!ready) console.warn('shared-limit tests skipped: needs Postgres, Redis and a built dist/ (npm run build)')

const LIMIT = 10
/** The API process executes nothing. */
const noActions = { execute: async () => ({}), check: () => null, close: async () => {} }
const DIR = `${FIXTURES}pipelines/limited`

let schema: string
let prefix: string
let receiver: Receiver
let api: Hub | null = null

beforeEach(async () => {
  if (!ready) return
  schema = randomName('pw_lim_')
  prefix = randomName('pwlim')
  receiver = await startReceiver(5, { count: LIMIT, windowMs: 1000 })
})

afterEach(async () => {
  if (!ready) return
  await killAll()
  await api?.close()
  api = null
  await receiver.close()
  await dropSchema(pgUrl!, schema)
  await deleteKeys(`${prefix}:*`)
})

/** Ingest `count` events from this process (no worker here) and run them on two limited workers: all of them (shared limiter), or until the first 429 (control). */
async function runTwoWorkers(limiter: 'redis' | 'memory', count: number) {
  const env = {
    DATABASE_URL: pgUrl!,
    SCHEMA: schema,
    REDIS_URL,
    PREFIX: prefix,
    LIMITER: limiter,
    LIMIT: String(LIMIT),
    PIPELINES_DIR: DIR,
    RECEIVER_URL: receiver.url,
  }
  const store = createPostgresStore({ connectionString: pgUrl!, schema })
  const dispatch = await createBullmqDispatch({ url: REDIS_URL, prefix })
  const pipelines = await loadPipelines(DIR, { env, cwd: process.cwd() })
  api = await createHub({ pipelines, store, dispatch, actions: noActions, worker: false })
  await api.start()
  const workers = [0, 1].map(() => spawnProcess(process.execPath, [`${FIXTURES}limited-worker.mjs`], env))
  await Promise.all(workers.map((w) => w.waitFor(/^ready$/)))
  const results = await api.ingest(
    'limited',
    Array.from({ length: count }, (_, n) => ({ payload: { n } })),
  )
  const runIds = results.map((r) => r.runId)
  if (limiter === 'redis')
    await waitUntil(
      'every run succeeded',
      async () => {
        const c = await statusCounts(poolOf(store), runIds)
        return c.succeeded === count
      },
      150_000,
    )
  // The control has shown what it is for at its first 429; the parked runs' recovery is not its subject.
  else await waitUntil('a request over the limit (429)', () => receiver.tooMany() > 0, 150_000)
  return {
    accepted: receiver.total(),
    refused: receiver.tooMany(),
    /** How often the workers' own limiter held a request back. */
    held: workers.reduce((n, w) => n + w.lines.filter((l) => l === 'limited').length, 0),
  }
}

/** The Postgres store's own pool is private; query through a tiny pg pool on the same schema. */
const pools: pg.Pool[] = []
function poolOf(_store: unknown): pg.Pool {
  if (!pools[0]) pools[0] = new pg.Pool({ connectionString: pgUrl!, max: 1, options: `-c search_path=${schema}` })
  return pools[0]
}
afterEach(async () => {
  for (const p of pools.splice(0)) await p.end()
})

describe.skipIf(!ready)('distributed: rate limits shared through Redis', () => {
  it(`two workers sharing a ${LIMIT}/s limit draw no 429 from a provider enforcing it`, async () => {
    const r = await runTwoWorkers('redis', 80)
    console.info(`shared ${LIMIT}/s limit: ${r.accepted} accepted, ${r.refused} × 429, limiter held requests back ${r.held} times`)
    expect(r.accepted).toBe(80)
    expect(r.refused).toBe(0)
    // The limit was binding (else the test proves nothing): the limiter made requests wait.
    expect(r.held).toBeGreaterThan(0)
  }, 180_000)

  it('control: with per-process limits the two workers together go over the limit and draw 429s', async () => {
    const r = await runTwoWorkers('memory', 60)
    console.info(`per-process limits (control): ${r.refused} × 429 after ${r.accepted} accepted`)
    expect(r.refused).toBeGreaterThan(0)
  }, 180_000)
})
