/**
 * Kill loop: `pipewright start` on SQLite under a steady webhook load is SIGKILLed every 2–5 s and
 * restarted each time, for 60 s (20 s when CI is set, or KILL_LOOP_MS). Afterwards every
 * acknowledged event's run has succeeded and its call reached the receiver, and a call that
 * reached the receiver twice did so across a kill (the crash window: sent, not yet checkpointed),
 * never twice within one process lifetime.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createSqliteStore } from '../src/store/sqlite/index.js'
import { eventually, tempDir } from './helpers/engine.js'
import { crashStartArgs, postCrashLead, ROOT, type Spawned, spawnPipewright } from './helpers/process.js'

const LOOP_MS = Number(process.env.KILL_LOOP_MS ?? (process.env.CI ? 20_000 : 60_000))
const CONCURRENCY = 8
/** Kills the loop makes at least, however long a loaded machine takes to restart (1 per 10 s of loop). */
const MIN_KILLS = Math.max(2, Math.floor(LOOP_MS / 10_000))
/** Events each process acknowledges before it may be killed: every kill lands under load. */
const PER_LIFE = 10

/** A receiver that records when each Idempotency-Key arrived. */
async function timedReceiver() {
  const arrivals = new Map<string, number[]>()
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const key = String(req.headers['idempotency-key'] ?? '')
      arrivals.set(key, [...(arrivals.get(key) ?? []), Date.now()])
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

describe('kill loop', () => {
  const tmp = tempDir('pw-kill-loop-')
  const spawned: Spawned[] = []
  let receiver: Awaited<ReturnType<typeof timedReceiver>> | null = null
  afterAll(async () => {
    for (const s of spawned) await s.kill('SIGKILL')
    await receiver?.close()
    tmp.cleanup()
  })

  it(`SIGKILL every 2–5 s for ${LOOP_MS / 1000} s under load: 0 acknowledged events lost, repeats only across kills`, {
    timeout: LOOP_MS + 300_000,
  }, async () => {
    receiver = await timedReceiver()
    const r = receiver
    const db = join(tmp.dir, 'loop.db')
    const args = crashStartArgs(db)
    const env = { RECEIVER_URL: r.url }
    let server = await spawnPipewright(args, env)
    spawned.push(server)

    const acked = new Set<string>()
    const kills: number[] = []
    let n = 0
    /** Events the running process acknowledged since it started. */
    let ackedHere = 0
    let stop = false
    let restarting: Promise<void> = Promise.resolve()
    const load = async () => {
      while (!stop) {
        await restarting
        const i = n++
        const runId = await postCrashLead(server.url, i)
        if (runId) {
          acked.add(runId)
          ackedHere++
        }
      }
    }
    const loaders = Array.from({ length: CONCURRENCY }, load)
    const end = Date.now() + LOOP_MS
    while (Date.now() < end || kills.length < MIN_KILLS) {
      // Each kill lands under load, however slowly this machine restarts: the process has taken
      // events (an event to wait for, with a generous bound), then lives 2–5 s more.
      await eventually(() => ackedHere >= PER_LIFE, 60_000, 20)
      await new Promise((resolve) => setTimeout(resolve, 2000 + Math.floor(Math.random() * 3000)))
      restarting = (async () => {
        await server.kill('SIGKILL')
        kills.push(Date.now())
        ackedHere = 0
        server = await spawnPipewright(args, env, ROOT, 60_000)
        spawned.push(server)
      })()
      await restarting
    }
    stop = true
    await Promise.all(loaders)
    expect(kills.length).toBeGreaterThanOrEqual(MIN_KILLS)
    expect(acked.size).toBeGreaterThanOrEqual(PER_LIFE * kills.length)

    const store = createSqliteStore({ path: db })
    try {
      await eventually(
        async () => {
          const counts = await store.countRuns({ pipelineId: 'crash' })
          return counts.succeeded >= acked.size && counts.queued + counts.running + counts.waiting === 0
        },
        120_000,
        250,
      )
      for (const runId of acked) expect((await store.getRun(runId))?.status, `run ${runId}`).toBe('succeeded')
    } finally {
      await store.close()
    }
    const missing = [...acked].filter((id) => !r.arrivals.has(`${id}:deliver`))
    expect(missing, 'acknowledged events whose call never arrived').toEqual([])
    // A repeat must straddle a kill: its first arrival before some kill, the next one after it.
    const outsideWindows: string[] = []
    let repeats = 0
    for (const [key, times] of r.arrivals) {
      for (let k = 1; k < times.length; k++) {
        repeats++
        if (!kills.some((t) => times[k - 1]! <= t && times[k]! > t)) outsideWindows.push(key)
      }
    }
    console.log(
      `kill loop: ${kills.length} kills in ${LOOP_MS} ms, ${acked.size} acknowledged events (of ${n} sent), ${repeats} repeated calls, all across kills: ${outsideWindows.length === 0}`,
    )
    expect(outsideWindows, 'calls repeated within one process lifetime').toEqual([])
  })
})
