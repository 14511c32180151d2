/**
 * Compiling plain data from YAML (or TypeScript literals) into an {@link Evaluator}:
 * strings with `{{ jsonata }}` become expressions evaluated against the {@link Scope},
 * objects and arrays are compiled leaf by leaf, and everything else is a constant.
 *
 * Typing: a string that is exactly one `{{ }}` yields the expression's own value (number,
 * object, array, boolean, null, undefined); text around or between expressions makes a
 * string (objects JSON-stringified, undefined and null → `''`).
 *
 * Constants cost nothing per call: the evaluator returns the same frozen value without a
 * Promise. Expressions in the everyday subset (paths, arithmetic, comparisons, `$functions`)
 * evaluate synchronously (see fast.ts); anything else returns a Promise from JSONata 2.
 *
 * @example
 * ```ts
 * const ev = compileTemplate({ email: '{{ $email(event.email) }}', note: 'score {{ lead.score }}' }, { pipeline: 'p', step: 'lead', field: 'map' })
 * await ev(scope) // { email: 'jane@acme.com', note: 'score 84' }
 * ```
 * @module
 */
import jsonata from 'jsonata'
import { ConfigError, ErrorCodes, formatProblem, PipewrightError, type Problem } from '../errors.js'
import type { Evaluator, Scope } from '../pipeline/types.js'
import { compileFast } from './fast.js'
import { type ExprClock, pipewrightFunctions } from './functions.js'
import { splitTemplate, type TemplatePart, TemplateSyntaxError } from './scan.js'

export interface Where {
  file?: string
  pipeline?: string
  step?: string
  field?: string
}

export interface ExprOptions {
  /** Clock read by `$now()`. @defaultValue `Date` */
  clock?: ExprClock
  /** An evaluation running longer than this fails with `PW_EXPRESSION` (JSONata D1012). @defaultValue 1000 */
  timeoutMs?: number
  /** Deepest JSONata evaluation nesting, which stops runaway recursion (D1011). @defaultValue 1000 */
  maxDepth?: number
  /** Longest sequence an expression may build (D2015). @defaultValue 100000 */
  maxSequence?: number
}

const SYSTEM_CLOCK: ExprClock = { now: () => Date.now() }

type Compiled = { dynamic: false; value: unknown } | { dynamic: true; run: (scope: Scope) => unknown }

interface Ctx {
  where: Where
  options: ExprOptions
  functions: Record<string, (...args: any[]) => unknown>
  problems: Problem[]
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

function fieldPath(base: string | undefined, key: string | number): string {
  if (typeof key === 'number') return `${base ?? ''}[${key}]`
  const safe = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : JSON.stringify(key)
  return base ? `${base}.${safe}` : safe
}

/** A JSONata error (a plain object with code/position/token) as readable text. */
function describeJsonataError(e: unknown): { message: string; code?: string; position?: number; token?: string } {
  if (typeof e !== 'object' || e === null) return { message: String(e) }
  const err = e as { message?: unknown; code?: unknown; position?: unknown; token?: unknown }
  return {
    message: typeof err.message === 'string' ? err.message : String(e),
    code: typeof err.code === 'string' ? err.code : undefined,
    position: typeof err.position === 'number' ? err.position : undefined,
    token: typeof err.token === 'string' ? err.token : undefined,
  }
}

function quote(source: string): string {
  return source.length > 200 ? `${source.slice(0, 200)}…` : source
}

type Run = (scope: Scope) => unknown

function isThenable(v: unknown): v is Promise<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function'
}

/** Combine values that may be promises, staying synchronous when none is. */
function settle<R>(values: unknown[], combine: (vals: unknown[]) => R): R | Promise<R> {
  for (const v of values) if (isThenable(v)) return Promise.all(values).then(combine)
  return combine(values)
}

function compileExpression(source: string, ctx: Ctx): Run | null {
  let expr: jsonata.Expression
  try {
    expr = jsonata(source, {
      timeout: ctx.options.timeoutMs ?? 1000,
      stack: ctx.options.maxDepth ?? 1000,
      sequence: ctx.options.maxSequence ?? 100_000,
    })
  } catch (e) {
    const d = describeJsonataError(e)
    const at = d.position !== undefined ? ` at character ${d.position} of the expression` : ''
    const near = d.token !== undefined && d.token !== '(end)' ? ` near "${d.token}"` : ''
    ctx.problems.push({
      ...ctx.where,
      message: `expression {{ ${quote(source)} }} has a syntax error${at}${near}: ${d.message}${d.code ? ` (JSONata ${d.code})` : ''}`,
    })
    return null
  }
  for (const [name, fn] of Object.entries(ctx.functions)) expr.registerFunction(name, fn)
  const where = ctx.where
  const slow = async (scope: Scope) => {
    try {
      return plain(await expr.evaluate(scope))
    } catch (e) {
      throw expressionError(source, where, e)
    }
  }
  const fast = compileFast(expr.ast() as any, ctx.functions)
  if (!fast) return slow
  return (scope: Scope) => {
    try {
      return fast(scope)
    } catch {
      // BAIL (or anything unexpected): JSONata decides, so results and errors are always its own.
      return slow(scope)
    }
  }
}

