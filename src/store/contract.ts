/**
 * The `Store` contract: everything Pipewright keeps, in run terms, never driver terms.
 * The store is the truth; dispatch is only a fast path that can be rebuilt from it.
 *
 * Implementations (SQLite, Postgres) must:
 * - make every write durable before its promise resolves (group commit: writes issued in
 *   one event-loop tick share one transaction and one sync);
 * - make reads observe every write whose promise has resolved, and every write issued
 *   earlier by the same process (read-your-writes);
 * - keep `leaseRun` atomic across processes (two workers never both lease a run);
 * - pass `tests/conformance/store-suite.ts`.
 *
 * All times are epoch milliseconds supplied by the caller (the engine's injected clock).
 *
 * A new method that writes or returns event payloads, step outputs or dead letters must be
 * covered by the PII decorator too (src/privacy/sealed-store.ts; tests/pii-at-rest.test.ts).
 * @module
 */
import type { ConsentFilter, ConsentHistoryEntry, ConsentInput, ConsentRecord } from '../consent/types.js'
import type {
  DeadLetterRecord,
  DeadReason,
  EventRecord,
  ReplayFrom,
  RunRecord,
  RunStatus,
  SerializedError,
  StepResultRecord,
  WaitReason,
} from '../types.js'
import type { CredentialStore } from './credentials/contract.js'
import type { AuditStore, PauseStore } from './governance/contract.js'
import type { AlertStore, InventoryStore, SeriesStore } from './observe/contract.js'
import type { SyncStore } from './sync-contract.js'

/** A new event and the run it starts, stored together (one transaction). */
export interface AcceptInput {
  event: EventRecord
  run: RunRecord
  /**
   * Delivery-id dedupe: when a live key `(scope, key)` exists, nothing is stored and the
   * existing run id is returned. Two identical concurrent deliveries start one run.
   */
  dedupe?: { scope: string; key: string; expiresAt: number }
  /**
   * The payload's JSON text as the sender sent it, when the whole payload came as one JSON
   * body: stored as is instead of serialising `event.payload` again (it parses to the same
   * value). A large webhook body is then not copied once more on its way to disk.
   */
  payloadJson?: string
}

export type AcceptResult = { accepted: true; eventId: string; runId: string } | { accepted: false; duplicateOf: string }

export interface RunFilter {
  pipelineId?: string
  status?: RunStatus | RunStatus[]
  /** Only runs created at or after this time. */
  since?: number
  /** Only runs created before this time. */
  until?: number
  /** Keyset pagination: runs created before this run id's position (newest first). */
  before?: string
  limit?: number
}

export interface DeadLetterFilter {
  pipelineId?: string
  reason?: DeadReason
  stepId?: string
  since?: number
  until?: number
  /** Include dead letters already replayed or discarded. @defaultValue false */
  includeResolved?: boolean
  limit?: number
}

/** How a run ends or pauses; applied with its step results in one write. */
export type RunTransition =
  | { status: 'succeeded' | 'filtered'; at: number }
  | {
      status: 'waiting'
      at: number
      dueAt: number
      reason: WaitReason
      currentStep: string | null
      attempt: number
      error?: SerializedError | null
    }
  | { status: 'queued'; at: number; dueAt: number }
  | { status: 'dead'; at: number; deadLetter: DeadLetterRecord; error: SerializedError | null; currentStep: string | null; attempt: number }

export interface LeaseRequest {
  runId: string
  owner: string
  now: number
  leaseMs: number
}

/** A keyed value with an optional expiry: dedupe windows, identity map, effect ledger, cursors. */
export interface KeyValue {
  value: unknown
  updatedAt: number
  expiresAt: number | null
}

export interface UsageKey {
  connection: string
  /** e.g. `day:2026-11-23`, `month:2026-11`, `lifetime`. */
  period: string
}

export interface Store {
  /** Dialect name, for logs and `doctor`. */
  readonly kind: 'sqlite' | 'postgres'

