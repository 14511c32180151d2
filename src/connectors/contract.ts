/**
 * The connector contract. A connector is the code that talks to one service: its
 * connection schema, its provider limits as data, the classification of its responses,
 * its typed actions, and its emulator.
 *
 * The engine never calls a connector directly: it hands an {@link ActionCall} to an
 * {@link ActionExecutor} (the gateway), which applies budget → circuit → rate limit →
 * micro-batch → HTTP → classification.
 *
 * @example
 * ```ts
 * export const slack = defineConnector({ id: 'slack', connection: z.object({ token: z.string() }), actions: { … } })
 * ```
 * @module
 */
import type { Dispatcher } from 'undici'
import type { ZodType } from 'zod'
import type { ConsentAccess } from '../consent/access.js'
import type { Clock } from '../types.js'

/** What a step's `action:` compiles to: a reference plus parameters resolved per run. */
export interface ActionInvocation {
  /** `<connector>.<action>`, e.g. `http.request`, `hubspot.companies.upsert`. */
  ref: string
  /** Named connection of the connector; the connector's default when absent. */
  connection?: string
  /** Parameters; functions and `{{ }}` templates inside are resolved against the run's scope. */
  params: Record<string, unknown>
}

/** Brand for action factories' return values (`http.request({...})`). */
export const ACTION = Symbol.for('pipewright.action')

export function isActionInvocation(v: unknown): v is ActionInvocation {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[ACTION] === true
}

/** Build a branded invocation; used by connectors' typed action factories. */
export function invocation(ref: string, params: Record<string, unknown>, connection?: string): ActionInvocation {
  const inv: ActionInvocation = { ref, params }
  if (connection !== undefined) inv.connection = connection
  Object.defineProperty(inv, ACTION, { value: true, enumerable: false })
  return inv
}

/** One call of an action by one step attempt. */
export interface ActionCall {
  ref: string
  connection?: string
  /** Resolved parameters (plain data). */
  input: unknown
  runId: string
  pipelineId: string
  /** Full step path (`notify`, or `items[2].notify` inside forEach). */
  stepId: string
  /** 1-based attempt number of this step. */
  attempt: number
  /** `<runId>:<stepId>`, identical on every attempt of the step. */
  idempotencyKey: string
  signal: AbortSignal
}

/** The engine's view of the gateway. */
export interface ActionExecutor {
  /**
   * Perform the call. Resolves with the action's output (plain JSON-able data, stored as
   * the step result). Rejects with control-flow errors: `RetryAfterError`/`RateLimitedError`
   * (wait exactly), `NonRetryableError` (dead letter, `permanent`), `QuotaExhaustedError`,
   * `CircuitOpenError`, or anything else (retryable).
   */
  execute(call: ActionCall): Promise<unknown>
  /** Problem description if `ref` (and `connection`) cannot be executed, else null. For `validate`. */
  check(ref: string, connection?: string): string | null
  close(): Promise<void>
}

/** How the gateway classifies a provider response. */
export type Classification =
  | { kind: 'ok' }
  | { kind: 'retryable'; afterMs?: number; message?: string }
  | { kind: 'rate-limited'; afterMs: number; message?: string }
  | { kind: 'permanent'; code: string; message?: string }

/** A provider limit: `limit` calls per `windowMs`, per `scope` (account, base, channel…). */
export interface RateLimitSpec {
  /** Name shown in metrics, e.g. `burst`, `daily`, `search`. */
  name: string
  limit: number
  windowMs: number
  /** Which calls share the bucket: `connection` (default), or an action-provided scope key. */
  scope?: 'connection' | 'action'
  /** Only these action names count against this limit (all when absent). */
  actions?: string[]
}

export interface ConnectorLimits {
  rates?: RateLimitSpec[]
  /** Maximum calls in flight at once per connection (Mailchimp: 10). */
  maxConcurrent?: number
  /** Usage allowances per period. */
  budgets?: Array<{ name: string; period: 'day' | 'month' | 'lifetime'; limit: number; actions?: string[] }>
}

