/**
 * Graceful shutdown keeps its promise, on a real `pipewright start` process with a receiver that
 * holds its answers: after SIGTERM, runs in flight get the grace (`--shutdown-grace`); at the
 * deadline their calls are aborted, nothing is sent after it, and the process exits within
 * grace + 2 s. A call answered during the grace is recorded before exit and not sent again after
 * a restart; the calls that were cut are sent again (same Idempotency-Key: the crash window).
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createSqliteStore } from '../src/store/sqlite/index.js'
import { eventually, tempDir } from './helpers/engine.js'
import { expectCutAtDeadline, holdingReceiver } from './helpers/holding-receiver.js'
import { ROOT, type Spawned, spawnPipewright } from './helpers/process.js'

const RUNS = 20
const GRACE_MS = 2000

describe('graceful shutdown', () => {
  const tmp = tempDir('pw-shutdown-')
  const spawned: Spawned[] = []
  let receiver: Awaited<ReturnType<typeof holdingReceiver>> | null = null
  afterAll(async () => {
    for (const s of spawned) await s.kill('SIGKILL')
    await receiver?.close()
    tmp.cleanup()
  })

  it('aborts at the deadline, sends nothing after it, exits within grace + 2 s, and repeats no answered call', {
    timeout: 120_000,
  }, async () => {
    receiver = await holdingReceiver()
    const r = receiver
    const db = join(tmp.dir, 'pw.db')
    const args = ['start', '--db', `sqlite:${db}`, '--port', '0', '--dir', join(ROOT, 'tests/fixtures/shutdown/pipelines')]
    r.holdWhen((c) => c.path === '/b' || c.path === '/c')
    const first = await spawnPipewright([...args, '--shutdown-grace', `${GRACE_MS}ms`], { RECEIVER_URL: r.url })
    spawned.push(first)
    for (let n = 0; n < RUNS; n++) {
      const res = await fetch(`${first.url}/hooks/slow`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ n }),
      })
      expect(res.status).toBe(202)
    }
    await eventually(() => r.calls.filter((c) => c.path === '/b').length === RUNS, 30_000, 20)

    const exited = new Promise<number>((resolve) => first.child.once('exit', () => resolve(Date.now())))
    const t0 = Date.now()
    first.child.kill('SIGTERM')
    // Even runs get their /b answered during the grace and go on to /c, which is held.
    r.release((c) => c.path === '/b' && c.n % 2 === 0)
    const tExit = await exited
    expect(first.child.exitCode).toBe(0)
    expect(tExit - t0).toBeLessThanOrEqual(GRACE_MS + 2000)
    const deadline = t0 + GRACE_MS
    const late = r.calls.filter((c) => c.at > deadline + 300)
    expect(late, 'calls that arrived after the deadline').toEqual([])
    // The even runs did reach /c within the grace (so the test exercises a completed call).
    for (let n = 0; n < RUNS; n += 2) expect(r.count('/c', n), `n=${n}`).toBe(1)
    r.release(() => true)

    // The runs were handed back, not left leased to the dead process.
    const store = createSqliteStore({ path: db })
    try {
      const runs = await store.listRuns({ limit: 100 })
      expect(runs).toHaveLength(RUNS)
      expect(runs.filter((x) => x.status === 'running').map((x) => x.id)).toEqual([])
    } finally {
      await store.close()
    }

    r.holdWhen(() => false)
    const second = await spawnPipewright(args, { RECEIVER_URL: r.url })
    spawned.push(second)
    await eventually(() => r.resumed(RUNS), 30_000, 50)
    await second.kill('SIGTERM')
    expectCutAtDeadline(r, RUNS)
  })
})
