/**
 * Typed pipelines: a builder whose steps see the outputs of the steps before them with their
 * types, so a misspelt step id or output field is a compile error rather than an `undefined`
 * at run time. It builds the same {@link PipelineDefinition} as `definePipeline`.
 *
 * @example
 * ```ts
 * import { pipeline, webhook } from 'pipewright'
 * import { http } from 'pipewright/connectors'
 *
 * export default pipeline<{ email: string; score: string }>({ id: 'leads', trigger: webhook({ path: 'leads' }) })
 *   .map('lead', ({ event }) => ({ email: event.email.toLowerCase(), score: Number(event.score) }))
 *   .filter('hot', ({ lead }) => lead.score >= 50)          // `lead.scor` would not compile
 *   .action('post', http.request({ url: 'https://example.com/in', method: 'POST', body: ({ lead }) => lead }))
 *   .build()
 * ```
 * @module
 */
import type { ActionInvocation } from '../connectors/contract.js'
import type { Duration } from '../types.js'
import type { PipelineDefinition, StepCommon, StepDefinition, StepHelpers } from './types.js'

/** What every step of a typed pipeline sees before any step has run. */
export interface TypedScope<Event> {
  event: Event
  run: { id: string; pipelineId: string; attempt: number; createdAt: number }
}

/** Retry, timeout and a concurrency key computed from the typed scope. */
export type TypedStepOptions<S> = Omit<StepCommon, 'id' | 'concurrencyKey'> & {
  concurrencyKey?: string | ((scope: S) => string | Promise<string>)
}

/** A step id not used yet: reusing one is a compile error (its output would be replaced). */
type NewId<Id extends string, S> = Id extends keyof S ? never : Id

type With<S, Id extends string, O> = S & { [K in Id]: O }

export interface PipelineBuilder<S> {
  /** A computed value; later steps see it as `scope[id]` with its type. */
  map<Id extends string, O>(
    id: NewId<Id, S>,
    fn: (scope: S) => O | Promise<O>,
    options?: TypedStepOptions<S>,
  ): PipelineBuilder<With<S, Id, O>>
  /** Stops the run (`filtered`) unless the predicate holds; its output is `true`. */
  filter<Id extends string>(
    id: NewId<Id, S>,
    when: (scope: S) => boolean | Promise<boolean>,
    options?: TypedStepOptions<S>,
  ): PipelineBuilder<With<S, Id, true>>
  /** Code with helpers (`action`, `log`, `signal`); its return value is the output. */
  code<Id extends string, O>(
    id: NewId<Id, S>,
    fn: (scope: S, helpers: StepHelpers) => O | Promise<O>,
    options?: TypedStepOptions<S>,
  ): PipelineBuilder<With<S, Id, O>>
  /**
   * A connector action. Its output type is what you declare (`.action<'post', { id: string }>(…)`),
   * `unknown` otherwise, so later steps must narrow it before use.
   */
  action<Id extends string, O = unknown>(
    id: NewId<Id, S>,
    invocation: ActionInvocation,
    options?: TypedStepOptions<S>,
  ): PipelineBuilder<With<S, Id, O>>
  /** Waits; its output is `{ until }` (epoch ms). */
  delay<Id extends string>(
    id: NewId<Id, S>,
    duration: Duration | ((scope: S) => Duration | Promise<Duration>),
    options?: TypedStepOptions<S>,
  ): PipelineBuilder<With<S, Id, { until: number }>>
  /** Any other step (route, forEach, dedupe, aggregate, call), untyped: its output is `unknown`. */
  step<Id extends string>(definition: StepDefinition & { id: NewId<Id, S> }): PipelineBuilder<With<S, Id, unknown>>
  /** The pipeline definition, for `export default`. */
  build(): PipelineDefinition
}

/** Start a typed pipeline; `Event` is the trigger's payload type (`unknown` by default). */
export function pipeline<Event = unknown>(head: Omit<PipelineDefinition, 'steps'>): PipelineBuilder<TypedScope<Event>> {
  return builder<TypedScope<Event>>(head, [])
}

function builder<S>(head: Omit<PipelineDefinition, 'steps'>, steps: StepDefinition[]): PipelineBuilder<S> {
  // The engine calls these functions with the scope it keeps; the types above are the contract.
  const add = (id: string, body: Record<string, unknown>, options?: TypedStepOptions<S>) =>
    builder<any>(head, [...steps, { ...(options ?? {}), id, ...body } as StepDefinition])
  return {
    map: (id, fn, options) => add(id, { map: fn }, options),
    filter: (id, when, options) => add(id, { filter: when }, options),
    code: (id, fn, options) => add(id, { code: fn }, options),
    action: (id, invocation, options) => add(id, { action: invocation }, options),
    delay: (id, duration, options) => add(id, { delay: duration }, options),
    step: (definition) => builder<any>(head, [...steps, definition]),
    build: () => ({ ...head, steps }),
  }
}
