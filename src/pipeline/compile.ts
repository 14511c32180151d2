/**
 * Validate a pipeline definition (TypeScript or YAML) and compile it to the internal form.
 * Every problem is collected and reported at once, each naming file, step and field.
 * @module
 */

import { isActionInvocation } from '../connectors/contract.js'
import { ConfigError, type Problem } from '../errors.js'
import { piiPathProblem } from '../privacy/paths.js'
import type { RetryPolicy } from '../types.js'
import { compileTrigger } from './compile-trigger.js'
import { compileComputed, type Where } from './computed.js'
import { credentialEnvValues } from './credentials.js'
import { isEnvRef } from './define.js'
import { tryParseDuration } from './duration.js'
import { checkTemplateRefs } from './refs.js'
import { checkKeys, nearestKey, suggestion } from './suggest.js'
import { checkInterpolation } from './template-values.js'
import type { CompiledPipeline, CompiledStep, PipelineDefinition, RetryOptions, StepDefinition } from './types.js'
import { hashDefinition } from './version.js'

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  maxAttempts: 5,
  initialIntervalMs: 1000,
  maxIntervalMs: 600_000,
  backoffCoefficient: 2,
}) satisfies RetryPolicy

export const DEFAULT_STEP_TIMEOUT_MS = 300_000

const STEP_KINDS = ['map', 'filter', 'route', 'action', 'forEach', 'delay', 'code', 'dedupe', 'aggregate', 'call'] as const
/** Largest batch an `aggregate` step collects. */
export const MAX_AGGREGATE_SIZE = 1000
/** How long a `call` with `wait` waits for the called run. */
export const DEFAULT_CALL_WAIT_MS = 86_400_000
const COMMON_KEYS = new Set(['id', 'retry', 'timeout', 'concurrencyKey', 'description'])
const KIND_KEYS: Record<(typeof STEP_KINDS)[number], string[]> = {
  map: [],
  filter: [],
  route: ['otherwise'],
  action: ['with', 'connection'],
  forEach: ['steps', 'concurrency'],
  delay: [],
  code: [],
  dedupe: [],
  aggregate: [],
  call: [],
}
const PIPELINE_KEYS = ['id', 'description', 'trigger', 'steps', 'retry', 'concurrency', 'concurrencyKey', 'timeout', 'pii']
const RETRY_KEYS = ['maxAttempts', 'initialInterval', 'maxInterval', 'backoffCoefficient']
const ID_RE = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/
const PIPELINE_ID_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/

export interface CompileOptions {
  format: 'ts' | 'yaml'
  file?: string
  /** Environment for `env()` references and `${VAR}` substitutions. */
  env?: Record<string, string | undefined>
}

