/**
 * A schedule fires once per tick cluster-wide: three `pipewright worker` processes run the
 * scheduler of a pipeline that ticks every second; the store's delivery dedupe
 * (`<pipeline>@<tick ISO>`) lets exactly one of them start the tick's run.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createDatabase,
  distBuilt,
  FIXTURES,
  killAll,
  pipewright,
  type Receiver,
  startReceiver,
  stop,
  waitUntil,
} from './helpers/cluster.js'
import { deleteKeys, postgresUrl, REDIS_URL, randomName, redisReachable } from './helpers/services.js'

const pgUrl = await postgresUrl()
const ready = Boolean(pgUrl) && (await redisReachable()) && distBuilt()
if (!ready) console.warn('distributed cron test skipped: needs Postgres, Redis and a built dist/ (npm run build)')

let db: Awaited<ReturnType<typeof createDatabase>>
let receiver: Receiver
let prefix: string

beforeEach(async () => {
  if (!ready) return
  db = await createDatabase(pgUrl!)
  receiver = await startReceiver()
  prefix = randomName('pwcron')
})

afterEach(async () => {
  if (!ready) return
  await killAll()
  await receiver.close()
  await db.drop()
  await deleteKeys(`${prefix}:*`)
})

describe.skipIf(!ready)('distributed: schedules', () => {
  it('fires each cron tick exactly once with three processes running the scheduler, and misses none', async () => {
    const env = {
      PIPEWRIGHT_DATABASE_URL: db.url,
      PIPEWRIGHT_REDIS_URL: REDIS_URL,
      PIPEWRIGHT_REDIS_PREFIX: prefix,
      RECEIVER_URL: receiver.url,
    }
    const dir = `${FIXTURES}pipelines/cron`
    const procs = [0, 1, 2].map(() => pipewright(['worker', '--concurrency', '4', '--dir', dir], env))
    await Promise.all(procs.map((p) => p.waitFor(/pipewright worker: .*dispatch bullmq/)))
    const allUp = Date.now()
    // The ticks of the first SPAN whole seconds after all three were up: each must get its run.
    const SPAN = 4
    const first = Math.ceil(allUp / 1000) * 1000
    const expected = Array.from({ length: SPAN }, (_, i) => first + i * 1000)
    const tickRuns = async () => {
      const { rows } = await db.query.query<{ id: string; status: string; payload: unknown }>(
        `SELECT r.id, r.status, e.payload FROM runs r JOIN events e ON e.id = r.event_id WHERE e.pipeline_id = 'tick'`,
      )
      return rows.map((r) => ({
        id: r.id,
        status: r.status,
        tick: Date.parse((typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload).tick as string),
      }))
    }
    // Wait for those ticks' runs to succeed (events, however slow the machine), not a fixed time.
    await waitUntil(
      `a succeeded run for each of the ${SPAN} ticks after all three were up`,
      async () => {
        const done = new Set((await tickRuns()).filter((r) => r.status === 'succeeded').map((r) => r.tick))
        return expected.every((t) => done.has(t))
      },
      120_000,
    )
    for (const p of procs) expect(await stop(p, 30_000)).toBe(0)

    const runs = await tickRuns()
    const counts = new Map<number, number>()
    for (const r of runs) counts.set(r.tick, (counts.get(r.tick) ?? 0) + 1)
    // Never twice.
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([])
    // Never zero: every second from when all three were up has its run.
    expect(expected.filter((t) => !counts.has(t))).toEqual([])
    // One effect per succeeded run, and none without a run. (A tick that fired as the processes
    // stopped may be left queued: it is owed to the next process, not lost.)
    for (const r of runs.filter((x) => x.status === 'succeeded')) expect(receiver.byKey.get(`${r.id}:deliver`), r.id).toBe(1)
    expect([...receiver.byKey.values()].filter((n) => n !== 1)).toEqual([])
    expect(receiver.total()).toBeLessThanOrEqual(runs.length)
  }, 180_000)
})
