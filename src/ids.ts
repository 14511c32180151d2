/**
 * Time-ordered ids (ULID layout: 48-bit ms time + 80 random bits, Crockford base32), so runs
 * sort by creation without a separate sequence. Monotonic within one millisecond per process.
 * @module
 */
import { randomBytes } from 'node:crypto'

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
let lastTime = -1
let lastRandom: number[] = []

function encodeTime(ms: number): string {
  let out = ''
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32] + out
    ms = Math.floor(ms / 32)
  }
  return out
}

function freshRandom(): number[] {
  const bytes = randomBytes(16)
  return Array.from({ length: 16 }, (_, i) => bytes[i]! % 32)
}

function increment(digits: number[]): number[] {
  const out = digits.slice()
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 31) {
      out[i]!++
      return out
    }
    out[i] = 0
  }
  return freshRandom()
}

/** A new id such as `run_01JD3Z…`; ids made later in this process sort after earlier ones. */
export function newId(prefix: string, now: number = Date.now()): string {
  if (now <= lastTime) {
    lastRandom = increment(lastRandom)
    now = lastTime
  } else {
    lastTime = now
    lastRandom = freshRandom()
  }
  return `${prefix}_${encodeTime(now)}${lastRandom.map((d) => ALPHABET[d]).join('')}`
}
