/**
 * Pipewright's core records and vocabulary.
 *
 * Glossary (these words, and only these, are used in code, logs, UI and docs):
 * - pipeline: a named, versioned definition — one trigger plus an ordered list of steps.
 * - trigger: what starts runs: `webhook`, `schedule` (cron), `poll`, `manual`.
 * - event: one inbound payload accepted by a trigger, stored before it is acknowledged.
 * - delivery id: the sender's id for an event; repeated deliveries of one id start one run.
 * - run: one event going through one pipeline version.
 * - step: one node of a pipeline with a user-chosen id; its output is stored under that id.
 * - action: a step that calls a connector (`http.request`, `hubspot.companies.upsert`).
 * - connector: the code that talks to one service (client, actions, limits, error mapping, emulator).
 * - connection: one configured account of a connector (credentials, base URL, limits, budget).
 * - attempt: one try of a step; retries create attempts.
 * - effect: a write performed by an action on an external system.
 * - dead letter: a run that stopped for good, kept with its reason for inspection and replay.
 * - budget: a usage allowance of a connection per period.
 * - sandbox: local emulators of the connected services.
 *
 * Run lifecycle (only the engine changes states):
 *
 *   queued ──lease──▶ running ──▶ succeeded | filtered | dead
 *                       │  ▲
 *          retry/limit/ ▼  │ due
 *          delay      waiting
 *
 * @module
 */

/** The closed set of run states. */
export type RunStatus = 'queued' | 'running' | 'waiting' | 'succeeded' | 'filtered' | 'dead'

/** Terminal states: a run in one of these never changes again (replay creates a new run). */
export const TERMINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'filtered', 'dead']

export function isTerminal(status: RunStatus): boolean {
  return status === 'succeeded' || status === 'filtered' || status === 'dead'
}

/** Why a run is `waiting`. */
export type WaitReason = 'retry' | 'rate-limit' | 'delay' | 'quota' | 'circuit' | 'concurrency'

/** Why a run became a dead letter. */
export type DeadReason = 'retryable-exhausted' | 'permanent' | 'quota' | 'circuit' | 'timeout' | 'invalid'

export type TriggerKind = 'webhook' | 'schedule' | 'poll' | 'manual'

/** An error as persisted in run history and dead letters. */
export interface SerializedError {
  name: string
  message: string
  code?: string
  stack?: string
  /** HTTP status of a provider response, when the error came from one. */
  status?: number
  /** Milliseconds the provider asked us to wait. */
  retryAfterMs?: number
  /** Provider's own error code or message, when it gave one. */
  providerCode?: string
  stepId?: string
  cause?: SerializedError
}

/** One accepted inbound payload. */
export interface EventRecord {
  id: string
  pipelineId: string
  trigger: TriggerKind
  /** The sender's id for this delivery, when known. */
  deliveryId: string | null
  payload: unknown
  /** Selected request metadata (never auth headers). */
  meta: Record<string, unknown> | null
  receivedAt: number
}

export type ReplayFrom = 'trigger' | 'failed-step'
export type ReplayVersion = 'pinned' | 'latest'

/** One event going through one pipeline version. */
export interface RunRecord {
  id: string
  pipelineId: string
  /** Hash of the pipeline definition this run executes. */
  pipelineVersion: string
  eventId: string
  status: RunStatus
  /** Step being executed or waited on; null before the first step and after the end. */
  currentStep: string | null
  /** Attempts made so far of `currentStep` (0 before the first). */
  attempt: number
  /** When a queued/waiting run becomes due (epoch ms). */
  dueAt: number
  waitReason: WaitReason | null
  /** Worker owning the run while `running`. */
  leaseOwner: string | null
  leaseExpiresAt: number | null
  concurrencyKey: string | null
  replayOf: string | null
  replayFrom: ReplayFrom | null
  error: SerializedError | null
  createdAt: number
  updatedAt: number
  finishedAt: number | null
}

/** A checkpointed step result. `stepPath` is the step id, or `forEachId[index].stepId` inside a fan-out. */
export interface StepResultRecord {
  runId: string
  stepPath: string
  status: 'succeeded' | 'failed' | 'filtered' | 'skipped'
  output: unknown
  attempts: number
  startedAt: number
  finishedAt: number
  error: SerializedError | null
}

export interface DeadLetterRecord {
  runId: string
  pipelineId: string
  pipelineVersion: string
  eventId: string
  reason: DeadReason
  stepId: string | null
  attempts: number
  error: SerializedError | null
  /** The input the failed step saw (secrets redacted). */
  lastInput: unknown
  createdAt: number
  /** Set when the dead letter was replayed; the id of the new run. */
  replayedBy: string | null
  discardedAt: number | null
}

/** Per-step and per-pipeline retry settings, durations in ms after compilation. */
export interface RetryPolicy {
  /** Total attempts including the first. @defaultValue 5 */
  maxAttempts: number
  /** First back-off ceiling. @defaultValue 1000 */
  initialIntervalMs: number
  /** Largest back-off. @defaultValue 600000 (10 min) */
  maxIntervalMs: number
  /** Growth factor between attempts. @defaultValue 2 */
  backoffCoefficient: number
}

/** A duration: milliseconds, or a string such as `"500ms"`, `"30s"`, `"5m"`, `"2h"`, `"1d"`. */
export type Duration = number | string

/** Clock and randomness, injectable for tests. */
export interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export type Random = () => number
