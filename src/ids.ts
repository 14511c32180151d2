/**
 * Time-ordered ids (ULID layout: 48-bit ms time + 80 random bits, Crockford base32), so runs
 * sort by creation without a separate sequence. Monotonic within one millisecond per process.
 *
 * Every accepted webhook takes two ids, so this is on the ingress hot path: random bytes come
 * from a pooled `randomFillSync` buffer and the time prefix is encoded once per millisecond.
 * @module
 */
import { randomFillSync } from 'node:crypto'

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const RANDOM_DIGITS = 16

const pool = Buffer.allocUnsafe(4096)
let poolAt = pool.length
let lastTime = -1
let timePart = ''
const digits = new Uint8Array(RANDOM_DIGITS)

function encodeTime(ms: number): string {
  let out = ''
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32] + out
    ms = Math.floor(ms / 32)
  }
  return out
}

/** 16 fresh base32 digits (5 random bits each; 256 is a multiple of 32, so unbiased). */
function freshRandom(): void {
  if (poolAt + RANDOM_DIGITS > pool.length) {
    randomFillSync(pool)
    poolAt = 0
  }
  for (let i = 0; i < RANDOM_DIGITS; i++) digits[i] = pool[poolAt + i]! & 31
  poolAt += RANDOM_DIGITS
}

/** The next value in the same millisecond; fresh digits on the (astronomically rare) overflow. */
function increment(): void {
  for (let i = RANDOM_DIGITS - 1; i >= 0; i--) {
    if (digits[i]! < 31) {
      digits[i]!++
      return
    }
    digits[i] = 0
  }
  freshRandom()
}

/** A new id such as `run_01JD3Z…`; ids made later in this process sort after earlier ones. */
export function newId(prefix: string, now: number = Date.now()): string {
  if (now <= lastTime) {
    increment()
  } else {
    lastTime = now
    timePart = encodeTime(now)
    freshRandom()
  }
  let random = ''
  for (let i = 0; i < RANDOM_DIGITS; i++) random += ALPHABET[digits[i]!]
  return `${prefix}_${timePart}${random}`
}
