/**
 * Graceful shutdown keeps its promise, on a real `pipewright start` process with a receiver that
 * holds its answers: after SIGTERM, runs in flight get the grace (`--shutdown-grace`); at the
 * deadline their calls are aborted, nothing is sent after it, and the process exits within
 * grace + 2 s. A call answered during the grace is recorded before exit and not sent again after
 * a restart; the calls that were cut are sent again (same Idempotency-Key: the crash window).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createSqliteStore } from '../src/store/sqlite/index.js'
import { eventually, tempDir } from './helpers/engine.js'
import { ROOT, type Spawned, spawnPipewright } from './helpers/process.js'

interface Call {
  path: string
  n: number
  key: string
  at: number
}

/** A receiver that answers at once, or holds the calls a predicate picks until released. */
async function holdingReceiver() {
  const calls: Call[] = []
  const held: Array<{ call: Call; res: ServerResponse }> = []
  let hold: (c: Call) => boolean = () => false
  const answer = (res: ServerResponse) => {
    if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
  }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      const call: Call = {
        path: (req.url ?? '').split('?')[0]!,
        n: Number((JSON.parse(body || '{}') as { n?: unknown }).n),
        key: String(req.headers['idempotency-key'] ?? ''),
        at: Date.now(),
      }
      calls.push(call)
      if (hold(call)) held.push({ call, res })
      else answer(res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    holdWhen(fn: (c: Call) => boolean) {
      hold = fn
    },
    release(fn: (c: Call) => boolean = () => true) {
      for (let i = held.length - 1; i >= 0; i--) {
        if (fn(held[i]!.call)) {
          answer(held[i]!.res)
          held.splice(i, 1)
        }
      }
    },
    count: (path: string, n: number) => calls.filter((c) => c.path === path && c.n === n).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

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
    await eventually(() => Array.from({ length: RUNS }, (_, n) => n).every((n) => r.count('/c', n) >= (n % 2 === 0 ? 2 : 1)), 30_000, 50)
    await second.kill('SIGTERM')
    for (let n = 0; n < RUNS; n++) {
      expect(r.count('/a', n), `/a n=${n}`).toBe(1) // answered before SIGTERM
      if (n % 2 === 0) {
        expect(r.count('/b', n), `/b n=${n}`).toBe(1) // answered during the grace: recorded, not repeated
        expect(r.count('/c', n), `/c n=${n}`).toBe(2) // cut at the deadline: sent again, same key
      } else {
        expect(r.count('/b', n), `/b n=${n}`).toBe(2) // cut at the deadline
        expect(r.count('/c', n), `/c n=${n}`).toBe(1)
      }
    }
    const keys = new Map<string, Set<string>>()
    for (const c of r.calls) keys.set(`${c.path}#${c.n}`, (keys.get(`${c.path}#${c.n}`) ?? new Set()).add(c.key))
    for (const [where, set] of keys) expect(set.size, `${where} is sent with one Idempotency-Key`).toBe(1)
  })
})
