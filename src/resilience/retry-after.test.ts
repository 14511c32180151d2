import { describe, expect, it } from 'vitest'
import { parseRateLimitReset, parseRetryAfter } from './retry-after.js'

describe('Retry-After parsing', () => {
  const now = Date.UTC(2026, 10, 23, 12)
  it('reads delta seconds and HTTP dates exactly', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000)
    expect(parseRetryAfter('Mon, 23 Nov 2026 12:01:00 GMT', now)).toBe(60_000)
    expect(parseRetryAfter('Mon, 23 Nov 2026 11:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter(undefined, now)).toBeUndefined()
  })
  it('reads X-RateLimit-Reset as epoch seconds or delta seconds', () => {
    expect(parseRateLimitReset(String(now / 1000 + 5), now)).toBe(5000)
    expect(parseRateLimitReset('7', now)).toBe(7000)
  })
})
