/**
 * PII paths: which payload fields are sealed at rest. A path is dot-separated keys, `*` for any
 * one key or array index, and it matches at any depth: `email` is every field called `email`
 * (in the event, in a step's output `lead.email`, in an action's input `properties.email`);
 * `person.*` every field of an object under `person`; `contacts.*.phone` each contact's phone.
 * @module
 */
import { isSealed } from './cipher.js'

/** Compiled PII paths; `null` stands for "nothing to seal". */
export interface PiiMatcher {
  readonly paths: readonly string[]
  /** Whether the field at `path` (keys from the payload's root) is PII. */
  matches(path: readonly string[]): boolean
}

/** What is wrong with a PII path, or null when it is usable. */
export function piiPathProblem(path: unknown): string | null {
  if (typeof path !== 'string' || path.trim() === '') return 'must be a non-empty dot-path such as email or person.*'
  if (path.split('.').some((s) => s === '')) return `"${path}" has an empty segment; write keys separated by single dots`
  if (path.split('.').every((s) => s === '*')) return `"${path}" would seal every field; name at least one key`
  return null
}

export function compilePiiPaths(paths: readonly string[]): PiiMatcher | null {
  const unique = [...new Set(paths)]
  if (unique.length === 0) return null
  const patterns = unique.map((p) => p.split('.'))
  // The last key of each pattern, for a quick rejection of most fields ('*' accepts any).
  const lastKeys = new Set(patterns.map((p) => p[p.length - 1]!))
  const anyLast = lastKeys.has('*')
  return {
    paths: unique,
    matches(path) {
      const last = path[path.length - 1]
      if (last === undefined || (!anyLast && !lastKeys.has(last))) return false
      return patterns.some((p) => p.length <= path.length && p.every((seg, i) => seg === '*' || seg === path[path.length - p.length + i]))
    },
  }
}

const MAX_DEPTH = 32

/**
 * `value` with every field the matcher names replaced by `seal(field)` (null and undefined and
 * fields already sealed stay as they are). Returns `value` itself when nothing matched.
 */
export function sealFields(value: unknown, matcher: PiiMatcher, seal: (v: unknown) => string): unknown {
  // One path array, pushed and popped as the walk goes down and up (no copy per field).
  const path: string[] = []
  const field = (x: unknown): unknown => (x !== null && x !== undefined && !isSealed(x) && matcher.matches(path) ? seal(x) : walk(x))
  const walk = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null || path.length > MAX_DEPTH) return v
    if (Array.isArray(v)) {
      let out: unknown[] | null = null
      for (let i = 0; i < v.length; i++) {
        path.push(String(i))
        const r = field(v[i])
        path.pop()
        if (r !== v[i]) {
          out ??= v.slice()
          out[i] = r
        }
      }
      return out ?? v
    }
    let out: Record<string, unknown> | null = null
    for (const k of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[k]
      path.push(k)
      const r = field(x)
      path.pop()
      if (r !== x) {
        out ??= { ...(v as Record<string, unknown>) }
        setOwn(out, k, r)
      }
    }
    return out ?? v
  }
  return walk(value)
}

/** `value` with every sealed field opened. Returns `value` itself when none was sealed. */
export function openFields(value: unknown, open: (sealed: string) => unknown, depth = 0): unknown {
  if (isSealed(value)) return open(value)
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH + 1) return value
  if (Array.isArray(value)) {
    let out: unknown[] | null = null
    for (let i = 0; i < value.length; i++) {
      const r = openFields(value[i], open, depth + 1)
      if (r !== value[i]) {
        out ??= value.slice()
        out[i] = r
      }
    }
    return out ?? value
  }
  let out: Record<string, unknown> | null = null
  for (const k of Object.keys(value)) {
    const x = (value as Record<string, unknown>)[k]
    const r = openFields(x, open, depth + 1)
    if (r !== x) {
      out ??= { ...(value as Record<string, unknown>) }
      setOwn(out, k, r)
    }
  }
  return out ?? value
}

/** A plain assignment would treat a payload key `__proto__` as the prototype. */
function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true })
}