function expressionError(source: string, where: Where, e: unknown): PipewrightError {
  const d = describeJsonataError(e)
  const detail = d.code ? ` (JSONata ${d.code}${d.position !== undefined ? `, character ${d.position}` : ''})` : ''
  const cause = e instanceof Error ? e : Object.assign(new Error(d.message), { code: d.code })
  return new PipewrightError(formatProblem({ ...where, message: `expression {{ ${quote(source)} }} failed: ${d.message}${detail}` }), {
    code: ErrorCodes.EXPRESSION,
    cause,
    details: { ...where, expression: source, jsonataCode: d.code, position: d.position },
  })
}

/**
 * JSONata builds objects without a prototype and marks arrays as sequences; hand back
 * ordinary objects and arrays so results compare, spread and serialise like any data.
 */
function plain(v: unknown, depth = 0): unknown {
  if (typeof v !== 'object' || v === null || depth > 64) return v
  if (Array.isArray(v)) return v.map((x) => plain(x, depth + 1))
  if (Object.getPrototypeOf(v) !== null) return v
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(v)) out[k] = plain(x, depth + 1)
  return out
}

function interpolate(v: unknown): string {
  if (v === undefined || v === null) return ''
  if (typeof v === 'string') return v
  if (typeof v === 'object') {
    try {
      return JSON.stringify(v) ?? ''
    } catch {
      return String(v)
    }
  }
  return String(v)
}

function compileString(s: string, ctx: Ctx): Compiled {
  let parts: TemplatePart[]
  try {
    parts = splitTemplate(s)
  } catch (e) {
    if (!(e instanceof TemplateSyntaxError)) throw e
    ctx.problems.push({ ...ctx.where, message: e.message })
    return { dynamic: false, value: s }
  }
  if (!parts.some((p) => p.kind === 'expr')) return { dynamic: false, value: s }
  const runs = parts.map((p) => (p.kind === 'text' ? p.text : compileExpression(p.source, ctx)))
  if (runs.some((r) => r === null)) return { dynamic: false, value: s }
  if (runs.length === 1 && typeof runs[0] === 'function') return { dynamic: true, run: runs[0] }
  return {
    dynamic: true,
    run: (scope) =>
      settle(
        runs.map((r) => (typeof r === 'string' ? r : (r as Run)(scope))),
        (values) => values.map(interpolate).join(''),
      ),
  }
}

function compileNode(value: unknown, ctx: Ctx, depth: number): Compiled {
  if (depth > 64) {
    ctx.problems.push({ ...ctx.where, message: 'value is nested more than 64 levels deep' })
    return { dynamic: false, value }
  }
  if (typeof value === 'string') return compileString(value, ctx)
  const isArray = Array.isArray(value)
  if (!isArray && !isPlainObject(value)) return { dynamic: false, value }
  const keys = isArray ? value.map((_, i) => i) : Object.keys(value)
  const children = keys.map((k) =>
    compileNode(
      (value as Record<string | number, unknown>)[k],
      { ...ctx, where: { ...ctx.where, field: fieldPath(ctx.where.field, k) } },
      depth + 1,
    ),
  )
  const build = (vals: unknown[]): unknown => {
    if (isArray) return vals
    const out: Record<string, unknown> = isPlainObject(value) && Object.getPrototypeOf(value) === null ? Object.create(null) : {}
    keys.forEach((k, i) => {
      out[k as string] = vals[i]
    })
    return out
  }
  if (children.every((c) => !c.dynamic))
    return { dynamic: false, value: Object.freeze(build(children.map((c) => (c as { value: unknown }).value))) }
  return {
    dynamic: true,
    run: (scope) =>
      settle(
        children.map((c) => (c.dynamic ? c.run(scope) : c.value)),
        build,
      ),
  }
}

/**
 * Compile plain data into an evaluator. JSONata is parsed here, once: every syntax error in
 * `value` is reported together as a {@link ConfigError} naming pipeline, step, field and the
 * position inside the expression. Evaluation errors reject with a `PW_EXPRESSION`
 * {@link PipewrightError} naming the same place and the expression text.
 */
export function compileTemplate(value: unknown, where: Where, options: ExprOptions = {}): Evaluator {
  const ctx: Ctx = { where, options, functions: pipewrightFunctions(options.clock ?? SYSTEM_CLOCK), problems: [] }
  const compiled = compileNode(value, ctx, 0)
  if (ctx.problems.length > 0) throw new ConfigError(ctx.problems)
  if (!compiled.dynamic) {
    const constant = compiled.value
    return () => constant
  }
  return compiled.run
}

/** Whether `value` (a string, or any string inside an object or array) contains a `{{ }}` template. */
export function isTemplate(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('{{')
  if (depth > 64) return false
  if (Array.isArray(value)) return value.some((v) => isTemplate(v, depth + 1))
  if (isPlainObject(value)) return Object.values(value).some((v) => isTemplate(v, depth + 1))
  return false
}
