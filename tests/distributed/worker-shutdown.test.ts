/**
 * Graceful shutdown of a `pipewright worker` (Postgres + BullMQ), as tests/shutdown.test.ts does
 * for an embedded process: the API process (`start --no-worker`) takes the webhooks, one worker
 * executes them against a receiver that holds its answers. After SIGTERM the runs in flight get
 * the grace; at the deadline their calls are aborted, nothing is sent after it, the worker exits
 * within grace + 2 s and its runs are handed back (not left leased). A call answered during the
 * grace is recorded and not repeated by the worker that resumes the runs.
 */
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { eventually } from '../helpers/engine.js'
import { expectCutAtDeadline, holdingReceiver } from '../helpers/holding-receiver.js'
import { createDatabase, distBuilt, killAll, pipewright, ROOT, stop } from './helpers/cluster.js'
import { deleteKeys, postgresUrl, REDIS_URL, randomName, redisReachable } from './helpers/services.js'

const pgUrl = await postgresUrl()
const ready = Boolean(pgUrl) && (await redisReachable()) && distBuilt()
if (!ready) console.warn('distributed worker shutdown test skipped: needs Postgres, Redis and a built dist/ (npm run build)')

const RUNS = 20
const GRACE_MS = 2000
const DIR = join(ROOT, 'tests/fixtures/shutdown/pipelines')

let db: Awaited<ReturnType<typeof createDatabase>>
let receiver: Awaited<ReturnType<typeof holdingReceiver>>
let prefix: string

beforeEach(async () => {
  if (!ready) return
  db = await createDatabase(pgUrl!)
  receiver = await holdingReceiver()
  prefix = randomName('pwstop')
})

afterEach(async () => {
  if (!ready) return
  await killAll()
  await receiver.close()
  await db.drop()
  await deleteKeys(`${prefix}:*`)
})