  /** Create or upgrade the schema (append-only numbered migrations). Idempotent. */
  migrate(): Promise<void>

  // ── ingest ────────────────────────────────────────────────────────────────────────────
  /** Store an event and its run durably. Resolves only once synced. */
  accept(input: AcceptInput): Promise<AcceptResult>
  /** Same as `accept` for many at once (CSV imports, HubSpot arrays). Results in input order. */
  acceptMany(inputs: AcceptInput[]): Promise<AcceptResult[]>
  /** Live dedupe key lookup (`null` when absent or expired). */
  findDuplicate(scope: string, key: string, now: number): Promise<string | null>

  getEvent(id: string): Promise<EventRecord | null>

  // ── runs ──────────────────────────────────────────────────────────────────────────────
  getRun(id: string): Promise<RunRecord | null>
  listRuns(filter?: RunFilter): Promise<RunRecord[]>
  countRuns(filter?: Omit<RunFilter, 'limit' | 'before'>): Promise<Record<RunStatus, number>>
  /** Create a run for an existing event (replay, `call`). */
  insertRun(run: RunRecord): Promise<void>

  /**
   * Atomically lease a run: succeeds only if the run is `queued`/`waiting` and due, or
   * `running` with an expired lease. Sets status `running`, owner and expiry.
   * Returns the leased run, or null if someone else has it or it is not due/terminal.
   */
  leaseRun(req: LeaseRequest): Promise<RunRecord | null>
  /**
   * `leaseRun` that also answers the run's event and stored step results, where a store can do
   * that in the same round trip (Postgres). Optional: without it the worker reads them after.
   */
  leaseRunFull?(req: LeaseRequest): Promise<{ run: RunRecord; event: EventRecord | null; steps: StepResultRecord[] } | null>
  /** Extend the leases an owner holds; returns the ids it no longer holds. */
  heartbeat(owner: string, runIds: string[], now: number, leaseMs: number): Promise<string[]>
  /** Return leased runs to `queued` (graceful shutdown). */
  releaseLeases(owner: string, runIds: string[], now: number): Promise<void>
  /**
   * Runs that should be executing now and are not: queued/waiting with dueAt ≤ now, and
   * running with an expired lease. Oldest due first.
   */
  listDueRuns(now: number, limit: number): Promise<Array<Pick<RunRecord, 'id' | 'pipelineId' | 'dueAt' | 'concurrencyKey'>>>
  /** Earliest dueAt among queued/waiting runs, or null. */
  nextDueAt(): Promise<number | null>

  /**
   * Checkpoint step results (and optionally the run's current step) while a run is leased.
   * Fails with code PW_LEASE_LOST if `owner` no longer holds the lease.
   */
  saveSteps(
    runId: string,
    owner: string,
    steps: StepResultRecord[],
    progress?: { currentStep: string | null; attempt: number; at: number },
  ): Promise<void>
  /** Step results of a run, in the order they were first written. */
  getSteps(runId: string): Promise<StepResultRecord[]>
  /**
   * Move a leased run to its next state, writing the given step results in the same
   * transaction, and clear the lease. Fails with PW_LEASE_LOST if `owner` lost the lease.
   */
  transition(runId: string, owner: string, to: RunTransition, steps?: StepResultRecord[]): Promise<void>

  // ── dead letters ──────────────────────────────────────────────────────────────────────
  getDeadLetter(runId: string): Promise<DeadLetterRecord | null>
  listDeadLetters(filter?: DeadLetterFilter): Promise<DeadLetterRecord[]>
  /** How many dead letters match, counted exactly (no limit): what a bulk replay of the filter would select. */
  countDeadLetters(filter?: Omit<DeadLetterFilter, 'limit'>): Promise<number>
  /** Mark dead letters replayed (each with the id of its new run) — with the new runs inserted in the same transaction. */
  markReplayed(pairs: Array<{ runId: string; newRun: RunRecord; from: ReplayFrom; copySteps: StepResultRecord[] }>): Promise<void>
  discardDeadLetter(runId: string, at: number): Promise<boolean>

