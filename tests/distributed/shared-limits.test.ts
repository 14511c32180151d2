/**
 * Two worker processes share one provider limit through Redis: together they never send more
 * than LIMIT requests in any wall-clock second. The control run counts limits per process
 * (in-memory limiter) and does exceed it, which shows the test can tell the difference.
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

const LIMIT = 20
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
  receiver = await startReceiver(5)
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

/** Ingest `count` events from this process (no worker here) and run them on two limited workers. */
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
  await waitUntil(
    'every run succeeded',
    async () => {
      const c = await statusCounts(poolOf(store), runIds)
      return c.succeeded === count
    },
    150_000,
  )
  return [...receiver.bySecond.values()]
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
  it(`two workers sharing a ${LIMIT}/s limit never send more than ${LIMIT} in any second`, async () => {
    const perSecond = await runTwoWorkers('redis', 120)
    console.info(`shared ${LIMIT}/s limit, requests per second: ${perSecond.join(' ')}`)
    expect(perSecond.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(120)
    expect(perSecond.filter((n) => n > LIMIT)).toEqual([])
    // The limit was the bottleneck (else the test proves nothing): some second came close to it.
    expect(Math.max(...perSecond)).toBeGreaterThanOrEqual(LIMIT * 0.75)
  }, 180_000)

  it('control: with per-process limits the two workers together exceed the limit', async () => {
    const perSecond = await runTwoWorkers('memory', 100)
    console.info(`per-process limits (control), requests per second: ${perSecond.join(' ')}`)
    expect(perSecond.filter((n) => n > LIMIT).length).toBeGreaterThan(0)
  }, 180_000)
})