export function compilePipeline(def: PipelineDefinition, options: CompileOptions): CompiledPipeline {
  const problems: Problem[] = []
  const file = options.file
  const raw = def as unknown as Record<string, unknown>
  if (typeof raw !== 'object' || raw === null)
    throw new ConfigError([{ file, message: 'the pipeline must be an object with id, trigger and steps' }])
  const id = typeof raw.id === 'string' ? raw.id : ''
  if (!PIPELINE_ID_RE.test(id))
    problems.push({ file, field: 'id', message: `pipeline id must be lower-case letters, digits, - or _ (got ${JSON.stringify(raw.id)})` })
  checkKeys(raw, PIPELINE_KEYS, 'pipeline field', (key, message) => problems.push({ file, pipeline: id, field: key, message }))
  checkInterpolation(raw, (field, message) => problems.push({ file, pipeline: id, field, message }))
  const env = options.env ?? {}
  const resolved = resolveEnv(raw, env, (name) =>
    problems.push({ file, pipeline: id, message: `environment variable ${name} is not set` }),
  ) as Record<string, unknown>

  const ctx: Ctx = { file, pipeline: id, problems, seen: new Set() }
  const retry = compileRetry(resolved.retry as RetryOptions | undefined, DEFAULT_RETRY, ctx, 'retry')
  const timeoutMs = compileTimeout(resolved.timeout, DEFAULT_STEP_TIMEOUT_MS, ctx, 'timeout')
  const trigger = compileTrigger(resolved.trigger, { file, pipeline: id, problems })
  let concurrency: number | null = null
  if (resolved.concurrency !== undefined) {
    if (Number.isInteger(resolved.concurrency) && (resolved.concurrency as number) > 0) concurrency = resolved.concurrency as number
    else problems.push({ file, pipeline: id, field: 'concurrency', message: 'must be a whole number greater than 0' })
  }
  const concurrencyKey =
    resolved.concurrencyKey === undefined
      ? null
      : compileSafe(resolved.concurrencyKey, { file, pipeline: id, field: 'concurrencyKey' }, ctx)
  const pii = compilePii(resolved.pii, ctx)
  let steps: CompiledStep[] = []
  if (!Array.isArray(resolved.steps) || resolved.steps.length === 0) {
    problems.push({ file, pipeline: id, field: 'steps', message: 'a pipeline needs a non-empty list of steps' })
  } else {
    steps = compileSteps(resolved.steps as StepDefinition[], { retry, timeoutMs }, ['event', 'run'], ctx, 'steps')
    checkNestedAggregates(steps, false, ctx)
  }
  if (problems.length > 0) throw new ConfigError(problems)
  const compiled: CompiledPipeline = {
    id,
    version: hashDefinition(def),
    description: typeof resolved.description === 'string' ? resolved.description : null,
    source: { format: options.format, file: file ?? null },
    trigger: trigger!,
    steps,
    retry,
    concurrency,
    concurrencyKey: concurrencyKey as CompiledPipeline['concurrencyKey'],
    ...(pii.length ? { pii } : {}),
  }
  // Not enumerable: never serialised with the pipeline; read it with pipelineSecrets().
  Object.defineProperty(compiled, SECRETS, { value: Object.freeze(credentialEnvValues(raw, env)), enumerable: false })
  return Object.freeze(compiled)
}

function compilePii(value: unknown, ctx: Ctx): string[] {
  if (value === undefined) return []
  const list = typeof value === 'string' ? [value] : value
  if (!Array.isArray(list)) {
    ctx.problems.push({
      file: ctx.file,
      pipeline: ctx.pipeline,
      field: 'pii',
      message: 'must be a list of dot-paths such as [email, person.*]',
    })
    return []
  }
  list.forEach((p, i) => {
    const problem = piiPathProblem(p)
    if (problem) ctx.problems.push({ file: ctx.file, pipeline: ctx.pipeline, field: `pii[${i}]`, message: problem })
  })
  return Object.freeze([...new Set(list as string[])]) as string[]
}

const SECRETS = Symbol.for('pipewright.pipeline.secrets')

/** The environment values a compiled pipeline uses as credentials (credentials.ts): mask them. */
export function pipelineSecrets(p: CompiledPipeline): readonly string[] {
  return ((p as unknown as Record<symbol, unknown>)[SECRETS] as readonly string[] | undefined) ?? []
}

interface Ctx {
  file: string | undefined
  pipeline: string
  problems: Problem[]
  seen: Set<string>
}

interface Defaults {
  retry: RetryPolicy
  timeoutMs: number
}

function compileSteps(list: StepDefinition[], defaults: Defaults, visible: string[], ctx: Ctx, path: string): CompiledStep[] {
  const out: CompiledStep[] = []
  const known = [...visible]
  list.forEach((def, index) => {
    const step = compileStep(def, defaults, known, ctx, `${path}[${index}]`)
    if (step) {
      out.push(step)
      known.push(step.id)
      // Outputs of steps inside route branches are visible after the route.
      if (step.kind === 'route')
        for (const b of [...step.branches.map((x) => x.steps), step.otherwise ?? []]) known.push(...b.map((s) => s.id))
    }
  })
  return out
}

