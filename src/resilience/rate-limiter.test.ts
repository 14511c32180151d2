import { describe, expect, it } from 'vitest'
import { createManualClock } from './manual-clock.js'
import { createRateLimiter } from './rate-limiter.js'

const noMargin = () => 0

describe('rate limiter', () => {
  it('enforces several windows at once and reports the longest wait', async () => {
    const clock = createManualClock(0)
    const limiter = createRateLimiter({ clock, marginMs: noMargin })
    const specs = [
      { name: 'burst', limit: 3, windowMs: 1000 },
      { name: 'daily', limit: 5, windowMs: 86_400_000 },
    ]
    for (let i = 0; i < 3; i++) expect((await limiter.acquire('c', specs)).ok).toBe(true)
    expect(await limiter.acquire('c', specs)).toEqual({ ok: false, waitMs: 1000, window: 'burst' })
    clock.advance(1000)
    expect((await limiter.acquire('c', specs)).ok).toBe(true)
    expect((await limiter.acquire('c', specs)).ok).toBe(true)
    const refused = await limiter.acquire('c', specs)
    expect(refused.ok).toBe(false)
    if (!refused.ok) expect(refused.window).toBe('daily')
    if (!refused.ok) expect(refused.waitMs).toBeGreaterThan(86_000_000)
  })

  it('never allows more than the limit in any sliding window, and refused calls take nothing', async () => {
    const clock = createManualClock(0)
    const limiter = createRateLimiter({ clock, marginMs: noMargin })
    const spec = [{ name: 'search', limit: 5, windowMs: 1000 }]
    const granted: number[] = []
    for (let t = 0; t < 5000; t += 37) {
      clock.set(t)
      if ((await limiter.acquire('c', spec)).ok) granted.push(t)
    }
    for (const t of granted) expect(granted.filter((g) => g > t - 1000 && g <= t).length).toBeLessThanOrEqual(5)
    expect(granted.length).toBeGreaterThanOrEqual(24) // 5 per second over 5 s, minus phase
  })

  it('keeps scopes apart (per channel)', async () => {
    const limiter = createRateLimiter({ clock: createManualClock(0), marginMs: noMargin })
    expect((await limiter.acquire('slack', [{ name: 'ch', limit: 1, windowMs: 1000, scopeKey: '#a' }])).ok).toBe(true)
    expect((await limiter.acquire('slack', [{ name: 'ch', limit: 1, windowMs: 1000, scopeKey: '#b' }])).ok).toBe(true)
    expect((await limiter.acquire('slack', [{ name: 'ch', limit: 1, windowMs: 1000, scopeKey: '#a' }])).ok).toBe(false)
  })

  it('adds a safety margin to each window by default', async () => {
    const clock = createManualClock(0)
    const limiter = createRateLimiter({ clock })
    const spec = [{ name: 'burst', limit: 1, windowMs: 10_000 }]
    await limiter.acquire('c', spec)
    const d = await limiter.acquire('c', spec)
    if (d.ok) throw new Error('expected a refusal')
    // 10 s + 2 % margin, plus at most one 11 ms bucket (requests count from the end of their bucket)
    expect(d.waitMs).toBeGreaterThanOrEqual(10_200)
    expect(d.waitMs).toBeLessThanOrEqual(10_211)
  })

  it('honours Retry-After and X-RateLimit-Reset from a provider reply', async () => {
    const clock = createManualClock(1_700_000_000_000)
    const limiter = createRateLimiter({ clock, marginMs: noMargin })
    const spec = [{ name: 'burst', limit: 100, windowMs: 10_000 }]
    expect(await limiter.observe('c', spec, { 'Retry-After': '3' })).toBe(3000)
    expect(await limiter.acquire('c', spec)).toEqual({ ok: false, waitMs: 3000, window: 'provider' })
    clock.advance(3000)
    expect((await limiter.acquire('c', spec)).ok).toBe(true)
    const reset = String(Math.round(clock.now() / 1000) + 20)
    expect(await limiter.observe('c', spec, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset })).toBe(20_000)
    expect((await limiter.acquire('c', spec)).ok).toBe(false)
  })

  it('lowers its own count to what HubSpot says remains', async () => {
    const clock = createManualClock(0)
    const limiter = createRateLimiter({ clock, marginMs: noMargin })
    const specs = [
      { name: 'burst', limit: 100, windowMs: 10_000 },
      { name: 'daily', limit: 250_000, windowMs: 86_400_000 },
    ]
    await limiter.acquire('hs', specs)
    await limiter.observe('hs', specs, {
      'x-hubspot-ratelimit-max': '100',
      'x-hubspot-ratelimit-remaining': '2',
      'x-hubspot-ratelimit-interval-milliseconds': '10000',
    })
    expect((await limiter.acquire('hs', specs)).ok).toBe(true)
    expect((await limiter.acquire('hs', specs)).ok).toBe(true)
    expect((await limiter.acquire('hs', specs)).ok).toBe(false)
    clock.advance(10_010) // the window plus one 10 ms bucket
    expect((await limiter.acquire('hs', specs)).ok).toBe(true)
  })
})
