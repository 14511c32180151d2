/**
 * Turn a `Computed` value into an evaluator: functions are called with the scope, `{{ }}`
 * templates are compiled to JSONata, plain objects and arrays are compiled leaf by leaf.
 * TypeScript and YAML pipelines go through the same path, so both compile alike.
 * @module
 */
import { compileTemplate } from '../expr/index.js'
import type { Evaluator, Scope } from './types.js'

export interface Where {
  file?: string
  pipeline?: string
  step?: string
  field?: string
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

function containsFunction(v: unknown, depth = 0): boolean {
  if (typeof v === 'function') return true
  if (depth > 32) return false
  if (Array.isArray(v)) return v.some((x) => containsFunction(x, depth + 1))
  if (isPlainObject(v)) return Object.values(v).some((x) => containsFunction(x, depth + 1))
  return false
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function'
}

/** Compile a computed value. Sync evaluators stay sync (no Promise per call on the hot path). */
export function compileComputed<T = unknown>(value: unknown, where: Where): Evaluator<T> {
  if (typeof value === 'function') return value as Evaluator<T>
  if (!containsFunction(value)) return compileTemplate(value, where) as Evaluator<T>
  if (Array.isArray(value)) {
    const parts = value.map((v, i) => compileComputed(v, { ...where, field: `${where.field ?? ''}[${i}]` }))
    return ((scope: Scope) =>
      settle(
        parts.map((p) => p(scope)),
        (vals) => vals,
      )) as Evaluator<T>
  }
  const obj = value as Record<string, unknown>
  const keys = Object.keys(obj)
  const parts = keys.map((k) => compileComputed(obj[k], { ...where, field: where.field ? `${where.field}.${k}` : k }))
  return ((scope: Scope) =>
    settle(
      parts.map((p) => p(scope)),
      (vals) => {
        const out: Record<string, unknown> = {}
        keys.forEach((k, i) => {
          out[k] = vals[i]
        })
        return out
      },
    )) as Evaluator<T>
}

/** Combine values that may be promises, staying synchronous when none is. */
function settle<R>(values: unknown[], combine: (vals: unknown[]) => R): R | Promise<R> {
  if (!values.some(isThenable)) return combine(values)
  return Promise.all(values).then(combine)
}
