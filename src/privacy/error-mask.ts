/**
 * PII in error text: a provider that echoes a sealed value in its error ("contact
 * ada@example.com already exists") would put it in the run's error and the dead letter in plain
 * text. The decorator remembers the values it sealed or opened for each run it executes and masks
 * them in that run's stored errors as `[encrypted]` (masked, not sealed: errors are for people).
 * @module
 */
import type { SerializedError } from '../types.js'

/** Values shorter than this are not masked (they would mask ordinary words). */
const MIN_LENGTH = 5
const MASK = '[encrypted]'

/** Add the string leaves of `value` (a sealed field's plain value) to `into`. */
export function collectStrings(value: unknown, into: Set<string>, depth = 0): void {
  if (typeof value === 'string') {
    if (value.length >= MIN_LENGTH) into.add(value)
  } else if (typeof value === 'number' && String(value).length >= MIN_LENGTH) into.add(String(value))
  else if (typeof value === 'object' && value !== null && depth < 8)
    for (const v of Array.isArray(value) ? value : Object.values(value)) collectStrings(v, into, depth + 1)
}

/** `error` with every value of `values` masked in its texts (and its causes'); itself when none occurs. */
export function maskError<E extends SerializedError | null | undefined>(error: E, values: ReadonlySet<string>): E {
  if (!error || values.size === 0) return error
  const sorted = [...values].sort((a, b) => b.length - a.length)
  const text = (s: string | undefined) => {
    if (s === undefined) return s
    let out = s
    for (const v of sorted) if (out.includes(v)) out = out.split(v).join(MASK)
    return out
  }
  const walk = (e: SerializedError): SerializedError => {
    const next: SerializedError = { ...e, message: text(e.message)! }
    if (e.stack !== undefined) next.stack = text(e.stack)
    if (e.providerCode !== undefined) next.providerCode = text(e.providerCode)
    if (e.cause) next.cause = walk(e.cause)
    return next
  }
  return walk(error) as E
}
