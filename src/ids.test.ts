import { describe, expect, it } from 'vitest'
import { newId } from './ids.js'

const ULID = /^run_[0-9A-HJKMNP-TV-Z]{26}$/

describe('newId', () => {
  it('has the ULID layout and sorts by creation, within one millisecond and across milliseconds', () => {
    const t = Date.UTC(2026, 10, 23)
    const ids = [
      ...Array.from({ length: 5000 }, () => newId('run', t)),
      ...Array.from({ length: 5000 }, () => newId('run', t + 1)),
      newId('run', t - 1000), // a clock step backwards keeps the order too
    ]
    for (const id of ids) expect(id).toMatch(ULID)
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('encodes the time in the first ten characters and draws fresh random digits each millisecond', () => {
    const a = newId('evt', Date.UTC(2030, 0, 1))
    const b = newId('evt', Date.UTC(2030, 0, 1) + 1)
    expect(a.slice(4, 14)).not.toBe(b.slice(4, 14))
    const time = [...a.slice(4, 14)].reduce((n, ch) => n * 32 + '0123456789ABCDEFGHJKMNPQRSTVWXYZ'.indexOf(ch), 0)
    expect(time).toBe(Date.UTC(2030, 0, 1))
    const randoms = new Set(Array.from({ length: 200 }, (_, i) => newId('x', Date.UTC(2031, 0, 1) + i * 2).slice(12)))
    expect(randoms.size).toBe(200)
  })
})