function compileStep(def: StepDefinition, defaults: Defaults, visible: string[], ctx: Ctx, path: string): CompiledStep | null {
  const { file, pipeline, problems } = ctx
  const raw = def as unknown as Record<string, unknown>
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push({ file, pipeline, field: path, message: 'a step must be an object with an id and one step kind' })
    return null
  }
  const id = raw.id
  if (typeof id !== 'string' || !ID_RE.test(id)) {
    problems.push({
      file,
      pipeline,
      field: `${path}.id`,
      message: `step id must start with a letter or _ and use letters, digits, - or _ (got ${JSON.stringify(id)})`,
    })
    return null
  }
  if (ctx.seen.has(id) || ['event', 'run', 'item', 'index'].includes(id)) {
    problems.push({
      file,
      pipeline,
      step: id,
      field: 'id',
      message: ctx.seen.has(id) ? `duplicate step id "${id}"` : `"${id}" is reserved`,
    })
  }
  ctx.seen.add(id)
  const kinds = STEP_KINDS.filter((k) => k in raw)
  const where: Where = { file, pipeline, step: id }
  if (kinds.length !== 1) {
    const unknown = Object.keys(raw).filter((k) => !COMMON_KEYS.has(k))
    const near = unknown.length === 1 ? nearestKey(unknown[0]!, STEP_KINDS) : null
    const message =
      kinds.length === 0
        ? `unknown step kind${unknown.length ? ` "${unknown.join('", "')}"` : ''}; ${near ? `did you mean ${near}?` : `expected one of ${STEP_KINDS.join(', ')}`}`
        : `a step has exactly one kind, found ${kinds.join(' and ')}`
    problems.push({ file, pipeline, step: id, message })
    return null
  }
  const kind = kinds[0]!
  const stepKeys = [kind, ...COMMON_KEYS, ...KIND_KEYS[kind]]
  for (const key of Object.keys(raw)) {
    if (!stepKeys.includes(key))
      problems.push({ ...where, field: key, message: `unknown field "${key}" for a ${kind} step${suggestion(key, stepKeys)}` })
  }
  const base = {
    id,
    retry: compileRetry(raw.retry as RetryOptions | undefined, defaults.retry, ctx, 'retry', id),
    timeoutMs: compileTimeout(raw.timeout, defaults.timeoutMs, ctx, 'timeout', id),
    concurrencyKey:
      raw.concurrencyKey === undefined
        ? null
        : (compileSafe(raw.concurrencyKey, { ...where, field: 'concurrencyKey' }, ctx, visible) as CompiledStep['concurrencyKey']),
  }
  const value = raw[kind]
  const field = (f: string): Where => ({ ...where, field: f })
  switch (kind) {
    case 'map':
      return { ...base, kind, value: compileSafe(value, field('map'), ctx, visible) }
    case 'filter':
      return { ...base, kind, when: compileSafe(value, field('filter'), ctx, visible) as (s: any) => boolean }
    case 'delay':
      return { ...base, kind, ms: compileDelay(value, field('delay'), ctx, visible) }
    case 'code':
      if (typeof value !== 'function')
        problems.push({
          ...where,
          field: 'code',
          message: 'code must be an async function (scope, helpers) => result; YAML pipelines cannot define code steps',
        })
      return { ...base, kind, fn: value as any }
    case 'action':
      return compileAction(base, raw, visible, ctx)
    case 'route': {
      if (!Array.isArray(value) || value.length === 0) {
        problems.push({ ...where, field: 'route', message: 'route needs a non-empty list of { when, steps } branches' })
        return null
      }
      const branches = value.map((b: any, i: number) => {
        if (typeof b !== 'object' || b === null || !('when' in b) || !Array.isArray(b.steps)) {
          problems.push({ ...where, field: `route[${i}]`, message: 'each branch needs `when` and a list of `steps`' })
          return { when: () => false, steps: [] }
        }
        checkKeys(b, ['when', 'steps'], 'route branch field', (k, message) =>
          problems.push({ ...where, field: `route[${i}].${k}`, message }),
        )
        return {
          when: compileSafe(b.when, field(`route[${i}].when`), ctx, visible) as (s: any) => boolean,
          steps: compileSteps(b.steps, defaults, visible, ctx, `${id}.route[${i}].steps`),
        }
      })
      const otherwise =
        raw.otherwise === undefined
          ? null
          : Array.isArray(raw.otherwise)
            ? compileSteps(raw.otherwise as StepDefinition[], defaults, visible, ctx, `${id}.otherwise`)
            : null
      if (raw.otherwise !== undefined && !Array.isArray(raw.otherwise))
        problems.push({ ...where, field: 'otherwise', message: 'otherwise must be a list of steps' })
      return { ...base, kind, branches, otherwise }
    }
    case 'forEach': {
      if (!Array.isArray(raw.steps) || raw.steps.length === 0)
        problems.push({ ...where, field: 'steps', message: 'forEach needs a non-empty list of steps to run for each item' })
      const concurrency = raw.concurrency === undefined ? 1 : Number(raw.concurrency)
      if (!Number.isInteger(concurrency) || concurrency < 1)
        problems.push({ ...where, field: 'concurrency', message: 'must be a whole number greater than 0' })
      const inner = Array.isArray(raw.steps)
        ? compileSteps(raw.steps as StepDefinition[], defaults, [...visible, 'item', 'index'], ctx, `${id}.steps`)
        : []
      return { ...base, kind, items: compileSafe(value, field('forEach'), ctx, visible) as any, steps: inner, concurrency }
    }
    case 'dedupe': {
      const d = value as Record<string, unknown> | null
      if (typeof d !== 'object' || d === null || d.key === undefined || d.window === undefined) {
        problems.push({ ...where, field: 'dedupe', message: 'dedupe needs { key, window, keep? }' })
        return null
      }
      const windowMs = tryParseDuration(d.window as string)
      if (typeof windowMs === 'string') problems.push({ ...where, field: 'dedupe.window', message: windowMs })
      const keep = (d.keep ?? 'first') as 'first' | 'latest' | 'merge'
      if (!['first', 'latest', 'merge'].includes(keep))
        problems.push({ ...where, field: 'dedupe.keep', message: 'keep must be first, latest or merge' })
      checkKeys(d, ['key', 'window', 'keep', 'item'], 'dedupe option', (k, message) =>
        problems.push({ ...where, field: `dedupe.${k}`, message }),
      )
      const item = compileSafe(d.item ?? '{{ event }}', field('dedupe.item'), ctx, visible)
      return {
        ...base,
        kind,
        key: compileSafe(d.key, field('dedupe.key'), ctx, visible) as any,
        windowMs: typeof windowMs === 'number' ? windowMs : 0,
        keep,
        item,
      }
    }
    case 'aggregate':
      return compileAggregate(base, value, where, ctx, visible)
    case 'call': {
      const c = value as Record<string, unknown> | null
      if (typeof c !== 'object' || c === null || typeof c.pipeline !== 'string') {
        problems.push({ ...where, field: 'call', message: 'call needs { pipeline: "<id>", input }' })
        return null
      }
      checkKeys(c, ['pipeline', 'input', 'wait'], 'call option', (k, message) => problems.push({ ...where, field: `call.${k}`, message }))
      let wait: { timeoutMs: number } | null = null
      if (c.wait === true) wait = { timeoutMs: DEFAULT_CALL_WAIT_MS }
      else if (typeof c.wait === 'object' && c.wait !== null) {
        checkKeys(c.wait, ['timeout'], 'call.wait option', (k, message) => problems.push({ ...where, field: `call.wait.${k}`, message }))
        const t = (c.wait as { timeout?: unknown }).timeout
        const ms = t === undefined ? DEFAULT_CALL_WAIT_MS : tryParseDuration(t as string)
        if (typeof ms === 'string') problems.push({ ...where, field: 'call.wait.timeout', message: ms })
        wait = { timeoutMs: typeof ms === 'number' ? ms : DEFAULT_CALL_WAIT_MS }
      } else if (c.wait !== undefined && c.wait !== false)
        problems.push({ ...where, field: 'call.wait', message: 'wait must be true, false or { timeout }' })
      return { ...base, kind, pipeline: c.pipeline, input: compileSafe(c.input ?? '{{ event }}', field('call.input'), ctx, visible), wait }
    }
  }
}

