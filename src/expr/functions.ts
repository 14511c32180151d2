/**
 * The Pipewright functions bound in every expression (`$domain`, `$email`, `$score` …).
 * Each accepts anything, never throws on bad data, and returns `null` when it cannot help,
 * mirroring `pipewright/transforms`.
 * @module
 */
import { normalize, score, slug } from '../transforms/index.js'

/** Reads the time for `$now()`; inject one for reproducible tests. */
export interface ExprClock {
  now(): number
}

function lower(v: unknown): string | null {
  return typeof v === 'string' ? v.toLowerCase() : null
}

function trim(v: unknown): string | null {
  return typeof v === 'string' ? v.trim().replace(/\s+/g, ' ') : null
}

/** First argument that is not undefined, null or the empty string; null when none is. */
function coalesce(...values: unknown[]): unknown {
  for (const v of values) if (v !== undefined && v !== null && v !== '') return v
  return null
}

/** Names (without `$`) and implementations of the functions bound in every expression. */
export function pipewrightFunctions(clock: ExprClock): Record<string, (...args: any[]) => unknown> {
  return {
    domain: (v: unknown, keepSubdomain?: unknown) => normalize.domain(v, { keepSubdomain: keepSubdomain === true }),
    email: (v: unknown) => normalize.email(v),
    emailInfo: (v: unknown) => normalize.emailInfo(v),
    phone: (v: unknown, country?: unknown) => normalize.phone(v, { defaultCountry: typeof country === 'string' ? country : undefined }),
    slug: (v: unknown) => slug(v),
    now: () => new Date(clock.now()).toISOString(),
    score: (intent: unknown, fit: unknown, wIntent?: unknown, wFit?: unknown) => score(intent, fit, wIntent, wFit),
    personName: (v: unknown) => normalize.personName(v),
    companyName: (v: unknown) => normalize.companyName(v),
    companyDisplayName: (v: unknown) => normalize.companyDisplayName(v),
    lower,
    trim,
    coalesce,
  }
}