describe.skipIf(!ready)('distributed: graceful shutdown of a worker process', () => {
  it('aborts at the deadline, sends nothing after it, exits within grace + 2 s, hands its runs back and repeats no answered call', async () => {
    const r = receiver
    const env = { PIPEWRIGHT_DATABASE_URL: db.url, PIPEWRIGHT_REDIS_URL: REDIS_URL, PIPEWRIGHT_REDIS_PREFIX: prefix, RECEIVER_URL: r.url }
    const api = pipewright(['start', '--no-worker', '--port', '0', '--dir', DIR], env)
    const base = /listening on (http:\/\/\S+)/.exec(await api.waitFor(/listening on (http:\/\/\S+)/))![1]
    const workerArgs = ['worker', '--concurrency', '32', '--dir', DIR]
    const first = pipewright([...workerArgs, '--shutdown-grace', `${GRACE_MS}ms`], env)
    await first.waitFor(/pipewright worker: .*dispatch bullmq/)

    r.holdWhen((c) => c.path === '/b' || c.path === '/c')
    for (let n = 0; n < RUNS; n++) {
      const res = await fetch(`${base}/hooks/slow`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ n }),
      })
      expect(res.status).toBe(202)
    }
    // Every run is inside its /b call, held by the receiver (an event, however slow the machine).
    await eventually(() => r.calls.filter((c) => c.path === '/b').length === RUNS, 120_000, 20)

    const t0 = Date.now()
    first.kill('SIGTERM')
    // Even runs get their /b answered during the grace and go on to /c, which is held.
    r.release((c) => c.path === '/b' && c.n % 2 === 0)
    const code = await first.exited
    const tExit = Date.now()
    expect(code).toBe(0)
    expect(tExit - t0).toBeLessThanOrEqual(GRACE_MS + 2000)
    const late = r.calls.filter((c) => c.at > t0 + GRACE_MS + 300)
    expect(late, 'calls that arrived after the deadline').toEqual([])
    // The even runs reached /c within the grace (so the test exercises a completed call).
    for (let n = 0; n < RUNS; n += 2) expect(r.count('/c', n), `n=${n}`).toBe(1)
    r.release(() => true)

    // Handed back: every run is queued again, none left leased to the process that exited.
    const { rows } = await db.query.query<{ status: string; lease_owner: string | null }>(`SELECT status, lease_owner FROM runs`)
    expect(rows).toHaveLength(RUNS)
    expect(rows.filter((x) => x.status === 'running' || x.lease_owner !== null)).toEqual([])

    // A new worker resumes them: the cut calls go out again, the answered ones do not.
    r.holdWhen(() => false)
    const second = pipewright(workerArgs, env)
    await second.waitFor(/pipewright worker: .*dispatch bullmq/)
    const t1 = Date.now()
    await eventually(() => r.resumed(RUNS), 120_000, 50)
    console.info(
      `worker shutdown: exited ${tExit - t0} ms after SIGTERM (grace ${GRACE_MS} ms); the next worker resumed every run in ${Date.now() - t1} ms`,
    )
    expect(await stop(second, 30_000)).toBe(0)
    expect(await stop(api, 30_000)).toBe(0)
    expectCutAtDeadline(r, RUNS)
  }, 300_000)

  it('re-adds the runs it hands back to the queue at once: a worker already running takes them without a sweep', async () => {
    const r = receiver
    const runs = 6
    const env = { PIPEWRIGHT_DATABASE_URL: db.url, PIPEWRIGHT_REDIS_URL: REDIS_URL, PIPEWRIGHT_REDIS_PREFIX: prefix, RECEIVER_URL: r.url }
    const api = pipewright(['start', '--no-worker', '--port', '0', '--dir', DIR], env)
    const base = /listening on (http:\/\/\S+)/.exec(await api.waitFor(/listening on (http:\/\/\S+)/))![1]
    // No process sweeps during this test: the sweep election's key is taken for an hour, so only
    // the stopping worker's re-add can bring the handed-back runs to the other worker.
    await db.query.query(
      `INSERT INTO keyed_values (namespace, key, value, updated_at, expires_at) VALUES ('pipewright:sweep', 'owner', '"test"', $1, $2)`,
      [Date.now(), Date.now() + 3_600_000],
    )
    const workerArgs = ['worker', '--concurrency', '32', '--dir', DIR]
    const first = pipewright([...workerArgs, '--shutdown-grace', '1s'], env)
    await first.waitFor(/pipewright worker: .*dispatch bullmq/)
    r.holdWhen((c) => c.path === '/b')
    for (let n = 0; n < runs; n++) {
      const res = await fetch(`${base}/hooks/slow`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ n }),
      })
      expect(res.status).toBe(202)
    }
    await eventually(() => r.calls.filter((c) => c.path === '/b').length === runs, 120_000, 20)

    // The second worker is idle (the queue is empty, every run is leased to the first).
    const second = pipewright(workerArgs, env)
    await second.waitFor(/pipewright worker: .*dispatch bullmq/)
    r.holdWhen(() => false)
    first.kill('SIGTERM')
    expect(await first.exited).toBe(0)
    const tExit = Date.now()
    await eventually(() => Array.from({ length: runs }, (_, n) => n).every((n) => r.count('/c', n) === 1), 120_000, 20)
    console.info(`worker shutdown: the running worker took the ${runs} handed-back runs ${Date.now() - tExit} ms after the first exited`)
    for (let n = 0; n < runs; n++) expect(r.count('/b', n), `/b n=${n}`).toBe(2) // cut, then sent again by the second
    const sweepKey = await db.query.query(`SELECT value FROM keyed_values WHERE namespace = 'pipewright:sweep'`)
    expect(sweepKey.rows).toEqual([{ value: 'test' }])
    expect(await stop(second, 30_000)).toBe(0)
    expect(await stop(api, 30_000)).toBe(0)
  }, 300_000)
})
