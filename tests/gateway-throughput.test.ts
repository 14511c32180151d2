import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { createGateway } from '../src/connectors/gateway/index.js'
import { sleep } from '../src/connectors/gateway/throttle.js'
import { createHttpConnector } from '../src/connectors/http/index.js'
import { retryAfterOf } from '../src/errors.js'
import { createWarpedClock } from '../src/resilience/manual-clock.js'
import { defaultMarginMs } from '../src/resilience/rate-limiter.js'
import { createSqliteStore } from '../src/store/sqlite/index.js'
import { loopbackGateway } from './helpers/net.js'

// Time runs 2× faster than real time for both the gateway and the server, so about 25 s of
// provider windows pass in about 13 s while real sockets carry every request. (A faster warp
// multiplies the busy machine's scheduling delays into provider time just as much.)
it('a 100-per-10s limit is never exceeded at the provider and keeps at least 90 % of the throughput', async () => {
  const clock = createWarpedClock(2)
  const WINDOW = 10_000
  const LIMIT = 100
  const arrivals: number[] = []
  /** When the provider answered each request (by arrival index): the moment its slot frees. */
  const replies: number[] = []
  let rejected = 0
  const server = createServer((_req, res) => {
    const now = clock.now()
    const inWindow = arrivals.filter((t) => t > now - WINDOW).length
    const i = arrivals.push(now) - 1
    if (inWindow >= LIMIT) {
      rejected++
      res.writeHead(429, { 'retry-after': '1' })
      return res.end()
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    replies[i] = clock.now()
    res.end('{"ok":true}')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  const dir = mkdtempSync(join(tmpdir(), 'pw-throughput-'))
  const store = createSqliteStore({ path: join(dir, 'pw.db'), synchronous: 'normal' })
  await store.migrate()
  const gateway = createGateway({
    ...loopbackGateway,
    connectors: [createHttpConnector()],
    connections: { http: { default: { limits: { rates: [{ name: 'burst', limit: LIMIT, windowMs: WINDOW }] } } } },
    store,
    clock,
  })
  try {
    const TOTAL = 300
    let next = 0
    let parks = 0
    const started = clock.now()
    // 25 workers acting like the engine: a RateLimitedError parks the run until its due time.
    const worker = async (): Promise<void> => {
      while (next < TOTAL) {
        const i = next++
        for (;;) {
          try {
            await gateway.execute({
              ref: 'http.request',
              input: { url, method: 'POST', body: { i } },
              runId: `run_${i}`,
              pipelineId: 'p',
              stepId: 'post',
              attempt: 1,
              idempotencyKey: `run_${i}:post`,
              signal: new AbortController().signal,
            })
            break
          } catch (e) {
            const wait = retryAfterOf(e)
            if (wait === undefined) throw e
            parks++
            await sleep(clock, wait)
          }
        }
      }
    }
    await Promise.all(Array.from({ length: 25 }, worker))
    const elapsed = clock.now() - started

    expect(rejected).toBe(0)
    expect(arrivals).toHaveLength(TOTAL)
    let worst = 0
    for (const t of arrivals) worst = Math.max(worst, arrivals.filter((a) => a > t - WINDOW && a <= t).length)
    expect(worst).toBeLessThanOrEqual(LIMIT)
    // At full throughput request k+100 goes out as soon as request k's slot frees: the limiter
    // counts a request from its reply (so no provider ever sees it early) for its own window,
    // the provider's plus a small safety margin. Measured from that reply, against that window,
    // the median gap is the limiter's doing — not how fast this (shared, loaded) machine produces
    // the first burst or carries each round trip.
    const window = WINDOW + defaultMarginMs(WINDOW)
    const gaps = arrivals
      .slice(LIMIT)
      .map((a, k) => a - replies[k]!)
      .sort((x, y) => x - y)
    const median = gaps[Math.floor(gaps.length / 2)]!
    console.info(
      `100 per 10 s: median gap ${median} ms from a slot's release to its reuse (window ${window} ms): ${((window / median) * 100).toFixed(1)} %`,
    )
    expect(window / median).toBeGreaterThanOrEqual(0.9)
    expect(elapsed).toBeGreaterThanOrEqual(2 * WINDOW)
    expect(parks).toBeGreaterThan(0)
  } finally {
    await gateway.close()
    await store.close()
    await new Promise<void>((r) => server.close(() => r()))
    rmSync(dir, { recursive: true, force: true })
  }
}, 120_000)
