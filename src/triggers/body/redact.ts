/**
 * Redact configured paths from a payload before it is kept as the raw copy of an event.
 * @module
 */

export const REDACTED = '[redacted]'

function copy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copy)
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value))
      Object.defineProperty(out, k, { value: copy(v), enumerable: true, writable: true, configurable: true })
    return out
  }
  return value
}

function apply(node: unknown, segments: string[]): void {
  if (typeof node !== 'object' || node === null || segments.length === 0) return
  const [head, ...rest] = segments
  const obj = node as Record<string, unknown>
  const keys = head === '*' ? Object.keys(obj) : Object.hasOwn(obj, head!) ? [head!] : []
  for (const key of keys) {
    if (rest.length === 0) obj[key] = REDACTED
    else apply(obj[key], rest)
  }
}

/**
 * A deep copy of `payload` with every dot-path in `paths` replaced by `"[redacted]"`.
 * Array elements are addressed by index (`contacts.0.email`) and `*` matches every key or
 * element (`contacts.*.email`). Paths that do not exist are ignored; nothing is created.
 * The input is never modified.
 */
export function redactPaths(payload: unknown, paths: readonly string[]): unknown {
  const out = copy(payload)
  if (typeof out !== 'object' || out === null) return out
  for (const path of paths) if (path) apply(out, path.split('.'))
  return out
}

/** The value at a dot-path (`properties.email`, `items.0.id`), or undefined. */
export function getPath(value: unknown, path: string): unknown {
  let node = value
  for (const seg of path.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, seg)) return undefined
    node = (node as Record<string, unknown>)[seg]
  }
  return node
}
