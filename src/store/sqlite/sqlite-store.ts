/**
 * The SQLite `Store`: better-sqlite3 in WAL mode with group commit (group-commit.ts).
 * Writes are queued and committed once per event-loop tick; reads flush pending writes
 * first, then run synchronously. The database opens lazily on first use (and again after a
 * failure), so an unwritable path makes operations reject with StoreUnavailableError instead
 * of throwing from the factory.
 * @module
 */
import { resolve } from 'node:path'
import type Database from 'better-sqlite3'
import type { Kysely } from 'kysely'
import {
  type ConsentFilter,
  type ConsentHistoryEntry,
  type ConsentInput,
  type ConsentRecord,
  consentSubject,
  DEFAULT_CONSENT_SCOPE,
} from '../../consent/types.js'
import { isPipewrightError } from '../../errors.js'
import type { DeadLetterRecord, EventRecord, RunRecord, RunStatus, StepResultRecord } from '../../types.js'
import type {
  AcceptInput,
  AcceptResult,
  DeadLetterFilter,
  KeyValue,
  LeaseRequest,
  RunFilter,
  RunTransition,
  Store,
  UsageKey,
} from '../contract.js'
import { type CredentialStore, credentialStore } from '../credentials/index.js'
import { storeUnavailable } from '../errors.js'
import { governanceStores } from '../governance/index.js'
import { type ObserveStores, observeStores } from '../observe/index.js'
import { runSqlite } from '../observe/sql.js'
import type { SyncStore } from '../sync-contract.js'
import { type Connection, openConnection } from './connection.js'
import * as consent from './consent-ops.js'
import { FileGuard } from './file-guard.js'
import { GroupCommit, type WriteGroup } from './group-commit.js'
import {
  countDeadLettersQuery,
  countRunsQuery,
  emptyCounts,
  listDeadLettersQuery,
  listRunsAcrossPipelines,
  listRunsQuery,
  listUsageQuery,
} from './listings.js'
import { fromJson, runValues, toDeadLetter, toEvent, toJson, toRun, toStep } from './rows.js'
import type { DeadLettersTable, EventsTable, KeyedValuesTable, RunsTable, Schema, StepResultsTable, UsageCountersTable } from './schema.js'
import { sqliteBuilder } from './statements.js'
import { sqliteSyncStore } from './sync-store.js'
import { mapSqliteError } from './unavailable.js'
import * as ops from './write-ops.js'

export interface SqliteStoreOptions {
  /** Database file; parent directories are created. */
  path: string
  /**
   * `full` (default): an acknowledged write survives power loss. `normal`: survives a crash
   * of the process but may lose the last commits on power loss; faster on slow disks.
   */
  synchronous?: 'full' | 'normal'
  /** How often the files' identity is checked besides every write batch (file-guard.ts). @defaultValue 1000 */
  fileCheckMs?: number
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const
  private conn: Connection | null = null
  private closed = false
  private readonly target: string
  /** Null for `:memory:`. */
  private readonly guard: FileGuard | null
  private guardTimer: NodeJS.Timeout | null = null
  private readonly healthListeners = new Set<(problem: string | null) => void>()
  private readonly writer: GroupCommit
  private readonly builder: Kysely<Schema> = sqliteBuilder()
  /** Statements of the observe operations, prepared once per open connection. */
  private readonly opStatements = new WeakMap<Connection, Map<string, Database.Statement>>()
  private readonly observe: ObserveStores = observeStores({
    dialect: 'sqlite',
    write: (op) => this.write((c) => runSqlite(c.db, op(), this.opCache(c))),
    read: (op) => this.read((c) => runSqlite(c.db, op(), this.opCache(c))),
  })
  readonly series = this.observe.series
  readonly alerts = this.observe.alerts
  readonly inventory = this.observe.inventory
  private readonly governance = governanceStores({
    dialect: 'sqlite',
    write: (op) => this.write((c) => runSqlite(c.db, op(), this.opCache(c))),
    read: (op) => this.read((c) => runSqlite(c.db, op(), this.opCache(c))),
  })
  readonly audit = this.governance.audit
  readonly pauses = this.governance.pauses
  readonly credentials: CredentialStore = credentialStore({
    dialect: 'sqlite',
    write: (op) => this.write((c) => runSqlite(c.db, op(), this.opCache(c))),
    read: (op) => this.read((c) => runSqlite(c.db, op(), this.opCache(c))),
  })
  readonly sync: SyncStore = sqliteSyncStore(
    this.builder as Kysely<unknown>,
    (fn) => this.read(fn),
    (fn) => this.write(fn),
  )

