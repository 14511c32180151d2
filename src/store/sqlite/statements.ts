/**
 * Every hot-path SQLite operation as one named statement, built with kysely and compiled
 * once at start-up (see named-query.ts). Values are bound by name; column-named values
 * (`pipeline_id`) come straight from rows.ts.
 * @module
 */
import { EVENT_COLS, RUN_COLS, STEP_COLS } from '../columns.js'
import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, sql } from '../kysely.js'
import { type NamedQuery, named, param } from './named-query.js'
import type { Schema } from './schema.js'

/** A kysely instance that only compiles; statements run on better-sqlite3 directly. */
export function sqliteBuilder(): Kysely<Schema> {
  return new Kysely<Schema>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  })
}

function columns<K extends string>(names: readonly K[]): Record<K, any> {
  return Object.fromEntries(names.map((n) => [n, param(n)])) as Record<K, any>
}

const DEAD_COLS = [
  'run_id',
  'pipeline_id',
  'pipeline_version',
  'event_id',
  'reason',
  'step_id',
  'attempts',
  'error',
  'last_input',
  'created_at',
  'replayed_by',
  'discarded_at',
] as const

/**
 * Status tests written as literals rather than bound parameters: SQLite uses a partial index
 * only when the query's WHERE visibly implies the index's (migration 0002).
 */
const WAITING_TO_RUN = sql<boolean>`status IN ('queued', 'waiting')`
const LEASED = sql<boolean>`status = 'running'`

