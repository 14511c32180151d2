/**
 * How a sync compares field values across providers: loosely, so that what we wrote and what
 * the provider gives back count as equal — HubSpot returns every property as a string, `""` for
 * empty; Postgres returns numbers, booleans and Dates. Canonical forms:
 *
 * - `null`, `undefined` and `""` are all "empty";
 * - numbers and numeric strings compare as numbers (`12`, `"12"`, `"12.0"`);
 * - booleans and `"true"`/`"false"` compare as booleans;
 * - Dates and ISO timestamps compare as the same instant;
 * - objects and arrays compare as JSON with sorted keys.
 *
 * Strings are otherwise compared exactly (no trimming, no case folding: a change of case is a
 * change). Shadow hashes are over the canonical forms, so a hash is stable across providers.
 * @module
 */
import { createHash } from 'node:crypto'
import { stableStringify } from '../connectors/gateway/ledger.js'

const NUMERIC = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/

/** The canonical form of a value (see the module comment). */
export function canonical(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null
  if (typeof v === 'number') return Number.isFinite(v) ? `n:${v}` : `s:${String(v)}`
  if (typeof v === 'bigint') return `n:${v.toString()}`
  if (typeof v === 'boolean') return `b:${v}`
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : `t:${v.getTime()}`
  if (typeof v === 'string') {
    if (NUMERIC.test(v)) return `n:${Number(v)}`
    if (v === 'true' || v === 'false') return `b:${v}`
    if (ISO.test(v)) {
      const t = Date.parse(v)
      if (!Number.isNaN(t)) return `t:${t}`
    }
    return `s:${v}`
  }
  return `j:${stableStringify(v)}`
}

/** Whether two values are the same for the sync. */
export function sameValue(x: unknown, y: unknown): boolean {
  return canonical(x) === canonical(y)
}

/** Hash of field values (canonical, key order irrelevant). */
export function hashValues(values: Record<string, unknown>): string {
  const names = Object.keys(values).sort()
  const h = createHash('sha256')
  for (const n of names) h.update(`${n}\u0000${canonical(values[n]) ?? '\u0001'}\u0000`)
  return h.digest('hex').slice(0, 24)
}

/** A value fit to store as JSON (Dates as ISO strings, bigint as strings, undefined as null). */
export function plain(v: unknown): unknown {
  if (v === undefined) return null
  if (v instanceof Date) return v.toISOString()
  if (typeof v === 'bigint') return v.toString()
  return v
}

/** Whether a pause field's value pauses the record (`true`, `"true"`, `1`, `"yes"` …). */
export function truthy(v: unknown): boolean {
  if (typeof v === 'string') return ['true', '1', 'yes', 'y', 'on'].includes(v.trim().toLowerCase())
  return Boolean(v)
}
