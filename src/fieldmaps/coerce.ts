/**
 * Coerce one value to a field type. Returns the value, or a message saying why it cannot be
 * (the caller adds which field it was).
 * @module
 */
import type { FieldType } from './registry.js'

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export function coerceValue(
  value: unknown,
  type: FieldType,
  values?: readonly string[],
): { ok: true; value: unknown } | { ok: false; message: string } {
  const shown = JSON.stringify(value)
  switch (type) {
    case 'string':
      if (typeof value === 'string') return { ok: true, value: value.trim() }
      if (typeof value === 'number' || typeof value === 'boolean') return { ok: true, value: String(value) }
      return { ok: false, message: `${shown} is not text` }
    case 'email': {
      const s = typeof value === 'string' ? value.trim().toLowerCase() : ''
      return EMAIL_RE.test(s) ? { ok: true, value: s } : { ok: false, message: `${shown} is not an email address` }
    }
    case 'number': {
      if (typeof value === 'number' && Number.isFinite(value)) return { ok: true, value }
      const n = typeof value === 'string' ? Number(value.replace(/[,_\s]/g, '')) : Number.NaN
      return typeof value === 'string' && value.trim() !== '' && Number.isFinite(n)
        ? { ok: true, value: n }
        : { ok: false, message: `${shown} is not a number` }
    }
    case 'boolean': {
      if (typeof value === 'boolean') return { ok: true, value }
      const s = String(value).trim().toLowerCase()
      if (['true', 'yes', 'y', '1'].includes(s)) return { ok: true, value: true }
      if (['false', 'no', 'n', '0'].includes(s)) return { ok: true, value: false }
      return { ok: false, message: `${shown} is not true/false (also accepted: yes/no, 1/0)` }
    }
    case 'date':
    case 'datetime':
    case 'epoch-ms': {
      const ms = toEpochMs(value)
      if (ms === null) return { ok: false, message: `${shown} is not a date (use ISO 8601 like 2026-01-31 or epoch milliseconds)` }
      const iso = new Date(ms).toISOString()
      return { ok: true, value: type === 'date' ? iso.slice(0, 10) : type === 'datetime' ? iso : ms }
    }
    case 'enum': {
      const s = typeof value === 'string' ? value.trim().toLowerCase() : ''
      if (values && !values.includes(s)) return { ok: false, message: `${shown} is not one of ${values.join(', ')}` }
      return { ok: true, value: s }
    }
  }
}

function toEpochMs(value: unknown): number | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime()
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (typeof value !== 'string' || value.trim() === '') return null
  const s = value.trim()
  if (/^\d{10,13}$/.test(s)) return Number(s.length === 10 ? `${s}000` : s)
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(s)) return null
  const ms = Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s.replace(' ', 'T'))
  return Number.isNaN(ms) ? null : ms
}