export function buildStatements(db: Kysely<Schema>) {
  const leased = { id: param('runId'), owner: param('owner') }
  const heldRun = () =>
    db.updateTable('runs').where('id', '=', leased.id).where('lease_owner', '=', leased.owner).where('status', '=', 'running')
  const clearLease = { lease_owner: null, lease_expires_at: null, updated_at: param('at') }
  return {
    // ingest
    insertEvent: named(db.insertInto('events').values(columns(EVENT_COLS))),
    insertRun: named(db.insertInto('runs').values(columns(RUN_COLS))),
    /** Claims (scope, key) for run_id unless a live key exists; returns a row only when claimed. */
    claimDedupe: named(
      db
        .insertInto('dedupe_keys')
        .values({ scope: param('scope'), key: param('key'), run_id: param('runId'), expires_at: param('expiresAt') })
        .onConflict((oc) =>
          oc
            .columns(['scope', 'key'])
            .doUpdateSet({ run_id: (eb) => eb.ref('excluded.run_id'), expires_at: (eb) => eb.ref('excluded.expires_at') })
            .where('dedupe_keys.expires_at', '<=', param('now')),
        )
        .returning('run_id'),
    ),
    findDedupe: named(
      db
        .selectFrom('dedupe_keys')
        .select('run_id')
        .where('scope', '=', param('scope'))
        .where('key', '=', param('key'))
        .where('expires_at', '>', param('now')),
    ),
    getEvent: named(db.selectFrom('events').selectAll().where('id', '=', param('id'))),
    getRun: named(db.selectFrom('runs').selectAll().where('id', '=', param('id'))),

    // leases
    leaseRun: named(
      db
        .updateTable('runs')
        .set({
          status: 'running',
          lease_owner: param('owner'),
          lease_expires_at: param('expiresAt'),
          wait_reason: null,
          updated_at: param('now'),
        })
        .where('id', '=', param('runId'))
        .where((eb) =>
          eb.or([
            eb.and([eb('status', 'in', ['queued', 'waiting']), eb('due_at', '<=', param('now'))]),
            eb.and([eb('status', '=', 'running'), eb('lease_expires_at', '<=', param('now'))]),
          ]),
        )
        .returningAll(),
    ),
    extendLease: named(heldRun().set({ lease_expires_at: param('expiresAt') })),
    releaseLease: named(heldRun().set({ status: 'queued', ...clearLease })),
    checkLease: named(heldRun().set({ lease_owner: (eb) => eb.ref('lease_owner') })),
    saveProgress: named(heldRun().set({ current_step: param('currentStep'), attempt: param('attempt'), updated_at: param('at') })),

    // transitions (each clears the lease)
    finishRun: named(
      heldRun().set({ status: param('status'), current_step: null, wait_reason: null, finished_at: param('at'), ...clearLease }),
    ),
    waitRun: named(
      heldRun().set({
        status: 'waiting',
        due_at: param('dueAt'),
        wait_reason: param('reason'),
        current_step: param('currentStep'),
        attempt: param('attempt'),
        error: sql<string | null>`CASE WHEN ${param('errorGiven')} = 1 THEN ${param('error')} ELSE error END`,
        ...clearLease,
      }),
    ),
    requeueRun: named(heldRun().set({ status: 'queued', due_at: param('dueAt'), wait_reason: null, ...clearLease })),
    killRun: named(
      heldRun().set({
        status: 'dead',
        wait_reason: null,
        current_step: param('currentStep'),
        attempt: param('attempt'),
        error: param('error'),
        finished_at: param('at'),
        ...clearLease,
      }),
    ),

    // steps
    upsertStep: named(
      db
        .insertInto('step_results')
        .values(columns(STEP_COLS))
        .onConflict((oc) =>
          oc.columns(['run_id', 'step_path']).doUpdateSet((eb) => ({
            status: eb.ref('excluded.status'),
            output: eb.ref('excluded.output'),
            attempts: eb.ref('excluded.attempts'),
            started_at: eb.ref('excluded.started_at'),
            finished_at: eb.ref('excluded.finished_at'),
            error: eb.ref('excluded.error'),
          })),
        ),
    ),
    getSteps: named(db.selectFrom('step_results').selectAll().where('run_id', '=', param('runId')).orderBy('seq')),

    // dead letters
    upsertDeadLetter: named(
      db
        .insertInto('dead_letters')
        .values(columns(DEAD_COLS))
        .onConflict((oc) =>
          oc.column('run_id').doUpdateSet((eb) => ({
            reason: eb.ref('excluded.reason'),
            step_id: eb.ref('excluded.step_id'),
            attempts: eb.ref('excluded.attempts'),
            error: eb.ref('excluded.error'),
            last_input: eb.ref('excluded.last_input'),
            created_at: eb.ref('excluded.created_at'),
            replayed_by: null,
            discarded_at: null,
          })),
        ),
    ),
    getDeadLetter: named(db.selectFrom('dead_letters').selectAll().where('run_id', '=', param('runId'))),
    markReplayed: named(
      db
        .updateTable('dead_letters')
        .set({ replayed_by: param('newRunId') })
        .where('run_id', '=', param('runId')),
    ),
    discardDeadLetter: named(
      db
        .updateTable('dead_letters')
        .set({ discarded_at: param('at') })
        .where('run_id', '=', param('runId'))
        .where('discarded_at', 'is', null)
        .where('replayed_by', 'is', null),
    ),

    // due runs
    listDue: named(
      db
        .selectFrom('runs')
        .select(['id', 'pipeline_id', 'concurrency_key'])
        .select(sql<number>`CASE WHEN status = 'running' THEN lease_expires_at ELSE due_at END`.as('due'))
        .where((eb) =>
          eb.or([eb.and([WAITING_TO_RUN, eb('due_at', '<=', param('now'))]), eb.and([LEASED, eb('lease_expires_at', '<=', param('now'))])]),
        )
        .orderBy('due')
        .orderBy('id')
        .limit(param('limit')),
    ),
    nextDue: named(
      db
        .selectFrom('runs')
        .select((eb) => eb.fn.min('due_at').as('due'))
        .where(WAITING_TO_RUN),
    ),

    // keyed values
    getKey: named(
      db
        .selectFrom('keyed_values')
        .selectAll()
        .where('namespace', '=', param('namespace'))
        .where('key', '=', param('key'))
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', param('now'))])),
    ),
    setKey: named(
      db
        .insertInto('keyed_values')
        .values(columns(['namespace', 'key', 'value', 'updated_at', 'expires_at'] as const))
        .onConflict((oc) =>
          oc.columns(['namespace', 'key']).doUpdateSet((eb) => ({
            value: eb.ref('excluded.value'),
            updated_at: eb.ref('excluded.updated_at'),
            expires_at: eb.ref('excluded.expires_at'),
          })),
        ),
    ),
    setKeyIfAbsent: named(
      db
        .insertInto('keyed_values')
        .values(columns(['namespace', 'key', 'value', 'updated_at', 'expires_at'] as const))
        .onConflict((oc) =>
          oc
            .columns(['namespace', 'key'])
            .doUpdateSet((eb) => ({
              value: eb.ref('excluded.value'),
              updated_at: eb.ref('excluded.updated_at'),
              expires_at: eb.ref('excluded.expires_at'),
            }))
            .where('keyed_values.expires_at', 'is not', null)
            .where('keyed_values.expires_at', '<=', param('updated_at')),
        )
        .returning('key'),
    ),
    deleteKey: named(db.deleteFrom('keyed_values').where('namespace', '=', param('namespace')).where('key', '=', param('key'))),

    // usage
    addUsage: named(
      db
        .insertInto('usage_counters')
        .values(columns(['connection', 'period', 'used', 'updated_at'] as const))
        .onConflict((oc) =>
          oc.columns(['connection', 'period']).doUpdateSet((eb) => ({
            used: eb('usage_counters.used', '+', eb.ref('excluded.used')),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .returning('used'),
    ),
    getUsage: named(
      db.selectFrom('usage_counters').select('used').where('connection', '=', param('connection')).where('period', '=', param('period')),
    ),

    // housekeeping
    purgeDedupe: named(db.deleteFrom('dedupe_keys').where('expires_at', '<=', param('now'))),
    purgeKeys: named(db.deleteFrom('keyed_values').where('expires_at', 'is not', null).where('expires_at', '<=', param('now'))),
    ping: named(db.selectNoFrom(sql<number>`1`.as('ok'))),
  } satisfies Record<string, NamedQuery>
}

export type StatementName = keyof ReturnType<typeof buildStatements>

/**
 * Multi-row inserts of the accept path, by row count: a group commit that accepts 25 events
 * writes them with one statement per table instead of 25 (see write-ops.ts `acceptPlain`).
 */
export function buildRowInserts(db: Kysely<Schema>) {
  const rows = <K extends string>(names: readonly K[], n: number) => Array.from({ length: n }, () => columns(names))
  return {
    events: (n: number) => db.insertInto('events').values(rows(EVENT_COLS, n)),
    runs: (n: number) => db.insertInto('runs').values(rows(RUN_COLS, n)),
  }
}
