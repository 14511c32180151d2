/**
 * Parameter types the rule families share (durations, ratios, counts), scope matching and
 * number formatting for summaries.
 * @module
 */
import { z } from 'zod'
import { tryParseDuration } from '../../../pipeline/duration.js'
import type { RuleScope } from '../contract.js'

/** `15m`, `1h`, `30s` or milliseconds → milliseconds. */
export const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = tryParseDuration(v)
  if (typeof ms === 'string') {
    ctx.addIssue({ code: 'custom', message: ms })
    return z.NEVER
  }
  return ms
})

/** A share: a fraction from 0 to 1 (`0.05`) or a percentage string (`"5%"`). */
export const ratio = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(v) : null
  const n = typeof v === 'number' ? v : m ? Number(m[1]) / 100 : Number.NaN
  if (!Number.isFinite(n) || n < 0 || n > 1) {
    ctx.addIssue({ code: 'custom', message: `must be a fraction from 0 to 1 (0.05) or a percentage ("5%"), got ${JSON.stringify(v)}` })
    return z.NEVER
  }
  return n
})

export const count = z.number().int().nonnegative()

function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  )
}

/** True when `value` matches one of the patterns (or there are none). */
export function inScope(patterns: readonly string[] | undefined, value: string): boolean {
  if (!patterns || patterns.length === 0) return true
  return patterns.some((p) => globToRegExp(p).test(value))
}

export function pipelineInScope(scope: RuleScope, pipeline: string): boolean {
  return inScope(scope.pipelines, pipeline)
}

export function connectionInScope(scope: RuleScope, connection: string): boolean {
  return inScope(scope.connections, connection)
}

/** `15m`, `1h`, `14d` for a duration in ms (as the user would write it). */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`
  return `${ms}ms`
}

export function formatPercent(share: number): string {
  return `${Number((share * 100).toFixed(1))} %`
}

/** A PromQL label matcher restricting a selector to a rule's scope (`pipeline=~"a|b.*"`). */
export function promScope(label: string, patterns: readonly string[] | undefined): string {
  if (!patterns || patterns.length === 0) return ''
  const re = patterns
    .map((p) =>
      p
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\\\$&'))
        .join('.*'),
    )
    .join('|')
  return `${label}=~"${re}"`
}

/** Join PromQL matchers into a selector body, skipping empty ones. */
export function matchers(...parts: string[]): string {
  return parts.filter(Boolean).join(',')
}

/** `hubspot:main` → `{ connector: 'hubspot', connection: 'main' }`. */
export function splitConnection(key: string): { connector: string; connection: string } {
  const i = key.indexOf(':')
  return i < 0 ? { connector: key, connection: 'default' } : { connector: key.slice(0, i), connection: key.slice(i + 1) }
}
