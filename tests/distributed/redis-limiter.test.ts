import { afterAll, describe, expect, it } from 'vitest'
import type { LimiterBackend, WindowRequest } from '../../src/resilience/limiter-backend.js'
import { createMemoryLimiterBackend } from '../../src/resilience/limiter-memory.js'
import { createRedisLimiterBackend } from '../../src/resilience/redis-limiter.js'
import { deleteKeys, REDIS_URL, randomName, redisReachable } from './helpers/services.js'

const reachable = await redisReachable()
if (!reachable) console.warn(`Redis limiter tests skipped: no Redis at ${REDIS_URL}`)

const prefix = randomName('pwlim')
const opened: LimiterBackend[] = []
const open = () => {
  const b = createRedisLimiterBackend({ url: REDIS_URL, prefix })
  opened.push(b)
  return b
}
afterAll(async () => {
  for (const b of opened) await b.close()
  if (reachable) await deleteKeys(`${prefix}:*`)
})

/** A small deterministic PRNG so a failure can be replayed. */
function prng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

describe.skipIf(!reachable)('Redis limiter backend', () => {
  it('decides exactly like the in-memory backend over a long random sequence', async () => {
    const redis = open()
    const memory = createMemoryLimiterBackend()
    const rnd = prng(7)
    const windows: WindowRequest[] = [
      { key: `seq:${randomName('')}:burst`, limit: 5, windowMs: 1000 },
      { key: `seq:${randomName('')}:slow`, limit: 12, windowMs: 10_000 },
    ]
    let now = 1_700_000_000_000
    const outcomes = { ok: 0, refused: 0 }
    for (let i = 0; i < 400; i++) {
      now += Math.floor(rnd() * 150)
      const pick = rnd()
      if (pick < 0.8) {
        const req = { windows: rnd() < 0.5 ? windows : [windows[0]!], cost: 1 + Math.floor(rnd() * 2), blockKey: 'seq', now }
        const d = await memory.acquire(req)
        expect(await redis.acquire(req), `step ${i}`).toEqual(d)
        outcomes[d.ok ? 'ok' : 'refused']++
      } else if (pick < 0.9) {
        const from = now - Math.floor(rnd() * 100)
        await redis.restamp(windows, 1, from, now)
        await memory.restamp(windows, 1, from, now)
      } else if (pick < 0.97) {
        const remaining = Math.floor(rnd() * 5)
        await redis.clampRemaining(windows[0]!, remaining, now)
        await memory.clampRemaining(windows[0]!, remaining, now)
      } else {
        await redis.block('seq', now + 300)
        await memory.block('seq', now + 300)
      }
    }
    expect(outcomes.ok).toBeGreaterThan(50)
    expect(outcomes.refused).toBeGreaterThan(50)
  })

  it('never lets two clients together take more than the limit of one window', async () => {
    const a = open()
    const b = open()
    const w: WindowRequest = { key: `shared:${randomName('')}`, limit: 25, windowMs: 60_000 }
    const now = Date.now()
    const tries = Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).acquire({ windows: [w], now }))
    const granted = (await Promise.all(tries)).filter((d) => d.ok).length
    expect(granted).toBe(25)
    const refused = await a.acquire({ windows: [w], now: now + 10 })
    expect(refused.ok).toBe(false)
    expect(refused.ok ? 0 : refused.waitMs).toBeGreaterThan(59_000)
  })

  it('refuses a blocked key on every client until the block ends', async () => {
    const a = open()
    const b = open()
    const w: WindowRequest = { key: `blk:${randomName('')}`, limit: 100, windowMs: 1000 }
    const now = Date.now()
    await a.block('provider-x', now + 2000)
    await b.block('provider-x', now + 500)
    expect(await b.acquire({ windows: [w], blockKey: 'provider-x', now })).toEqual({ ok: false, waitMs: 2000, key: 'provider-x' })
    expect((await b.acquire({ windows: [w], blockKey: 'provider-x', now: now + 2001 })).ok).toBe(true)
  })
})