/** An aggregate step ends the runs that add items, so it may only sit at the top level. */
function checkNestedAggregates(steps: CompiledStep[], nested: boolean, ctx: Ctx): void {
  for (const s of steps) {
    if (s.kind === 'aggregate' && nested)
      ctx.problems.push({
        file: ctx.file,
        pipeline: ctx.pipeline,
        step: s.id,
        field: 'aggregate',
        message: 'aggregate must be a top-level step (not inside route or forEach)',
      })
    if (s.kind === 'route') for (const b of [...s.branches.map((x) => x.steps), s.otherwise ?? []]) checkNestedAggregates(b, true, ctx)
    if (s.kind === 'forEach') checkNestedAggregates(s.steps, true, ctx)
  }
}

function compileAggregate(base: any, value: unknown, where: Where, ctx: Ctx, visible: string[]): CompiledStep | null {
  const a = value as Record<string, unknown> | null
  const problem = (f: string, message: string) => ctx.problems.push({ ...where, field: `aggregate${f ? `.${f}` : ''}`, message })
  if (typeof a !== 'object' || a === null || Array.isArray(a)) {
    problem('', 'aggregate needs { size?, window?, item?, key?, target? } with size or window')
    return null
  }
  checkKeys(a, ['item', 'key', 'size', 'window', 'target'], 'aggregate option', problem)
  if (a.size === undefined && a.window === undefined)
    problem('', 'aggregate needs size (items per batch) or window (time per batch), or both')
  const size = a.size === undefined ? MAX_AGGREGATE_SIZE : Number(a.size)
  if (!Number.isInteger(size) || size < 1 || size > MAX_AGGREGATE_SIZE)
    problem('size', `must be a whole number from 1 to ${MAX_AGGREGATE_SIZE}`)
  let windowMs: number | null = null
  if (a.window !== undefined) {
    const ms = tryParseDuration(a.window as string)
    if (typeof ms === 'string' || ms === 0) problem('window', typeof ms === 'string' ? ms : 'must be greater than 0')
    else windowMs = ms
  }
  if (a.target !== undefined && (typeof a.target !== 'string' || !PIPELINE_ID_RE.test(a.target)))
    problem('target', 'target must be the id of a pipeline')
  return {
    ...base,
    kind: 'aggregate',
    item: compileSafe(a.item ?? '{{ event }}', { ...where, field: 'aggregate.item' }, ctx, visible),
    key: a.key === undefined ? null : (compileSafe(a.key, { ...where, field: 'aggregate.key' }, ctx, visible) as any),
    size: Number.isInteger(size) ? Math.min(Math.max(size, 1), MAX_AGGREGATE_SIZE) : MAX_AGGREGATE_SIZE,
    windowMs,
    target: typeof a.target === 'string' ? a.target : null,
  }
}

