/**
 * Durations: a number of milliseconds, or a string like `500ms`, `30s`, `5m`, `2h`, `1d`, `1mb`
 * for sizes (see {@link parseBytes}). Converted once, at compile time.
 * @module
 */
import type { Duration } from '../types.js'

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** Milliseconds of a duration, or a description of what is wrong with it. */
export function tryParseDuration(value: Duration): number | string {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? value : `must be a non-negative number of milliseconds, got ${value}`
  }
  if (typeof value !== 'string') return `must be milliseconds or a string like "30s", got ${typeof value}`
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(value)
  if (!m) return `"${value}" is not a duration; use milliseconds or a number with ms, s, m, h, d or w (e.g. "30s")`
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 'ms']!)
}

export function parseDuration(value: Duration): number {
  const r = tryParseDuration(value)
  if (typeof r === 'string') throw new TypeError(r)
  return r
}

const BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }

/** Bytes of a size: a number, or `"800kb"`, `"1mb"`. */
export function tryParseBytes(value: number | string): number | string {
  if (typeof value === 'number')
    return Number.isInteger(value) && value > 0 ? value : `must be a positive whole number of bytes, got ${value}`
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(String(value))
  if (!m) return `"${value}" is not a size; use bytes or a number with kb, mb or gb`
  return Math.round(Number(m[1]) * BYTES[(m[2] ?? 'b').toLowerCase()]!)
}