  constructor(private readonly options: SqliteStoreOptions) {
    this.target = `sqlite:${options.path === ':memory:' ? ':memory:' : resolve(options.path)}`
    this.guard =
      options.path === ':memory:'
        ? null
        : new FileGuard(resolve(options.path), (p) => {
            for (const fn of this.healthListeners) fn(p)
          })
    this.writer = new GroupCommit(
      () => this.connection().tx,
      (e) => this.mapError(e),
      () => this.verifyFiles(),
    )
  }

  /** Throws when the files the connection writes to vanished or were replaced (before writers are told "done"). */
  private verifyFiles(maxAgeMs = 0): void {
    const problem = this.guard?.checkIfStale(maxAgeMs)
    if (problem) throw storeUnavailable(this.target, problem.message)
  }

  onHealthChange(listener: (problem: string | null) => void): () => void {
    this.healthListeners.add(listener)
    return () => this.healthListeners.delete(listener)
  }

  private opCache(c: Connection): Map<string, Database.Statement> {
    let cache = this.opStatements.get(c)
    if (!cache) {
      cache = new Map()
      this.opStatements.set(c, cache)
    }
    return cache
  }

  private mapError(error: unknown): unknown {
    // On an error, look at the files first: "the file vanished" says more than SQLITE_IOERR.
    const problem = this.conn ? this.guard?.check() : null
    if (problem && !isPipewrightError(error)) return storeUnavailable(this.target, problem.message, error)
    // A connection that found its files read-only (say a `-shm` it could only open read-only)
    // stays that way: drop it, so the next operation opens again once the files are writable.
    if (/^SQLITE_READONLY/.test(String((error as { code?: unknown })?.code))) {
      if (this.conn) queueMicrotask(() => this.dropConnection())
      const file = this.guard?.unwritableFile()
      if (file) return storeUnavailable(this.target, `${file} is not writable by this process`, error)
    }
    return mapSqliteError(this.target, error)
  }

  private dropConnection(): void {
    const c = this.conn
    if (!c || c.db.inTransaction || this.guard?.isFatal || this.writer.syncingCount > 0) return
    this.conn = null
    this.guard?.forget()
    try {
      c.release()
      c.db.close()
    } catch {
      // already unusable; the next operation opens a new one
    }
  }

  private connection(): Connection {
    if (this.closed) throw storeUnavailable(this.target, 'the store was closed')
    if (this.conn) {
      this.verifyFiles(25)
      return this.conn
    }
    try {
      this.conn = openConnection(this.options.path, this.options.synchronous ?? 'full')
    } catch (error) {
      throw this.mapError(error)
    }
    if (this.guard) {
      this.guard.record()
      this.guardTimer ??= setInterval(() => this.guard?.check(), this.options.fileCheckMs ?? 1000).unref()
    }
    return this.conn
  }

  private write<T>(fn: (c: Connection) => T): Promise<T> {
    return this.writer.submit(() => fn(this.connection()))
  }

  /** Flush pending writes (read-your-writes), then read synchronously. */
  private read<T>(fn: (c: Connection) => T): Promise<T> {
    try {
      const c = this.connection()
      this.writer.flush()
      return Promise.resolve(fn(c))
    } catch (error) {
      return Promise.reject(this.mapError(error))
    }
  }

  async migrate(): Promise<void> {
    await this.read(() => undefined) // opening applies pending migrations
  }

  // ── ingest ──
  /** Accepts with no delivery id to claim: neighbours in a group commit share multi-row INSERTs. */
  private readonly plainAccepts: WriteGroup<AcceptInput, AcceptResult> = {
    one: (input) => ops.acceptOne(this.connection().s, input),
    many: (inputs) => ops.acceptPlain(this.connection(), inputs),
  }

  accept(input: AcceptInput): Promise<AcceptResult> {
    if (!input.dedupe) return this.writer.submitTo(this.plainAccepts, input)
    return this.write((c) => ops.acceptOne(c.s, input))
  }

