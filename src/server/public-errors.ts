/**
 * Stored errors (run errors, dead letters, step failures) keep their stack traces for the
 * operator's logs and `--debug`; responses of the API leave them out, since a stack names files,
 * paths and versions of the server that a caller has no use for.
 * @module
 */

const ERROR_KEYS = new Set(['error', 'cause'])

function isSerializedError(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { message?: unknown }).message === 'string'
}

/** A copy of `value` with `stack` removed from every serialized error (under `error` / `cause`) in it. */
export function withoutStacks<T>(value: T, depth = 0): T {
  if (typeof value !== 'object' || value === null || depth > 12) return value
  if (Array.isArray(value)) return value.map((x) => withoutStacks(x, depth + 1)) as T
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if (ERROR_KEYS.has(k) && isSerializedError(v)) {
      const { stack: _stack, ...rest } = v
      out[k] = withoutStacks(rest, depth + 1)
    } else out[k] = typeof v === 'object' && v !== null && k !== 'payload' ? withoutStacks(v, depth + 1) : v
  }
  return out as T
}
