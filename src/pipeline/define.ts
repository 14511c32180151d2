/**
 * The authoring API for pipelines in TypeScript.
 *
 * @example
 * ```ts
 * import { definePipeline, webhook, env } from 'pipewright'
 * import { http } from 'pipewright/connectors'
 *
 * export default definePipeline({
 *   id: 'leads',
 *   trigger: webhook({ path: 'leads', auth: { header: 'x-webhook-secret', secret: env('LEADS_SECRET') } }),
 *   steps: [
 *     { id: 'lead', map: ({ event }) => ({ email: event.email.toLowerCase() }) },
 *     { id: 'post', action: http.request({ url: 'https://example.com/in', method: 'POST', body: ({ lead }) => lead }) },
 *   ],
 * })
 * ```
 * @module
 */
import type { PipelineDefinition, PollTriggerOptions, ScheduleTriggerOptions, TriggerDefinition, WebhookTriggerOptions } from './types.js'

const ENV = Symbol.for('pipewright.env')

/** A reference to an environment variable, resolved when the pipeline is loaded (never at import). */
export interface EnvRef {
  readonly name: string
  readonly fallback: string | undefined
}

/** Refer to an environment variable; resolved by the loader from the environment it is given. */
export function env(name: string, fallback?: string): string {
  const ref = { name, fallback }
  Object.defineProperty(ref, ENV, { value: true, enumerable: false })
  // Inside a template literal (`Bearer ${env('TOKEN')}`) the reference becomes the `${TOKEN}`
  // placeholder, which the loader resolves like YAML's. A name the placeholder cannot carry
  // becomes text the compiler reports (template-values.ts) instead of "[object Object]".
  Object.defineProperty(ref, Symbol.toPrimitive, {
    enumerable: false,
    value: () =>
      /^[A-Z_][A-Z0-9_]*$/.test(name) && !fallback?.includes('}')
        ? `\${${name}${fallback === undefined ? '' : `:-${fallback}`}}`
        : `[object EnvRef(${name})]`,
  })
  // Typed as string so it can sit wherever a secret or URL is expected.
  return ref as unknown as string
}

export function isEnvRef(v: unknown): v is EnvRef {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[ENV] === true
}

export function definePipeline(def: PipelineDefinition): PipelineDefinition {
  return def
}

export function webhook(options: WebhookTriggerOptions): TriggerDefinition {
  return { kind: 'webhook', options }
}

export function schedule(options: ScheduleTriggerOptions | string): TriggerDefinition {
  return { kind: 'schedule', options: typeof options === 'string' ? { cron: options } : options }
}

/** Read a record source every `every`; one run per changed record (docs/sync.md, "Poll trigger"). */
export function poll(options: PollTriggerOptions): TriggerDefinition {
  return { kind: 'poll', options }
}

export function manual(): TriggerDefinition {
  return { kind: 'manual', options: {} }
}