function compileAction(base: any, raw: Record<string, unknown>, visible: string[], ctx: Ctx): CompiledStep | null {
  const where = { file: ctx.file, pipeline: ctx.pipeline, step: base.id as string }
  const a = raw.action
  let ref: string
  let params: unknown
  let connection: string | null = typeof raw.connection === 'string' ? raw.connection : null
  if (isActionInvocation(a)) {
    ref = a.ref
    params = a.params
    connection = a.connection ?? connection
  } else if (typeof a === 'string') {
    ref = a
    params = raw.with ?? {}
  } else {
    ctx.problems.push({
      ...where,
      field: 'action',
      message: 'action must be a connector action like http.request({...}) or, in YAML, a name like "http.request" with `with:` parameters',
    })
    return null
  }
  if (!/^[a-z][a-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+$/.test(ref))
    ctx.problems.push({ ...where, field: 'action', message: `"${ref}" is not an action name of the form <connector>.<action>` })
  if (typeof params !== 'object' || params === null || Array.isArray(params))
    ctx.problems.push({ ...where, field: 'with', message: 'action parameters must be an object' })
  return { ...base, kind: 'action', ref, connection, params: compileSafe(params, { ...where, field: 'with' }, ctx, visible) as any }
}

function compileDelay(value: unknown, where: Where, ctx: Ctx, visible: string[]) {
  if (typeof value === 'number' || (typeof value === 'string' && !value.includes('{{'))) {
    const ms = tryParseDuration(value)
    if (typeof ms === 'string') ctx.problems.push({ ...where, message: ms })
    const fixed = typeof ms === 'number' ? ms : 0
    return () => fixed
  }
  const ev = compileSafe(value, where, ctx, visible)
  return async (scope: any) => {
    const ms = tryParseDuration((await ev(scope)) as string)
    if (typeof ms === 'string') throw new TypeError(`step ${where.step} delay: ${ms}`)
    return ms
  }
}

function compileSafe(value: unknown, where: Where, ctx: Ctx, visible?: string[]) {
  try {
    if (visible) for (const p of checkTemplateRefs(value, visible)) ctx.problems.push({ ...where, message: p })
    return compileComputed(value, where)
  } catch (e) {
    if (e instanceof ConfigError) ctx.problems.push(...e.problems)
    else ctx.problems.push({ ...where, message: (e as Error).message })
    return () => undefined
  }
}

function compileRetry(opts: RetryOptions | undefined, base: RetryPolicy, ctx: Ctx, field: string, step?: string): RetryPolicy {
  if (opts === undefined) return base
  const where = { file: ctx.file, pipeline: ctx.pipeline, step }
  if (typeof opts !== 'object' || opts === null) {
    ctx.problems.push({
      ...where,
      field,
      message: 'retry must be an object { maxAttempts, initialInterval, maxInterval, backoffCoefficient }',
    })
    return base
  }
  checkKeys(opts, RETRY_KEYS, 'retry option', (k, message) => ctx.problems.push({ ...where, field: `${field}.${k}`, message }))
  const out = { ...base }
  if (opts.maxAttempts !== undefined) {
    if (Number.isInteger(opts.maxAttempts) && opts.maxAttempts >= 1) out.maxAttempts = opts.maxAttempts
    else ctx.problems.push({ ...where, field: `${field}.maxAttempts`, message: 'must be a whole number of at least 1' })
  }
  for (const [key, target] of [
    ['initialInterval', 'initialIntervalMs'],
    ['maxInterval', 'maxIntervalMs'],
  ] as const) {
    const v = opts[key]
    if (v === undefined) continue
    const ms = tryParseDuration(v)
    if (typeof ms === 'string') ctx.problems.push({ ...where, field: `${field}.${key}`, message: ms })
    else out[target] = ms
  }
  if (opts.backoffCoefficient !== undefined) {
    if (typeof opts.backoffCoefficient === 'number' && opts.backoffCoefficient >= 1) out.backoffCoefficient = opts.backoffCoefficient
    else ctx.problems.push({ ...where, field: `${field}.backoffCoefficient`, message: 'must be a number of at least 1' })
  }
  if (out.maxIntervalMs < out.initialIntervalMs)
    ctx.problems.push({
      ...where,
      field: `${field}.maxInterval`,
      message: `${field}.maxInterval cannot be less than ${field}.initialInterval`,
    })
  return Object.freeze(out)
}

function compileTimeout(v: unknown, fallback: number, ctx: Ctx, field: string, step?: string): number {
  if (v === undefined) return fallback
  const ms = tryParseDuration(v as string)
  if (typeof ms === 'string' || ms === 0) {
    ctx.problems.push({
      file: ctx.file,
      pipeline: ctx.pipeline,
      step,
      field,
      message: typeof ms === 'string' ? ms : 'must be greater than 0',
    })
    return fallback
  }
  return ms
}

/** Replace env() references and `${VAR}` placeholders with their values. */
function resolveEnv(v: unknown, env: Record<string, string | undefined>, missing: (name: string) => void, depth = 0): unknown {
  if (isEnvRef(v)) {
    const value = env[v.name] ?? v.fallback
    if (value === undefined) missing(v.name)
    return value ?? ''
  }
  if (typeof v === 'string' && v.includes('${')) {
    return v.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}/g, (_, name: string, fallback: string | undefined) => {
      const value = env[name] ?? fallback
      if (value === undefined) missing(name)
      return value ?? ''
    })
  }
  if (depth > 32 || typeof v !== 'object' || v === null) return v
  if (Array.isArray(v)) return v.map((x) => resolveEnv(x, env, missing, depth + 1))
  const proto = Object.getPrototypeOf(v)
  if (proto !== Object.prototype && proto !== null) {
    // Branded invocations keep their brand: rebuild params only.
    if (isActionInvocation(v)) {
      const copy = { ...v, params: resolveEnv(v.params, env, missing, depth + 1) }
      Object.defineProperty(copy, Symbol.for('pipewright.action'), { value: true, enumerable: false })
      return copy
    }
    return v
  }
  if (isActionInvocation(v)) {
    const copy = { ...(v as object), params: resolveEnv((v as any).params, env, missing, depth + 1) }
    Object.defineProperty(copy, Symbol.for('pipewright.action'), { value: true, enumerable: false })
    return copy
  }
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(v)) out[k] = resolveEnv(x, env, missing, depth + 1)
  return out
}
