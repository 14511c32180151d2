/**
 * The Postgres `Store`: a `pg` Pool whose connections all use the store's schema
 * (search_path), group commit per tick (group-commit.ts), named statements prepared once per
 * connection, and listings built with kysely. Migrations run on first use (or `migrate()`).
 * @module
 */
import type { Kysely } from 'kysely'
import pg from 'pg'
import {
  type ConsentFilter,
  type ConsentHistoryEntry,
  type ConsentInput,
  type ConsentRecord,
  consentSubject,
  DEFAULT_CONSENT_SCOPE,
} from '../../consent/types.js'
import { ConfigError, ErrorCodes } from '../../errors.js'
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
import type { Op } from '../observe/sql.js'
import { runPostgres } from '../observe/sql.js'
import {
  countDeadLettersQuery,
  countRunsQuery,
  emptyCounts,
  listDeadLettersQuery,
  listRunsQuery,
  listUsageQuery,
} from '../sqlite/listings.js'
import { fromJson, runValues, toDeadLetter, toEvent, toJson, toRun, toStep } from '../sqlite/rows.js'
import type {
  DeadLettersTable,
  EventsTable,
  KeyedValuesTable,
  RunsTable,
  Schema,
  StepResultsTable,
  UsageCountersTable,
} from '../sqlite/schema.js'
import type { SyncStore } from '../sync-contract.js'
import * as consent from './consent-ops.js'
import { PgGroupCommit } from './group-commit.js'
import { acceptMerger, finishMerger, type LeasedRun, leaseMerger } from './merged.js'
import { migratePostgres } from './migrate.js'
import { compileStatements, type PgStatements, postgresBuilder, type Querier, querier } from './querier.js'
import { postgresSyncStore } from './sync-store.js'
import { describeTarget, isConnectionFailure, mapPostgresError } from './unavailable.js'
import * as ops from './write-ops.js'

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/database` */
  connectionString: string
  /** Schema holding the tables; created if missing. Lets tests isolate themselves. @defaultValue 'public' */
  schema?: string
  /** Pool size. @defaultValue 10 */
  maxConnections?: number
  /** How long to wait for a connection before the store counts as unavailable. @defaultValue 5000 */
  connectTimeoutMs?: number
  /**
   * Group-commit batches allowed to run at once, each on its own pooled connection.
   * 1 keeps writes in issue order (as on SQLite); more raises throughput on a busy server,
   * but un-awaited writes from different ticks may then commit in either order. The engine
   * never has two writes of one run in flight at once (heartbeats and transitions both check
   * the lease owner), so the hub is safe with several.
   * @defaultValue 4
   */
  maxBatchesInFlight?: number
}

const OID = { int8: 20, json: 114, jsonb: 3802 }

/** BIGINT ms as numbers; JSON as text (rows.ts parses it, the same as for SQLite). */
const types = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === OID.int8) return (v: string) => Number(v)
    if (oid === OID.json || oid === OID.jsonb) return (v: string) => v
    return pg.types.getTypeParser(oid, format as 'text')
  }) as typeof pg.types.getTypeParser,
}

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const
  private readonly pool: pg.Pool
  private readonly schema: string
  private readonly target: string
  private readonly statements: PgStatements = compileStatements()
  private readonly builder: Kysely<Schema> = postgresBuilder()
  private readonly writer: PgGroupCommit
  private migrated: Promise<void> | null = null
  private readonly observe: ObserveStores = observeStores({
    dialect: 'postgres',
    write: (op) => this.transaction(op, true),
    read: (op) => this.transaction(op, false),
  })
  readonly series = this.observe.series
  readonly alerts = this.observe.alerts
  readonly inventory = this.observe.inventory
  private readonly governance = governanceStores({
    dialect: 'postgres',
    write: (op) => this.transaction(op, true),
    read: (op) => this.transaction(op, false),
  })
  readonly audit = this.governance.audit
  readonly pauses = this.governance.pauses
  readonly credentials: CredentialStore = credentialStore({
    dialect: 'postgres',
    write: (op) => this.transaction(op, true),
    read: (op) => this.transaction(op, false),
  })
  readonly sync: SyncStore = postgresSyncStore(
    this.builder as Kysely<unknown>,
    (fn) => this.read((r) => fn((c) => r.query(c))),
    (fn) => this.writer.submit((client) => fn(client)),
  )
  private closed = false

  constructor(options: PostgresStoreOptions) {
    this.schema = options.schema ?? 'public'
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.schema)) {
      throw new ConfigError(
        [{ field: 'schema', message: `"${this.schema}" is not a plain lower-case identifier (a-z, 0-9, underscore; at most 63)` }],
        ErrorCodes.CONFIG_INVALID,
      )
    }
    this.target = describeTarget(options.connectionString, this.schema)
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      options: `-c search_path=${this.schema}`,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      idleTimeoutMillis: 10_000,
      types,
    })
    // An idle client losing its connection must not crash the process; the next use reports it.
    this.pool.on('error', () => undefined)
    // Nor may one that is checked out between two queries (pg emits 'error' on the client then,
    // and an unheard 'error' ends the process): its next query fails and the batch reports it.
    this.pool.on('connect', (client) => client.on('error', () => undefined))
    this.writer = new PgGroupCommit(
      () => this.connect(),
      (e) => mapPostgresError(this.target, e),
      isConnectionFailure,
      Math.max(1, Math.min(options.maxBatchesInFlight ?? 4, (options.maxConnections ?? 10) - 1)),
    )
  }

  private async connect(): Promise<pg.PoolClient> {
    if (this.closed) throw storeUnavailable(this.target, 'the store was closed')
    await this.ready()
    return this.pool.connect()
  }

  /** Migrate once per store; a failed attempt is retried by the next operation. */
  private ready(): Promise<void> {
    if (!this.migrated) {
      this.migrated = (async () => {
        const client = await this.pool.connect()
        let broken: Error | undefined
        try {
          await migratePostgres(client, this.schema)
        } catch (error) {
          broken = error as Error
          throw error
        } finally {
          client.release(broken)
        }
      })()
      this.migrated.catch(() => {
        this.migrated = null
      })
    }
    return this.migrated
  }

  private write<T>(fn: (q: Querier) => Promise<T>): Promise<T> {
    return this.writer.submit((client) => fn(querier(client, this.statements)))
  }

  /** Waits for earlier writes of this process (read-your-writes), then reads on the pool. */
  private async read<T>(
    fn: (q: { query<R = any>(c: { sql: string; parameters: readonly unknown[] }): Promise<R[]> } & Querier) => Promise<T>,
  ): Promise<T> {
    try {
      await this.writer.settled()
      const client = await this.connect()
      let broken: Error | undefined
      try {
        const q = querier(client, this.statements)
        const query = async <R>(c: { sql: string; parameters: readonly unknown[] }) =>
          (await client.query(c.sql, c.parameters as unknown[])).rows as R[]
        return await fn({ ...q, query })
      } catch (error) {
        if (isConnectionFailure(error)) broken = error as Error
        throw error
      } finally {
        client.release(broken)
      }
    } catch (error) {
      throw mapPostgresError(this.target, error)
    }
  }

  /** An observe operation on one client, after this process's earlier writes; in BEGIN/COMMIT when it writes. */
  private async transaction<T>(op: () => Op<T>, writes: boolean): Promise<T> {
    try {
      await this.writer.settled()
      const client = await this.connect()
      let broken: Error | undefined
      try {
        if (!writes) return await runPostgres(client, op())
        await client.query('BEGIN')
        try {
          const out = await runPostgres(client, op())
          await client.query('COMMIT')
          return out
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined)
          throw error
        }
      } catch (error) {
        if (isConnectionFailure(error)) broken = error as Error
        throw error
      } finally {
        client.release(broken)
      }
    } catch (error) {
      throw mapPostgresError(this.target, error)
    }
  }

  async migrate(): Promise<void> {
    try {
      if (this.closed) throw storeUnavailable(this.target, 'the store was closed')
      await this.ready()
    } catch (error) {
      throw mapPostgresError(this.target, error)
    }
  }

  // ── ingest ──
  accept(input: AcceptInput): Promise<AcceptResult> {
    // Plain accepts of a batch go in one statement; a dedupe claim keeps its own, in issue order.
    if (!input.dedupe) return this.writer.submitMerged(acceptMerger, input)
    return this.write((q) => ops.acceptOne(q, input))
  }

  acceptMany(inputs: AcceptInput[]): Promise<AcceptResult[]> {
    // Submitted together, so they share a batch: the plain ones merged, dedupe claims in order.
    return Promise.all(inputs.map((input) => this.accept(input)))
  }

  findDuplicate(scope: string, key: string, now: number): Promise<string | null> {
    return this.read(async (q) => (await q.get<{ run_id: string }>('findDedupe', { scope, key, now }))?.run_id ?? null)
  }

  getEvent(id: string): Promise<EventRecord | null> {
    return this.read(async (q) => {
      const row = await q.get<EventsTable>('getEvent', { id })
      return row ? toEvent(row) : null
    })
  }

  // ── runs ──
  getRun(id: string): Promise<RunRecord | null> {
    return this.read(async (q) => {
      const row = await q.get<RunsTable>('getRun', { id })
      return row ? toRun(row) : null
    })
  }

  listRuns(filter?: RunFilter): Promise<RunRecord[]> {
    return this.read(async (q) => (await q.query<RunsTable>(listRunsQuery(this.builder, filter))).map(toRun))
  }

  countRuns(filter?: Omit<RunFilter, 'limit' | 'before'>): Promise<Record<RunStatus, number>> {
    return this.read(async (q) => {
      const counts = emptyCounts()
      for (const row of await q.query<{ status: RunStatus; n: number }>(countRunsQuery(this.builder, filter)))
        counts[row.status] = Number(row.n)
      return counts
    })
  }

  insertRun(run: RunRecord): Promise<void> {
    return this.write(async (q) => {
      await q.run('insertRun', runValues(run))
    })
  }

  leaseRun(req: LeaseRequest): Promise<RunRecord | null> {
    return this.write((q) => ops.leaseRun(q, req))
  }

  leaseRunFull(req: LeaseRequest): Promise<LeasedRun | null> {
    return this.writer.submitMerged(leaseMerger, req)
  }

  heartbeat(owner: string, runIds: string[], now: number, leaseMs: number): Promise<string[]> {
    if (runIds.length === 0) return Promise.resolve([])
    // One statement for every run of the beat (64 in flight: one round trip, not 64).
    return this.writer.submit(async (client) => {
      const { rows } = await client.query<{ id: string }>({
        name: 'pw_m_heartbeat',
        text: `UPDATE runs SET lease_expires_at = $3::bigint
          WHERE id = ANY($1::text[]) AND lease_owner = $2::text AND status = 'running' RETURNING id`,
        values: [runIds, owner, now + leaseMs],
      })
      const held = new Set(rows.map((r) => r.id))
      return runIds.filter((id) => !held.has(id))
    })
  }

  releaseLeases(owner: string, runIds: string[], now: number): Promise<void> {
    if (runIds.length === 0) return Promise.resolve()
    return this.writer.submit(async (client) => {
      await client.query({
        name: 'pw_m_release',
        text: `UPDATE runs SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, updated_at = $3::bigint
          WHERE id = ANY($1::text[]) AND lease_owner = $2::text AND status = 'running'`,
        values: [runIds, owner, now],
      })
    })
  }

  listDueRuns(now: number, limit: number): Promise<Array<Pick<RunRecord, 'id' | 'pipelineId' | 'dueAt' | 'concurrencyKey'>>> {
    return this.read(async (q) =>
      (await q.all<{ id: string; pipeline_id: string; due: number; concurrency_key: string | null }>('listDue', { now, limit })).map(
        (r) => ({
          id: r.id,
          pipelineId: r.pipeline_id,
          dueAt: r.due,
          concurrencyKey: r.concurrency_key,
        }),
      ),
    )
  }

  nextDueAt(): Promise<number | null> {
    return this.read(async (q) => (await q.get<{ due: number | null }>('nextDue', {}))?.due ?? null)
  }

  saveSteps(
    runId: string,
    owner: string,
    steps: StepResultRecord[],
    progress?: { currentStep: string | null; attempt: number; at: number },
  ): Promise<void> {
    return this.write((q) => ops.saveSteps(q, runId, owner, steps, progress))
  }

  getSteps(runId: string): Promise<StepResultRecord[]> {
    return this.read(async (q) => (await q.all<StepResultsTable>('getSteps', { runId })).map(toStep))
  }

  transition(runId: string, owner: string, to: RunTransition, steps?: StepResultRecord[]): Promise<void> {
    if (to.status === 'succeeded' || to.status === 'filtered')
      return this.writer.submitMerged(finishMerger, { runId, owner, status: to.status, at: to.at, steps: steps ?? [] })
    return this.write((q) => ops.transition(q, runId, owner, to, steps))
  }

  // ── dead letters ──
  getDeadLetter(runId: string): Promise<DeadLetterRecord | null> {
    return this.read(async (q) => {
      const row = await q.get<DeadLettersTable>('getDeadLetter', { runId })
      return row ? toDeadLetter(row) : null
    })
  }

  listDeadLetters(filter?: DeadLetterFilter): Promise<DeadLetterRecord[]> {
    return this.read(async (q) => (await q.query<DeadLettersTable>(listDeadLettersQuery(this.builder, filter))).map(toDeadLetter))
  }

  countDeadLetters(filter?: Omit<DeadLetterFilter, 'limit'>): Promise<number> {
    return this.read(async (q) => Number((await q.query<{ n: number }>(countDeadLettersQuery(this.builder, filter)))[0]?.n ?? 0))
  }

  markReplayed(pairs: Parameters<Store['markReplayed']>[0]): Promise<void> {
    return this.write((q) => ops.markReplayed(q, pairs))
  }

  discardDeadLetter(runId: string, at: number): Promise<boolean> {
    return this.write(async (q) => (await q.run('discardDeadLetter', { runId, at })) > 0)
  }

  // ── keyed state ──
  getKey(namespace: string, key: string, now: number): Promise<KeyValue | null> {
    return this.read(async (q) => {
      const row = await q.get<KeyedValuesTable>('getKey', { namespace, key, now })
      return row ? { value: fromJson(row.value), updatedAt: row.updated_at, expiresAt: row.expires_at } : null
    })
  }

  setKey(namespace: string, key: string, value: unknown, now: number, expiresAt: number | null = null): Promise<void> {
    return this.write(async (q) => {
      await q.run('setKey', { namespace, key, value: toJson(value), updated_at: now, expires_at: expiresAt })
    })
  }

  setKeyIfAbsent(namespace: string, key: string, value: unknown, now: number, expiresAt: number | null = null): Promise<boolean> {
    return this.write(
      async (q) => (await q.run('setKeyIfAbsent', { namespace, key, value: toJson(value), updated_at: now, expires_at: expiresAt })) > 0,
    )
  }

  deleteKey(namespace: string, key: string): Promise<void> {
    return this.write(async (q) => {
      await q.run('deleteKey', { namespace, key })
    })
  }

  // ── usage ──
  addUsage(key: UsageKey, amount: number, now: number): Promise<number> {
    return this.write(
      async (q) =>
        (await q.get<{ used: number }>('addUsage', { connection: key.connection, period: key.period, used: amount, updated_at: now }))!
          .used,
    )
  }

  getUsage(key: UsageKey): Promise<number> {
    return this.read(
      async (q) => (await q.get<{ used: number }>('getUsage', { connection: key.connection, period: key.period }))?.used ?? 0,
    )
  }

  listUsage(connection?: string): Promise<Array<UsageKey & { used: number; updatedAt: number }>> {
    return this.read(async (q) =>
      (await q.query<UsageCountersTable>(listUsageQuery(this.builder, connection))).map((r) => ({
        connection: r.connection,
        period: r.period,
        used: r.used,
        updatedAt: r.updated_at,
      })),
    )
  }

  // ── consent ──
  recordConsent(input: ConsentInput, now: number): Promise<{ applied: boolean; record: ConsentRecord }> {
    return this.write((q) => consent.recordConsent(q.query, input, now))
  }

  getConsent(subject: string, scope = DEFAULT_CONSENT_SCOPE): Promise<ConsentRecord | null> {
    return this.read((q) => consent.getConsent(q.query, scope, consentSubject(subject)))
  }

  getConsents(subjects: string[], scope = DEFAULT_CONSENT_SCOPE): Promise<ConsentRecord[]> {
    return this.read((q) => consent.getConsents(q.query, scope, subjects.map(consentSubject)))
  }

  listConsent(filter: ConsentFilter = {}): Promise<ConsentRecord[]> {
    return this.read((q) => consent.listConsent(q.query, filter))
  }

  consentHistory(subject: string, scope = DEFAULT_CONSENT_SCOPE): Promise<ConsentHistoryEntry[]> {
    return this.read((q) => consent.consentHistory(q.query, scope, consentSubject(subject)))
  }

  // ── housekeeping ──
  purgeExpired(now: number): Promise<number> {
    return this.write(async (q) => (await q.run('purgeDedupe', { now })) + (await q.run('purgeKeys', { now })))
  }

  ping(): Promise<void> {
    return this.read(async (q) => {
      await q.get('ping', {})
    })
  }

  async close(): Promise<void> {
    if (this.closed) return
    await this.writer.settled()
    this.closed = true
    await this.pool.end()
  }
}
