/**
 * Lead scoring: `signal_score = intent * 0.4 + fit * 0.6`, weights configurable, every
 * input clamped to 0–100, result rounded to two decimals and clamped to 0–100.
 *
 * Null-safe: a missing or non-numeric part counts as 0 (so partial data never looks hotter
 * than it is); when both parts are missing the score is `null`. Numeric strings (`"72"`) count.
 *
 * @example
 * ```ts
 * score(90, 80)           // 84
 * score(90, null)         // 36
 * score(null, undefined)  // null
 * score(50, 50, 1, 1)     // 100 (clamped)
 * ```
 * @module
 */

/** Default weight of intent. */
export const INTENT_WEIGHT = 0.4
/** Default weight of fit. */
export const FIT_WEIGHT = 0.6

function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null
  if (typeof v === 'string' && v.trim() !== '' && v.length < 64) {
    const n = Number(v.trim())
    return Number.isFinite(n) ? n : null
  }
  return null
}

function clamp(n: number): number {
  return Math.min(100, Math.max(0, n))
}

function weight(v: unknown, fallback: number): number {
  const n = toNumber(v)
  return n === null || n < 0 ? fallback : n
}

/** The weighted score of `intent` and `fit` (each 0–100), or null when both are missing. */
export function score(intent: unknown, fit: unknown, intentWeight?: unknown, fitWeight?: unknown): number | null {
  const i = toNumber(intent)
  const f = toNumber(fit)
  if (i === null && f === null) return null
  const wi = weight(intentWeight, INTENT_WEIGHT)
  const wf = weight(fitWeight, FIT_WEIGHT)
  const raw = clamp(i ?? 0) * wi + clamp(f ?? 0) * wf
  return Math.round(clamp(raw) * 100) / 100
}
