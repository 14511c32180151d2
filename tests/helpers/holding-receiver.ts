/**
 * A loopback receiver for shutdown tests: records every call (path, the body's `n`, its
 * Idempotency-Key, arrival time) and answers at once, or holds the calls a predicate picks until
 * the test releases them — a slow provider that the test controls.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect } from 'vitest'

export interface Call {
  path: string
  n: number
  key: string
  at: number
}

/** A receiver that answers at once, or holds the calls a predicate picks until released. */
export async function holdingReceiver() {
  const calls: Call[] = []
  const held: Array<{ call: Call; res: ServerResponse }> = []
  let hold: (c: Call) => boolean = () => false
  const answer = (res: ServerResponse) => {
    if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
  }
  const count = (path: string, n: number) => calls.filter((c) => c.path === path && c.n === n).length
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
    count,
    /** After a restart: every run of the shutdown fixture has sent its /c (the cut ones again). */
    resumed: (runs: number) => Array.from({ length: runs }, (_, n) => n).every((n) => count('/c', n) >= (n % 2 === 0 ? 2 : 1)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * The shutdown fixture's outcome after SIGTERM (even runs' /b answered during the grace, every
 * other call held until the deadline) and a restart: answered calls are not repeated, cut calls
 * are sent once more, and every call keeps one Idempotency-Key.
 */
export function expectCutAtDeadline(r: { calls: Call[]; count(path: string, n: number): number }, runs: number): void {
  for (let n = 0; n < runs; n++) {
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
}
