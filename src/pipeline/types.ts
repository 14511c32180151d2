/**
 * Pipeline definitions (what users write, in TypeScript or YAML) and the compiled internal
 * form the engine runs. Both authoring forms compile to the same {@link CompiledPipeline}.
 * @module
 */
import type { ActionInvocation } from '../connectors/contract.js'
import type { Duration, RetryPolicy } from '../types.js'

/**
 * What expressions and step functions see: the event payload, the run, and the output of
 * every earlier step by id (`({ event, lead }) => …`). Inside `forEach`, `item` and `index`.
 */
export type Scope = {
  event: any
  run: { id: string; pipelineId: string; attempt: number; createdAt: number }
  item?: any
  index?: number
  [stepId: string]: any
}

/** A value computed from the scope: a function, or a literal. In YAML, `{{ jsonata }}` strings. */
export type Computed<T> = T | ((scope: Scope) => T | Promise<T>)

/** A computed value of any shape (keeps contextual typing of `({ event }) => …`). */
export type ComputedAny = ((scope: Scope) => unknown) | string | number | boolean | null | Record<string, unknown> | unknown[]

// ── triggers ────────────────────────────────────────────────────────────────────────────

/** Webhook authentication schemes (see docs/webhooks.md). Several secrets allow rotation. */
export type WebhookAuth =
  | { scheme?: 'header'; header: string; secret: string | string[] }
  | { scheme: 'hmac-sha256'; header: string; secret: string | string[]; encoding?: 'hex' | 'base64'; prefix?: string }
  | { scheme: 'standard-webhooks'; secret: string | string[] }
  | { scheme: 'slack'; secret: string | string[] }
  | { scheme: 'hubspot-v3'; secret: string | string[]; publicBaseUrl?: string }
  | { scheme: 'bearer'; token: string | string[] }
  | { scheme: 'basic'; username: string; password: string | string[] }
  /** A secret in the URL: the query key `query` (default `secret`) or the last path segment (Mailchimp). */
  | { scheme: 'url-secret'; secret: string | string[]; query?: string }
  | { scheme: 'none' }

export interface WebhookTriggerOptions {
  /** Path under `/hooks/`. */
  path: string
  auth?: WebhookAuth
  /** Where the delivery id comes from: a header name, or a function of the parsed body. `webhook-id` by default when present. */
  deliveryId?: string | ((payload: any, headers: Record<string, string>) => string | undefined)
  /** How long a delivery id is remembered. @defaultValue '24h' */
  dedupeWindow?: Duration
  /** Largest accepted body. @defaultValue '1mb' */
  maxBodyBytes?: number
  /** Validate the parsed body: a zod schema (TS) or a JSON Schema object (YAML). */
  schema?: unknown
  /** Wait up to this long for the run and answer with its response instead of 202. */
  respond?: { timeoutMs: number; body?: Computed<unknown>; status?: number }
  /**
   * Dot-paths masked as `"[redacted]"` in every copy of the payload kept for people: the retained
   * raw copy (`retain`), and the event as shown by the API and `runs show`. The run itself sees
   * the real payload. E.g. `['card.number', 'contacts.*.email']`.
   */
  redact?: string[]
  /**
   * Keep a redacted copy of each accepted request (payload, content type, size, safe headers) for
   * debugging, for `ttl`. `true` keeps it for 7 days. @defaultValue undefined (nothing retained)
   */
  retain?: boolean | { ttl?: Duration }
  /**
   * Turn a JSON array body into one event per element. `'hubspot'`: HubSpot's batches, each
   * element's delivery id from its `eventId`. `'array'`, or `{ deliveryIdPath }` to take each
   * element's delivery id from a dot-path in it. A body that is not an array stays one event.
   * @defaultValue undefined (an array body is one event)
   */
  split?: 'hubspot' | 'array' | { deliveryIdPath?: string }
  /**
   * Turn a provider's webhook into normalised events (docs/webhooks.md#normalised-provider-webhooks):
   * `'mailchimp'` — form-encoded list events (`subscribe | unsubscribe | profile | upemail |
   * cleaned | campaign`) with bracketed `data[...]` fields, one event each, carrying the consent
   * they express; the path also answers Mailchimp's `GET` check with 200. `'hubspot'` — the JSON
   * array, one event per element (`{ object, recordId, change, occurredAt, property?, value? }`).
   * Each event's delivery id comes from the provider event. Needs an `auth` (url-secret for
   * Mailchimp, hubspot-v3 for HubSpot) or an explicit `{ scheme: 'none' }`.
   */
  normalize?: 'mailchimp' | 'hubspot'
  /**
   * Only these senders may post: addresses or CIDRs, IPv4 or IPv6 (`['203.0.113.0/24',
   * '2001:db8::/32']`). Anyone else gets 403 and nothing is stored. Behind reverse proxies, set
   * `PIPEWRIGHT_TRUSTED_PROXIES` so the sender's address is read from `X-Forwarded-For`
   * (docs/webhooks.md#ip-allowlist). @defaultValue undefined (any address)
   */
  allowIps?: string[]
}