  acceptMany(inputs: AcceptInput[]): Promise<AcceptResult[]> {
    if (inputs.length === 0) return Promise.resolve([])
    return this.write((c) => inputs.map((input) => ops.acceptOne(c.s, input)))
  }

  findDuplicate(scope: string, key: string, now: number): Promise<string | null> {
    return this.read((c) => c.s.findDedupe.get<{ run_id: string }>({ scope, key, now })?.run_id ?? null)
  }

  getEvent(id: string): Promise<EventRecord | null> {
    return this.read((c) => {
      const row = c.s.getEvent.get<EventsTable>({ id })
      return row ? toEvent(row) : null
    })
  }

  // ── runs ──
  getRun(id: string): Promise<RunRecord | null> {
    return this.read((c) => {
      const row = c.s.getRun.get<RunsTable>({ id })
      return row ? toRun(row) : null
    })
  }

  listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    return this.read((c) => {
      const rows =
        filter.pipelineId === undefined
          ? listRunsAcrossPipelines(this.builder, filter, c.query)
          : c.query<RunsTable>(listRunsQuery(this.builder, filter))
      return rows.map(toRun)
    })
  }

  countRuns(filter?: Omit<RunFilter, 'limit' | 'before'>): Promise<Record<RunStatus, number>> {
    return this.read((c) => {
      const counts = emptyCounts()
      for (const row of c.query<{ status: RunStatus; n: number }>(countRunsQuery(this.builder, filter))) counts[row.status] = Number(row.n)
      return counts
    })
  }

  insertRun(run: RunRecord): Promise<void> {
    return this.write((c) => {
      c.s.insertRun.run(runValues(run))
    })
  }

  leaseRun(req: LeaseRequest): Promise<RunRecord | null> {
    return this.write((c) => ops.leaseRun(c.s, req))
  }

  heartbeat(owner: string, runIds: string[], now: number, leaseMs: number): Promise<string[]> {
    return this.write((c) => runIds.filter((runId) => c.s.extendLease.run({ runId, owner, expiresAt: now + leaseMs }) === 0))
  }

  releaseLeases(owner: string, runIds: string[], now: number): Promise<void> {
    return this.write((c) => {
      for (const runId of runIds) c.s.releaseLease.run({ runId, owner, at: now })
    })
  }

  listDueRuns(now: number, limit: number): Promise<Array<Pick<RunRecord, 'id' | 'pipelineId' | 'dueAt' | 'concurrencyKey'>>> {
    return this.read((c) =>
      c.s.listDue
        .all<{ id: string; pipeline_id: string; due: number; concurrency_key: string | null }>({ now, limit })
        .map((r) => ({ id: r.id, pipelineId: r.pipeline_id, dueAt: r.due, concurrencyKey: r.concurrency_key })),
    )
  }

  nextDueAt(): Promise<number | null> {
    return this.read((c) => c.s.nextDue.get<{ due: number | null }>({})?.due ?? null)
  }

  saveSteps(
    runId: string,
    owner: string,
    steps: StepResultRecord[],
    progress?: { currentStep: string | null; attempt: number; at: number },
  ): Promise<void> {
    return this.write((c) => ops.saveSteps(c.s, runId, owner, steps, progress))
  }

  getSteps(runId: string): Promise<StepResultRecord[]> {
    return this.read((c) => c.s.getSteps.all<StepResultsTable>({ runId }).map(toStep))
  }

  transition(runId: string, owner: string, to: RunTransition, steps?: StepResultRecord[]): Promise<void> {
    return this.write((c) => ops.transition(c.s, runId, owner, to, steps))
  }

  // ── dead letters ──
  getDeadLetter(runId: string): Promise<DeadLetterRecord | null> {
    return this.read((c) => {
      const row = c.s.getDeadLetter.get<DeadLettersTable>({ runId })
      return row ? toDeadLetter(row) : null
    })
  }

  listDeadLetters(filter?: DeadLetterFilter): Promise<DeadLetterRecord[]> {
    return this.read((c) => c.query<DeadLettersTable>(listDeadLettersQuery(this.builder, filter)).map(toDeadLetter))
  }

  countDeadLetters(filter?: Omit<DeadLetterFilter, 'limit'>): Promise<number> {
    return this.read((c) => Number(c.query<{ n: number }>(countDeadLettersQuery(this.builder, filter))[0]?.n ?? 0))
  }

  markReplayed(pairs: Parameters<Store['markReplayed']>[0]): Promise<void> {
    return this.write((c) => ops.markReplayed(c.s, pairs))
  }

  discardDeadLetter(runId: string, at: number): Promise<boolean> {
    return this.write((c) => c.s.discardDeadLetter.run({ runId, at }) > 0)
  }

  // ── keyed state ──
  getKey(namespace: string, key: string, now: number): Promise<KeyValue | null> {
    return this.read((c) => {
      const row = c.s.getKey.get<KeyedValuesTable>({ namespace, key, now })
      return row ? { value: fromJson(row.value), updatedAt: row.updated_at, expiresAt: row.expires_at } : null
    })
  }

  setKey(namespace: string, key: string, value: unknown, now: number, expiresAt: number | null = null): Promise<void> {
    return this.write((c) => {
      c.s.setKey.run({ namespace, key, value: toJson(value), updated_at: now, expires_at: expiresAt })
    })
  }

  setKeyIfAbsent(namespace: string, key: string, value: unknown, now: number, expiresAt: number | null = null): Promise<boolean> {
    return this.write(
      (c) => c.s.setKeyIfAbsent.get({ namespace, key, value: toJson(value), updated_at: now, expires_at: expiresAt }) !== undefined,
    )
  }

  deleteKey(namespace: string, key: string): Promise<void> {
    return this.write((c) => {
      c.s.deleteKey.run({ namespace, key })
    })
  }

  // ── usage ──
  addUsage(key: UsageKey, amount: number, now: number): Promise<number> {
    return this.write(
      (c) => c.s.addUsage.get<{ used: number }>({ connection: key.connection, period: key.period, used: amount, updated_at: now })!.used,
    )
  }

  getUsage(key: UsageKey): Promise<number> {
    return this.read((c) => c.s.getUsage.get<{ used: number }>({ connection: key.connection, period: key.period })?.used ?? 0)
  }

  listUsage(connection?: string): Promise<Array<UsageKey & { used: number; updatedAt: number }>> {
    return this.read((c) =>
      c
        .query<UsageCountersTable>(listUsageQuery(this.builder, connection))
        .map((r) => ({ connection: r.connection, period: r.period, used: r.used, updatedAt: r.updated_at })),
    )
  }

  // ── consent ──
  recordConsent(input: ConsentInput, now: number): Promise<{ applied: boolean; record: ConsentRecord }> {
    return this.write((c) => consent.recordConsent(c.query, input, now))
  }

  getConsent(subject: string, scope = DEFAULT_CONSENT_SCOPE): Promise<ConsentRecord | null> {
    return this.read((c) => consent.getConsent(c.query, scope, consentSubject(subject)))
  }

  getConsents(subjects: string[], scope = DEFAULT_CONSENT_SCOPE): Promise<ConsentRecord[]> {
    return this.read((c) => consent.getConsents(c.query, scope, subjects.map(consentSubject)))
  }

  listConsent(filter: ConsentFilter = {}): Promise<ConsentRecord[]> {
    return this.read((c) => consent.listConsent(c.query, filter))
  }

  consentHistory(subject: string, scope = DEFAULT_CONSENT_SCOPE): Promise<ConsentHistoryEntry[]> {
    return this.read((c) => consent.consentHistory(c.query, scope, consentSubject(subject)))
  }

  // ── housekeeping ──
  purgeExpired(now: number): Promise<number> {
    return this.write((c) => c.s.purgeDedupe.run({ now }) + c.s.purgeKeys.run({ now }))
  }

  ping(): Promise<void> {
    return this.read((c) => {
      c.s.ping.get({})
    })
  }

  async close(): Promise<void> {
    if (this.closed) return
    if (this.guardTimer) clearInterval(this.guardTimer)
    if (this.guard && !this.guard.safeToClose) {
      // Closing would checkpoint through the -shm mapping that lost its backing (SIGBUS): leave
      // the connection open for the process to end.
      this.closed = true
      return
    }
    try {
      if (this.conn || this.writer.pending > 0) this.writer.flush() // commit what was issued before close
      await this.writer.drain() // and let its fsync finish before the WAL handle goes
    } finally {
      this.closed = true
      this.guard?.forget()
      this.conn?.release()
      this.conn?.db.close()
      this.conn = null
    }
  }
}