/** Context an action implementation receives. */
export interface ActionContext<C = unknown> {
  connection: C
  connectionName: string
  call: ActionCall
  clock: Clock
  signal: AbortSignal
  /**
   * The HTTP dispatcher for this connection (pass it as undici's `dispatcher`): keep-alive pools
   * per origin, and the SSRF guard that refuses loopback, private, link-local and metadata
   * addresses at connect time unless the connection or the process allows them.
   */
  dispatcher: Dispatcher
  /**
   * Identity map of this connection: business key → destination id of a record we created or
   * found (e.g. `company:acme.com` → HubSpot id), so an upsert right after a create does not
   * depend on the provider's search lag. Durable (kept in the store).
   */
  identity: {
    get(key: string): Promise<string | null>
    set(key: string, id: string): Promise<void>
  }
  /**
   * Report a provider response's headers so the gateway can adjust its rate limiter
   * (`Retry-After`, `X-RateLimit-*`, `X-HubSpot-RateLimit-*`). Optional; absent outside the gateway.
   */
  observeHeaders?: (headers: Record<string, string | string[] | undefined>) => void
  /**
   * The recorded consents (docs/consent.md), for actions that subscribe people or send
   * marketing. The gateway backs it with the store; without it such actions refuse.
   */
  consent?: ConsentAccess
  /**
   * Pace one more provider request of this call through the connection's rate limiter (the
   * gateway already paced the call's first request). For actions that make several requests —
   * Notion's page content, block by block — so the provider's limit holds for every request.
   * Waits in place (up to 30 s per request). Absent outside the gateway: then call directly.
   */
  pace?: <T>(request: () => Promise<T>) => Promise<T>
  /**
   * The stored credential this connection's secret came from (`credential: { credential: name }`),
   * for connectors whose provider rotates the secret (HubSpot OAuth refresh tokens): read the
   * current secret (another process may have rotated it) and write a rotated one back,
   * encrypted. Absent for credentials from the environment.
   */
  credential?: StoredCredentialAccess
}

/** Read and replace one stored credential's secret; its registry metadata stays as it is. */
export interface StoredCredentialAccess {
  readonly name: string
  /** The secret as stored now, or null when it is gone or no key is set. */
  read(): Promise<string | null>
  /** Store a new secret the provider issued (an audit entry records it, never the secret). */
  write(secret: string): Promise<void>
}

export interface ActionDefinition<C = unknown, I = unknown, O = unknown> {
  /** Input schema; failures are permanent errors naming the field. */
  input?: ZodType<I>
  /** Rate-limit scope key for `scope: 'action'` limits (e.g. Slack channel). */
  scope?: (input: I) => string
  /**
   * Effect ledger key (e.g. `contact:ann@acme.com`). When set, the gateway hashes the input and
   * skips a call whose hash equals the last one written for that key, returning the stored
   * output and counting a saved call.
   */
  effectKey?: (input: I) => string | null
  /**
   * Isolation key of a call made without a named connection (`http.request`: the URL's origin).
   * Calls with different keys get their own rate-limit state, circuit breaker and `Retry-After`
   * block, so one slow or rate-limited host does not hold calls to another. Budgets stay the
   * connection's. Null: the connection's shared state.
   */
  isolate?: (input: I, connection: C) => string | null
  /** Units consumed from budgets per call. @defaultValue 1 */
  cost?: (input: I) => number
  /** When set, concurrent calls may be coalesced into one provider batch call. */
  batch?: {
    maxSize: number
    /** How long to wait for more calls before sending a partial batch. */
    windowMs: number
    /** Calls with different keys never share a batch (e.g. per Airtable table). */
    key?: (input: I) => string
    /** One result per input, in order: a value, or an Error for that item only. */
    run: (inputs: I[], ctx: ActionContext<C>) => Promise<Array<O | Error>>
  }
  run: (input: I, ctx: ActionContext<C>) => Promise<O>
}

export interface ConnectorDefinition<C = unknown> {
  id: string
  /** Connection schema; every connector accepts `baseUrl`. */
  connection: ZodType<C>
  /** Build a connection's raw config from environment variables (read at the CLI edge only). */
  fromEnv?: (env: Record<string, string | undefined>) => Record<string, unknown> | null
  limits?: ConnectorLimits
  /**
   * Named plans of the service (`professional`), each the limits that replace the connector's
   * entries of the same name when a connection says `plan: <name>`.
   */
  plans?: Record<string, ConnectorLimits>
  actions: Record<string, ActionDefinition<C, any, any>>
  /** Release resources the connector holds (keep-alive pools, token caches). Called by the gateway's `close()`. */
  close?: () => Promise<void>
}

export function defineConnector<C>(def: ConnectorDefinition<C>): ConnectorDefinition<C> {
  return def
}
