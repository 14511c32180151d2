/**
 * A pipeline's version: a short hash of its definition (function sources included), so
 * every run records exactly which definition it executed.
 * @module
 */
import { createHash } from 'node:crypto'

function canonical(v: unknown, seen: Set<unknown>): unknown {
  if (typeof v === 'function') return `fn:${v.toString()}`
  if (typeof v !== 'object' || v === null) return v
  if (seen.has(v)) return '[circular]'
  seen.add(v)
  if (Array.isArray(v)) return v.map((x) => canonical(x, seen))
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(v).sort()) out[k] = canonical((v as Record<string, unknown>)[k], seen)
  return out
}

export function hashDefinition(def: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(def, new Set())))
    .digest('hex')
    .slice(0, 12)
}
