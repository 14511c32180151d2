import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hmacSha256 } from './hmac.js'

const reference = (key: string | Buffer, parts: Array<string | Buffer>) => {
  const mac = createHmac('sha256', key)
  for (const p of parts) mac.update(typeof p === 'string' ? Buffer.from(p, 'utf8') : p)
  return mac.digest('hex')
}

const part = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
)

describe('hmacSha256', () => {
  it('equals createHmac for any key (short, block-sized, longer than a block) and any message parts', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 150 }),
          fc.uint8Array({ maxLength: 150 }).map((a) => Buffer.from(a)),
        ),
        fc.array(part, { maxLength: 4 }),
        (key, parts) => {
          expect(hmacSha256(key, ...parts).toString('hex')).toBe(reference(key, parts))
          // again: the second call for a string key uses the cached key blocks
          expect(hmacSha256(key, ...parts).toString('hex')).toBe(reference(key, parts))
        },
      ),
      { numRuns: 500 },
    )
  })

  it('equals createHmac for messages above the one-shot size, and the RFC 4231 vector', () => {
    const big = Buffer.alloc(200 * 1024, 7)
    expect(hmacSha256('k', 'prefix.', big).toString('hex')).toBe(reference('k', ['prefix.', big]))
    // Between the reused scratch buffer's first size and the one-shot limit; then small again.
    const mid = Buffer.alloc(40 * 1024, 9)
    expect(hmacSha256('k', mid, 'é').toString('hex')).toBe(reference('k', [mid, 'é']))
    expect(hmacSha256('k', 'x').toString('hex')).toBe(reference('k', ['x']))
    // RFC 4231 test case 2
    expect(hmacSha256('Jefe', 'what do ya want for nothing?').toString('hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    )
  })
})