export type MissedTickPolicy = 'skip' | 'run-once' | 'run-all'

export interface ScheduleTriggerOptions {
  /** Cron expression (croner syntax, 5 or 6 fields). */
  cron: string
  /** IANA time zone. @defaultValue 'UTC' */
  timezone?: string
  /**
   * What to do about ticks that fell while Pipewright was stopped: `skip` them, fire
   * `run-once` for the latest missed tick, or `run-all` (capped at 100).
   * @defaultValue 'run-once'
   */
  missed?: MissedTickPolicy
  /** Payload of each tick's event. */
  payload?: unknown
}

/**
 * `poll`: read a record source every `every` and start one run per changed record (docs/sync.md,
 * "Poll trigger"). Other keys are the source's options (the same as the side of that kind:
 * `properties` for HubSpot, `key`/`modifiedColumn` for Postgres, …).
 */
export interface PollTriggerOptions {
  /** `<kind>:<connection>/<object>`: `hubspot:main/contacts`, `postgres:crm/customers`, `airtable:ops/<base>/<table>`, `notion:kb/<data source>`. */
  source: string
  /** How often to read. @defaultValue '1m' */
  every?: Duration
  /** First run reads every existing record (`true`) or only what changes from now (`false`). @defaultValue true */
  backfill?: boolean
  /** Records per read. @defaultValue 100 */
  pageSize?: number
  [option: string]: unknown
}

export type TriggerDefinition =
  | { kind: 'webhook'; options: WebhookTriggerOptions }
  | { kind: 'schedule'; options: ScheduleTriggerOptions }
  | { kind: 'poll'; options: PollTriggerOptions }
  | { kind: 'manual'; options: Record<string, never> }

// ── steps ───────────────────────────────────────────────────────────────────────────────

export interface RetryOptions {
  maxAttempts?: number
  initialInterval?: Duration
  maxInterval?: Duration
  backoffCoefficient?: number
}

export interface StepCommon {
  /** Stable id chosen by the user; its output is stored under it. */
  id: string
  retry?: RetryOptions
  timeout?: Duration
  /** Runs with the same key never execute this step (and the rest of the run) at the same time. */
  concurrencyKey?: Computed<string>
}

export interface StepHelpers {
  signal: AbortSignal
  log: { info(msg: string, data?: object): void; warn(msg: string, data?: object): void }
  /** Call a connector action from code (one checkpoint for the whole `code` step). */
  action(invocation: ActionInvocation): Promise<unknown>
  attempt: number
}

export type StepDefinition =
  | (StepCommon & { map: ComputedAny })
  | (StepCommon & { filter: Computed<boolean> })
  | (StepCommon & { route: Array<{ when: Computed<boolean>; steps: StepDefinition[] }>; otherwise?: StepDefinition[] })
  | (StepCommon & { action: ActionInvocation })
  | (StepCommon & { forEach: Computed<unknown[]>; steps: StepDefinition[]; concurrency?: number })
  | (StepCommon & { delay: Computed<Duration> })
  | (StepCommon & { code: (scope: Scope, helpers: StepHelpers) => unknown | Promise<unknown> })
  | (StepCommon & { dedupe: DedupeOptions })
  | (StepCommon & { aggregate: AggregateOptions })
  | (StepCommon & { call: CallOptions })

/**
 * Collapse runs that share a key within a window (see docs/steps.md).
 * - `first`: the first run of the window goes on at once; later ones end as `filtered`.
 * - `latest`: every run waits until the window closes; only the last to arrive goes on.
 * - `merge`: every run waits until the window closes; the first goes on with `item` merged
 *   from every run of the window (later non-empty fields win); the others end as `filtered`.
 */
export interface DedupeOptions {
  key: Computed<string>
  /** Measured from the first run of the key; a window is never extended. */
  window: Duration
  /** @defaultValue 'first' */
  keep?: 'first' | 'latest' | 'merge'
  /** What `merge` merges. @defaultValue the event */
  item?: ComputedAny
}

/**
 * Collect items from many runs into one batch run (e.g. a daily digest). The run that adds
 * an item ends `succeeded` at this step; the batch run starts with `{ items, key, count, batch }`
 * when `size` items are in or `window` has passed since the first item.
 */
