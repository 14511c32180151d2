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
    await new Promise((r) => setTimeout(r, 5000))
    const lastTick = Math.floor(Date.now() / 1000) * 1000 - 1000
    // Every tick that all three saw has finished before they stop.
    await waitUntil(
      'ticks up to the last one succeeded',
      async () => {
        const { rows } = await db.query.query<{ n: string }>(
          `SELECT count(*) AS n FROM runs WHERE pipeline_id = 'tick' AND status <> 'succeeded'`,
        )
        return Number(rows[0]!.n) === 0
      },
      60_000,
    )
    for (const p of procs) expect(await stop(p)).toBe(0)

    const { rows } = await db.query.query<{ payload: unknown; delivery_id: string }>(
      `SELECT payload, delivery_id FROM events WHERE pipeline_id = 'tick'`,
    )
    const ticks = rows.map((r) => Date.parse((typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload).tick as string))
    const counts = new Map<number, number>()
    for (const t of ticks) counts.set(t, (counts.get(t) ?? 0) + 1)
    // Never twice.
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([])
    // Never zero: every second from when all three were up to the last complete tick has its run.
    const expected: number[] = []
    for (let t = Math.ceil(allUp / 1000) * 1000; t <= lastTick; t += 1000) expected.push(t)
    expect(expected.length).toBeGreaterThanOrEqual(3)
    expect(expected.filter((t) => !counts.has(t))).toEqual([])
    // One effect per tick.
    expect([...receiver.byKey.values()].filter((n) => n !== 1)).toEqual([])
    expect(receiver.total()).toBe(ticks.length)
  }, 180_000)
})