  // ── keyed state (identity map, effect ledger, dedupe steps, cursors, schedules) ────────
  getKey(namespace: string, key: string, now: number): Promise<KeyValue | null>
  setKey(namespace: string, key: string, value: unknown, now: number, expiresAt?: number | null): Promise<void>
  /** Set only if absent or expired; returns true when this call set it. */
  setKeyIfAbsent(namespace: string, key: string, value: unknown, now: number, expiresAt?: number | null): Promise<boolean>
  deleteKey(namespace: string, key: string): Promise<void>

  // ── usage counters (budgets) ──────────────────────────────────────────────────────────
  /** Add `amount` to a usage counter and return the new total. */
  addUsage(key: UsageKey, amount: number, now: number): Promise<number>
  getUsage(key: UsageKey): Promise<number>
  listUsage(connection?: string): Promise<Array<UsageKey & { used: number; updatedAt: number }>>

  // ── consent (docs/consent.md) ─────────────────────────────────────────────────────────
  /**
   * Record a consent change for a contact (by e-mail, normalised). It becomes the current state
   * only if it happened later than the recorded one, or at the same time and is more
   * restrictive; it is kept in the history either way. Atomic across processes.
   */
  recordConsent(input: ConsentInput, now: number): Promise<{ applied: boolean; record: ConsentRecord }>
  /** The current consent of one contact (`subject` is normalised), or null when none is recorded. */
  getConsent(subject: string, scope?: string): Promise<ConsentRecord | null>
  /** Current consents of many contacts at once (absent ones are left out), in no promised order. */
  getConsents(subjects: string[], scope?: string): Promise<ConsentRecord[]>
  /** Current consents, ordered by subject (keyset paging with `after`). */
  listConsent(filter?: ConsentFilter): Promise<ConsentRecord[]>
  /** Every change offered for a contact, oldest first, with whether it applied. */
  consentHistory(subject: string, scope?: string): Promise<ConsentHistoryEntry[]>
  // ── operating the hub (src/store/observe/contract.ts) ─────────────────────────────────
  /** Per-minute totals and gauges that alerts and charts read. */
  readonly series: SeriesStore
  /** Alert incidents and their notification outbox. */
  readonly alerts: AlertStore
  /** The structure of connected accounts (`pipewright inventory`). */
  readonly inventory: InventoryStore
  /** Encrypted credentials and their registry metadata (src/store/credentials/contract.ts). */
  readonly credentials: CredentialStore
  /** Operator actions with who did them, and paused pipelines/syncs (src/store/governance/contract.ts). */
  readonly audit: AuditStore
  readonly pauses: PauseStore
  // ── syncs (DESIGN §12): links, shadows, cursors, conflicts, dirty set ─────────────────
  /** The sync tables; see sync-contract.ts. */
  readonly sync: SyncStore

  // ── housekeeping ──────────────────────────────────────────────────────────────────────
  /** Delete expired keys and payloads past retention; returns rows removed. */
  purgeExpired(now: number): Promise<number>
  /** Cheap liveness probe (a read). /readyz probes with a write instead (server/health.ts). */
  ping(): Promise<void>
  /**
   * Be told when the store stops being able to take writes for a reason it detects by itself
   * (SQLite: its files vanished or were replaced) — with a message naming the problem — and
   * when it can again (null). Returns an unsubscribe function. Optional: Postgres failures show
   * on the next operation and probe.
   */
  onHealthChange?(listener: (problem: string | null) => void): () => void
  close(): Promise<void>
}

/** Error thrown by stores when the backend is unreachable (mapped to 503 at ingress). */
export { LeaseLostError, StoreUnavailableError } from './errors.js'
export type {
  SyncChange,
  SyncConflict,
  SyncDirty,
  SyncLink,
  SyncLinkFilter,
  SyncLinkState,
  SyncShadow,
  SyncSideName,
  SyncStore,
} from './sync-contract.js'
