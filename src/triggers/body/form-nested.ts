/**
 * Bracketed form keys as nested objects, the way PHP, Rails and Mailchimp write them:
 * `data[merges][FNAME]=Ann` → `{ data: { merges: { FNAME: 'Ann' } } }`; `a[0][id]=x&a[1][id]=y`
 * → `{ a: [{ id: 'x' }, { id: 'y' }] }` (an object whose keys are exactly 0…n-1 becomes an
 * array); `tags[]=a&tags[]=b` → `{ tags: ['a', 'b'] }`.
 *
 * Keys that could reach an object's prototype (`__proto__`, `constructor`, `prototype`) are
 * refused, as are keys nested deeper than {@link MAX_DEPTH} or a key used both as a value and
 * as an object (`a=1&a[b]=2`).
 * @module
 */
import { type BodyProblem, malformed } from './problem.js'

export const MAX_DEPTH = 8
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype'])

type Node = Record<string, unknown>

function newNode(): Node {
  return Object.create(null) as Node
}

/** `data[merges][FNAME]` → `['data', 'merges', 'FNAME']`; `tags[]` → `['tags', '']`; null when malformed. */
export function splitKey(key: string): string[] | null {
  const open = key.indexOf('[')
  if (open < 0) return [key]
  const parts = [key.slice(0, open)]
  let rest = key.slice(open)
  while (rest.length > 0) {
    const m = /^\[([^[\]]*)\]/.exec(rest)
    if (!m) return null
    parts.push(m[1]!)
    rest = rest.slice(m[0].length)
  }
  return parts[0] === '' ? null : parts
}

/** Nest the pairs of a form body (in order; repeated keys kept). */
export function nestFormPairs(pairs: Iterable<[string, string]>): { value: Record<string, unknown> } | BodyProblem {
  const root = newNode()
  for (const [key, value] of pairs) {
    const parts = splitKey(key)
    if (!parts) return malformed(`form field "${key.slice(0, 100)}" has unbalanced brackets`, { field: key.slice(0, 100) })
    if (parts.length - 1 > MAX_DEPTH) return malformed(`form field "${key.slice(0, 100)}" is nested deeper than ${MAX_DEPTH} levels`)
    if (parts.some((p) => FORBIDDEN.has(p))) return malformed(`form field "${key.slice(0, 100)}" uses a reserved name`)
    let node = root
    for (let i = 0; i < parts.length - 1; i++) {
      const part = parts[i] === '' ? String(Object.keys(node).length) : parts[i]!
      const next = node[part]
      if (next === undefined) node[part] = newNode()
      else if (typeof next !== 'object' || next === null)
        return malformed(`form field "${key.slice(0, 100)}" nests under "${parts.slice(0, i + 1).join('.')}", which also has a value`)
      node = node[part] as Node
    }
    const last = parts[parts.length - 1]!
    const leaf = last === '' ? String(Object.keys(node).length) : last
    const prev = node[leaf]
    if (prev !== undefined && typeof prev === 'object' && !Array.isArray(prev))
      return malformed(`form field "${key.slice(0, 100)}" has a value and nested fields`)
    node[leaf] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value]
  }
  return { value: finish(root) as Record<string, unknown> }
}

/** Plain objects again (no null prototype), and 0…n-1 keyed objects as arrays. */
function finish(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v
  const keys = Object.keys(v)
  const out: Node = {}
  for (const k of keys) out[k] = finish((v as Node)[k])
  if (keys.length > 0 && keys.every((k, i) => k === String(i))) return keys.map((k) => out[k])
  return out
}
