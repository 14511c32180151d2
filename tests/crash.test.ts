/**
 * Crash test: `pipewright start` on SQLite under a load of a few thousand webhook events is
 * killed with SIGKILL mid-load and restarted. Every acknowledged event's run must complete,
 * and the receiver must see each run's Idempotency-Key at least once, and more than once only
 * for runs that were in flight at the moment of the kill.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createSqliteStore } from '../src/store/sqlite/index.js'
import { eventually, tempDir } from './helpers/engine.js'
import { crashStartArgs, postCrashLead, type Receiver, type Spawned, spawnPipewright, startReceiver } from './helpers/process.js'

const TOTAL = 3000
const KILL_AFTER = 1200
const CONCURRENCY = 50

describe('crash safety', () => {
  const tmp = tempDir('pw-crash-')
  const spawned: Spawned[] = []
  let receiver: Receiver | null = null
  afterAll(async () => {
    for (const s of spawned) await s.kill('SIGKILL')
    await receiver?.close()
    tmp.cleanup()
  })

  it('loses no acknowledged event when the process is SIGKILLed under load', { timeout: 120_000 }, async () => {
    receiver = await startReceiver()
    const db = join(tmp.dir, 'crash.db')
    const args = crashStartArgs(db)
    const env = { RECEIVER_URL: receiver.url }
    let server = await spawnPipewright(args, env)
    spawned.push(server)

    const acked = new Set<string>()
    let next = 0
    let killed = false
    const post = async (n: number) => {
      const runId = await postCrashLead(server.url, n)
      if (runId) acked.add(runId)
    }
    let restarted: Promise<void> = Promise.resolve()
    const worker = async () => {
      while (next < TOTAL) {
        if (!killed && acked.size >= KILL_AFTER) {
          killed = true
          restarted = (async () => {
            await server.kill('SIGKILL')
            server = await spawnPipewright(args, env)
            spawned.push(server)
          })()
        }
        await restarted
        await post(next++)
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    expect(killed).toBe(true)
    expect(acked.size).toBeGreaterThan(TOTAL * 0.9)

    const store = createSqliteStore({ path: db })
    try {
      await eventually(
        async () => {
          const counts = await store.countRuns({ pipelineId: 'crash' })
          return counts.succeeded >= acked.size && counts.queued + counts.running + counts.waiting === 0
        },
        60_000,
        250,
      )
      for (const runId of acked) {
        const run = await store.getRun(runId)
        expect(run?.status, `run ${runId}`).toBe('succeeded')
      }
    } finally {
      await store.close()
    }
    const seen = receiver.keys
    const missing = [...acked].filter((id) => !seen.has(`${id}:deliver`))
    expect(missing).toEqual([])
    const twice = [...seen.values()].filter((n) => n > 1).length
    // Only runs caught between their POST and their checkpoint by the kill can repeat.
    expect(twice).toBeLessThanOrEqual(64)
  })
})