export interface AggregateOptions {
  /** The value collected from each run. @defaultValue the event */
  item?: ComputedAny
  /** Items with different keys go into different batches. @defaultValue one batch */
  key?: Computed<string>
  /** Flush when this many items are in. @defaultValue 1000 (also the upper bound) */
  size?: number
  /** Flush this long after a batch's first item, however many are in. */
  window?: Duration
  /**
   * Pipeline that receives the batch. When absent, the batch runs this pipeline from the
   * step after `aggregate` (earlier steps ran per item), with the step's output `{ items, … }`.
   */
  target?: string
}

export interface CallOptions {
  pipeline: string
  /** The called run's event. @defaultValue the event */
  input?: ComputedAny
  /**
   * Wait for the called run to finish and use its result as this step's output:
   * `{ runId, status, output, steps }` (`output` is its last step's output). A called run that
   * dies fails this step (permanent). The wait is durable: the run is parked, not a worker.
   * @defaultValue false (output is `{ runId }` at once)
   */
  wait?: boolean | { timeout?: Duration }
}

export interface PipelineDefinition {
  id: string
  description?: string
  trigger: TriggerDefinition
  steps: StepDefinition[]
  /** Default retry policy of every step. */
  retry?: RetryOptions
  /** At most this many runs of the pipeline execute at once. */
  concurrency?: number
  /** Runs with the same key never overlap (e.g. `({ event }) => event.domain`). */
  concurrencyKey?: Computed<string>
  /** Step timeout unless a step sets its own. @defaultValue '5m' */
  timeout?: Duration
  /**
   * Customer data to keep encrypted at rest: dot-paths (`email`, `person.*`) sealed wherever they
   * occur in stored payloads, step outputs and dead letters. Needs `PIPEWRIGHT_SECRET_KEY`.
   */
  pii?: string[]
}

// ── compiled form ───────────────────────────────────────────────────────────────────────

/** A compiled computation; may be sync or async. */
export type Evaluator<T = unknown> = (scope: Scope) => T | Promise<T>

export interface CompiledStepBase {
  id: string
  retry: RetryPolicy
  timeoutMs: number
  concurrencyKey: Evaluator<string> | null
}

export type CompiledStep =
  | (CompiledStepBase & { kind: 'map'; value: Evaluator })
  | (CompiledStepBase & { kind: 'filter'; when: Evaluator<boolean> })
  | (CompiledStepBase & {
      kind: 'route'
      branches: Array<{ when: Evaluator<boolean>; steps: CompiledStep[] }>
      otherwise: CompiledStep[] | null
    })
  | (CompiledStepBase & { kind: 'action'; ref: string; connection: string | null; params: Evaluator<Record<string, unknown>> })
  | (CompiledStepBase & { kind: 'forEach'; items: Evaluator<unknown[]>; steps: CompiledStep[]; concurrency: number })
  | (CompiledStepBase & { kind: 'delay'; ms: Evaluator<number> })
  | (CompiledStepBase & { kind: 'code'; fn: (scope: Scope, helpers: StepHelpers) => unknown | Promise<unknown> })
  | (CompiledStepBase & { kind: 'dedupe'; key: Evaluator<string>; windowMs: number; keep: 'first' | 'latest' | 'merge'; item: Evaluator })
  | (CompiledStepBase & {
      kind: 'aggregate'
      item: Evaluator
      key: Evaluator<string> | null
      size: number
      windowMs: number | null
      target: string | null
    })
  | (CompiledStepBase & { kind: 'call'; pipeline: string; input: Evaluator; wait: { timeoutMs: number } | null })

export type StepKind = CompiledStep['kind']

export type CompiledTrigger =
  | { kind: 'webhook'; options: WebhookTriggerOptions & { dedupeWindowMs: number; maxBodyBytes: number; retainMs?: number | null } }
  | { kind: 'schedule'; options: Required<Omit<ScheduleTriggerOptions, 'payload'>> & { payload: unknown } }
  | {
      kind: 'poll'
      options: { source: string; everyMs: number; backfill: boolean; pageSize: number; sourceOptions: Record<string, unknown> }
    }
  | { kind: 'manual'; options: Record<string, never> }

export interface CompiledPipeline {
  id: string
  /** Hash of the definition; recorded on every run. */
  version: string
  description: string | null
  source: { format: 'ts' | 'yaml'; file: string | null }
  trigger: CompiledTrigger
  steps: CompiledStep[]
  retry: RetryPolicy
  concurrency: number | null
  concurrencyKey: Evaluator<string> | null
  /** PII paths sealed at rest (docs/security.md); absent or empty: none. */
  pii?: readonly string[]
}
