/**
 * Distributed mode end to end with the real CLI: `pipewright start --no-worker` (API + ingress)
 * and `pipewright worker` processes on one Postgres database and one Redis prefix, under a
 * webhook load to a loopback receiver. Faults: SIGKILL of a worker mid-load; every key of the
 * queue deleted mid-load in one atomic step (what FLUSHALL does to us, without flushing a
 * Redis other tests share).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createDatabase,
  distBuilt,
  FIXTURES,
  killAll,
  type Proc,
  pipewright,
  type Receiver,
  sendLoad,
  startReceiver,
  statusCounts,
  stop,
  waitUntil,
} from './helpers/cluster.js'
import { deleteKeys, flushKeysAtomically, postgresUrl, REDIS_URL, randomName, redisReachable } from './helpers/services.js'

const pgUrl = await postgresUrl()
const ready = Boolean(pgUrl) && (await redisReachable()) && distBuilt()
if (!ready) console.warn('distributed cluster tests skipped: needs Postgres, Redis and a built dist/ (npm run build)')

const LEASE_MS = 3000
const VICTIM_LEASE_MS = 10_000
const DIR = `${FIXTURES}pipelines/load`

let db: Awaited<ReturnType<typeof createDatabase>>
let receiver: Receiver
let prefix: string
let env: Record<string, string>

beforeEach(async () => {
  if (!ready) return
  db = await createDatabase(pgUrl!)
  receiver = await startReceiver(15)
  prefix = randomName('pwdist')
  env = { PIPEWRIGHT_DATABASE_URL: db.url, PIPEWRIGHT_REDIS_URL: REDIS_URL, PIPEWRIGHT_REDIS_PREFIX: prefix, RECEIVER_URL: receiver.url }
})

afterEach(async () => {
  if (!ready) return
  await killAll()
  await receiver.close()
  await db.drop()
  await deleteKeys(`${prefix}:*`)
})

async function startApi(): Promise<{ proc: Proc; hookUrl: string }> {
  const proc = pipewright(['start', '--no-worker', '--port', '0', '--dir', DIR], env)
  const line = await proc.waitFor(/listening on (http:\/\/\S+)/)
  return { proc, hookUrl: `${/listening on (http:\/\/\S+)/.exec(line)![1]}/hooks/load` }
}

async function startWorker(concurrency: number, leaseMs = LEASE_MS): Promise<Proc> {
  const proc = pipewright(['worker', '--concurrency', String(concurrency), '--lease-ms', String(leaseMs), '--dir', DIR], env)
  await proc.waitFor(/pipewright worker: .*dispatch bullmq/)
  return proc
}

/** Runs leased by process `pid` right now (its worker id is `<host>:<pid>:<suffix>`). */
async function leasedBy(pid: number): Promise<Set<string>> {
  const { rows } = await db.query.query<{ id: string }>(`SELECT id FROM runs WHERE status = 'running' AND lease_owner LIKE $1`, [
    `%:${pid}:%`,
  ])
  return new Set(rows.map((r) => r.id))
}

async function allSucceeded(runIds: string[], timeoutMs: number) {
  return waitUntil(
    'every acknowledged run succeeded',
    async () => ((await statusCounts(db.query, runIds)).succeeded ?? 0) === runIds.length,
    timeoutMs,
  )
}

describe.skipIf(!ready)('distributed: one API process and worker processes on Postgres + Redis', () => {
  it('loses no acknowledged event when a worker is SIGKILLed mid-load, and repeats effects only for runs it held', async () => {
    const { proc: api, hookUrl } = await startApi()
    // The victim's leases outlive its death long enough (VICTIM_LEASE_MS) for the test to read
    // which runs it held, however slowly this machine reports the exit; the survivor then takes
    // them over when they expire.
    const victim = await startWorker(16, VICTIM_LEASE_MS)
    const survivor = await startWorker(16)
    let killed: Promise<Set<string>> | null = null
    const load = await sendLoad(hookUrl, 1000, {
      concurrency: 24,
      tag: 'crash',
      onAck: (n) => {
        if (n === 400 && !killed) {
          killed = (async () => {
            // Kill while the victim holds leases, so the test proves something: wait for that event.
            const before = await waitUntil(
              'the victim worker holds leases',
              async () => {
                const held = await leasedBy(victim.pid)
                return held.size > 0 ? held : undefined
              },
              60_000,
              5,
            )
            victim.kill('SIGKILL')
            await victim.exited
            // Held at the kill: what it held just before, plus what it leased in between.
            return new Set([...before!, ...(await leasedBy(victim.pid))])
          })()
        }
      },
    })
    expect(killed).not.toBeNull()
    const inflightAtKill = await killed!
    // The kill hit a worker that was executing runs (else this test would prove nothing).
    expect(inflightAtKill.size).toBeGreaterThan(0)
    const t0 = Date.now()
    const runIds = [...load.acked.values()]
    expect(runIds).toHaveLength(1000)
    await allSucceeded(runIds, 180_000)

    // Every acknowledged run's effect reached the receiver.
    const missing = runIds.filter((id) => !receiver.byKey.has(`${id}:deliver`))
    expect(missing).toEqual([])
    // Repeats only inside the crash window: runs the killed worker held, at most once more each.
    const repeated = [...receiver.byKey].filter(([, n]) => n > 1)
    for (const [key, n] of repeated) {
      expect(inflightAtKill.has(key.replace(/:deliver$/, '')), `${key} repeated but was not held by the killed worker`).toBe(true)
      expect(n).toBe(2)
    }
    expect(repeated.length).toBeLessThanOrEqual(inflightAtKill.size)
    console.info(
      `SIGKILL: ${inflightAtKill.size} runs held by the killed worker, ${repeated.length} effects repeated, all done ${Date.now() - t0} ms after the load`,
    )
    // The survivor finished the victim's work and both live processes shut down cleanly.
    expect(await stop(survivor)).toBe(0)
    expect(await stop(api)).toBe(0)
  }, 240_000)

  it('loses nothing when every Redis key of the queue vanishes mid-load (the sweeper re-dispatches from the store)', async () => {
    const { proc: api, hookUrl } = await startApi()
    const w1 = await startWorker(16)
    const w2 = await startWorker(16)
    let flushed: Promise<number> | null = null
    const load = await sendLoad(hookUrl, 800, {
      concurrency: 24,
      tag: 'flush',
      onAck: (n) => {
        if (n === 300 && !flushed) flushed = flushKeysAtomically(`${prefix}:*`)
      },
    })
    expect(await flushed!).toBeGreaterThan(0)
    const runIds = [...load.acked.values()]
    expect(runIds).toHaveLength(800)
    const t0 = Date.now()
    await allSucceeded(runIds, 180_000)
    console.info(`flush: all ${runIds.length} runs done ${Date.now() - t0} ms after the load`)
    expect(runIds.filter((id) => !receiver.byKey.has(`${id}:deliver`))).toEqual([])
    // No worker died, so no run executed twice: every effect exactly once.
    expect([...receiver.byKey].filter(([, n]) => n > 1)).toEqual([])
    for (const p of [w1, w2, api]) expect(await stop(p)).toBe(0)
  }, 240_000)
})
