/**
 * "Did you mean …?" for unknown keys: the nearest known key by edit distance (fastest-levenshtein),
 * compared without case so `maxattempts` and `attempts` both find `maxAttempts`.
 * @module
 */
import { distance } from 'fastest-levenshtein'

/**
 * The known key nearest to `key`, or null when none is close enough to be a likely misspelling:
 * within a third of the longer word's length (at least 2 edits), or one containing the other
 * (`attempts` → `maxAttempts`, `url` → `baseUrl`).
 */
export function nearestKey(key: string, known: readonly string[]): string | null {
  const k = key.toLowerCase()
  let best: string | null = null
  let bestScore = Number.POSITIVE_INFINITY
  for (const candidate of known) {
    const c = candidate.toLowerCase()
    const d = distance(k, c)
    const contains = k.length >= 3 && (c.includes(k) || k.includes(c)) && c.length >= 3
    const limit = Math.max(2, Math.ceil(Math.max(k.length, c.length) / 3))
    if (d > limit && !contains) continue
    const score = contains ? Math.min(d, limit) : d
    if (score < bestScore) {
      best = candidate
      bestScore = score
    }
  }
  return best
}

/**
 * The tail of an unknown-key message: `; did you mean maxAttempts?` when a key is near, else
 * `; expected a, b, c`.
 */
export function suggestion(key: string, known: readonly string[]): string {
  const near = nearestKey(key, known)
  if (near) return `; did you mean ${near}?`
  return known.length ? `; expected ${known.join(', ')}` : ''
}

/**
 * Report each key of `obj` that is not in `known`, as `unknown <what> "<key>"; did you mean …?`.
 * `report(key, message)` receives the key so the caller can build the field path.
 */
export function checkKeys(obj: unknown, known: readonly string[], what: string, report: (key: string, message: string) => void): void {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return
  for (const key of Object.keys(obj)) if (!known.includes(key)) report(key, `unknown ${what} "${key}"${suggestion(key, known)}`)
}
