/**
 * The hot writes of the distributed path as multi-row statements, one per group-commit batch
 * (see `submitMerged` in group-commit.ts): plain accepts, leases (returning each run's event and
 * step results, so a worker reads nothing more before it runs), and final transitions with their
 * step results. Rows travel as parallel arrays through `unnest`, each statement prepared once per
 * connection. Every item keeps its own check: a lease only where the run is leasable, a
 * transition and its step results only where the lease is still held; an item that fails its
 * check gets its own answer (null, LeaseLostError) and writes nothing.
 * @module
 */
import type { EventRecord, RunRecord, StepResultRecord } from '../../types.js'
import { EVENT_COLS, RUN_COLS, STEP_COLS } from '../columns.js'
import type { AcceptInput, AcceptResult, LeaseRequest } from '../contract.js'
import { LeaseLostError } from '../errors.js'
import { eventValues, runValues, stepValues, toEvent, toRun } from '../sqlite/rows.js'
import type { EventsTable, RunsTable } from '../sqlite/schema.js'
import type { Merger, Outcome } from './group-commit.js'

/** A leased run with what executing it needs. */
export interface LeasedRun {
  run: RunRecord
  event: EventRecord | null
  steps: StepResultRecord[]
}

export interface FinishItem {
  runId: string
  owner: string
  status: 'succeeded' | 'filtered'
  at: number
  steps: readonly StepResultRecord[]
}

const EVENT_TYPES = ['text', 'text', 'text', 'text', 'jsonb', 'jsonb', 'bigint']
const RUN_TYPES = [
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'int',
  'bigint',
  'text',
  'text',
  'bigint',
  'text',
  'text',
  'text',
  'jsonb',
  'bigint',
  'bigint',
  'bigint',
]

/** `unnest($a::t1[], $b::t2[], …) AS alias(c1, c2, …)` with parameters numbered from `from`. */
function unnest(alias: string, cols: readonly string[], types: readonly string[], from: number): string {
  const params = types.map((t, i) => `$${from + i}::${t}[]`).join(', ')
  return `unnest(${params}) WITH ORDINALITY AS ${alias}(${cols.join(', ')}, ord)`
}

/** Column-major arrays of `rows`' values, in `cols` order. */
function columns(rows: ReadonlyArray<Record<string, unknown>>, cols: readonly string[]): unknown[][] {
  return cols.map((c) => rows.map((r) => r[c] ?? null))
}

const ACCEPT_SQL = `WITH ev AS (
    INSERT INTO events (${EVENT_COLS.join(', ')})
    SELECT ${EVENT_COLS.join(', ')} FROM ${unnest('e', EVENT_COLS, EVENT_TYPES, 1)} ORDER BY ord
  )
  INSERT INTO runs (${RUN_COLS.join(', ')})
  SELECT ${RUN_COLS.join(', ')} FROM ${unnest('r', RUN_COLS, RUN_TYPES, EVENT_COLS.length + 1)} ORDER BY ord`

/** Accepts without a dedupe key: every event and run of the batch in one statement. */
export const acceptMerger: Merger<AcceptInput> = {
  async runMany(client, items) {
    const events = items.map((i) => eventValues(i.event, i.payloadJson) as unknown as Record<string, unknown>)
    const runs = items.map((i) => runValues(i.run) as unknown as Record<string, unknown>)
    await client.query({
      name: 'pw_m_accept',
      text: ACCEPT_SQL,
      values: [...columns(events, EVENT_COLS), ...columns(runs, RUN_COLS)],
    })
    return items.map((i): Outcome => ({ ok: true, value: { accepted: true, eventId: i.event.id, runId: i.run.id } satisfies AcceptResult }))
  },
}

const LEASE_SQL = `WITH req AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[]) AS q(id, owner, now, expires_at)
  ), leased AS (
    UPDATE runs AS x SET status = 'running', lease_owner = q.owner, lease_expires_at = q.expires_at, wait_reason = NULL,
      updated_at = q.now
    FROM req q
    WHERE x.id = q.id AND ((x.status IN ('queued', 'waiting') AND x.due_at <= q.now)
      OR (x.status = 'running' AND x.lease_expires_at <= q.now))
    RETURNING x.*
  )
  SELECT l.*, e.id AS e_id, e.pipeline_id AS e_pipeline_id, e.trigger AS e_trigger, e.delivery_id AS e_delivery_id,
    e.payload AS e_payload, e.meta AS e_meta, e.received_at AS e_received_at,
    (SELECT json_agg(json_build_array(s.step_path, s.status, s.output, s.attempts, s.started_at, s.finished_at, s.error) ORDER BY s.seq)
      FROM step_results s WHERE s.run_id = l.id) AS e_steps
  FROM leased l LEFT JOIN events e ON e.id = l.event_id`

type LeaseRow = RunsTable & { [K in keyof EventsTable as `e_${K}`]: EventsTable[K] | null } & { e_steps: string | null }

type StepTuple = [string, string, unknown, number, number, number, unknown]

/** Leases of the batch in one statement, each returning its run, event and step results (null: not leasable). */
export const leaseMerger: Merger<LeaseRequest> = {
  async runMany(client, items) {
    // The same run asked twice in one batch: only the first asker competes, the rest get null.
    const first = new Map<string, LeaseRequest>()
    for (const i of items) if (!first.has(i.runId)) first.set(i.runId, i)
    const asks = [...first.values()]
    const { rows } = await client.query<LeaseRow>({
      name: 'pw_m_lease',
      text: LEASE_SQL,
      values: [asks.map((i) => i.runId), asks.map((i) => i.owner), asks.map((i) => i.now), asks.map((i) => i.now + i.leaseMs)],
    })
    const byId = new Map(rows.map((r) => [r.id, r]))
    return items.map((i): Outcome => {
      const row = first.get(i.runId) === i ? byId.get(i.runId) : undefined
      return { ok: true, value: row ? toLeased(row) : null }
    })
  },
}

function toLeased(row: LeaseRow): LeasedRun {
  const run = toRun(row)
  const event =
    row.e_id === null
      ? null
      : toEvent({
          id: row.e_id,
          pipeline_id: row.e_pipeline_id!,
          trigger: row.e_trigger!,
          delivery_id: row.e_delivery_id,
          payload: row.e_payload,
          meta: row.e_meta,
          received_at: row.e_received_at!,
        })
  const steps = row.e_steps
    ? (JSON.parse(row.e_steps) as StepTuple[]).map(
        ([stepPath, status, output, attempts, startedAt, finishedAt, error]): StepResultRecord => ({
          runId: run.id,
          stepPath,
          status: status as StepResultRecord['status'],
          output,
          attempts,
          startedAt,
          finishedAt,
          error: error as StepResultRecord['error'],
        }),
      )
    : []
  return { run, event, steps }
}

const STEP_TYPES = ['text', 'text', 'text', 'jsonb', 'int', 'bigint', 'bigint', 'jsonb']

const FINISH_SQL = `WITH t AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS t(id, owner, status, at)
  ), held AS (
    UPDATE runs AS x SET status = t.status, current_step = NULL, wait_reason = NULL, finished_at = t.at, lease_owner = NULL,
      lease_expires_at = NULL, updated_at = t.at
    FROM t WHERE x.id = t.id AND x.lease_owner = t.owner AND x.status = 'running'
    RETURNING x.id
  ), steps AS (
    INSERT INTO step_results (${STEP_COLS.join(', ')})
    SELECT ${STEP_COLS.join(', ')} FROM ${unnest('v', STEP_COLS, STEP_TYPES, 5)}
    WHERE v.run_id IN (SELECT id FROM held) ORDER BY ord
    ON CONFLICT (run_id, step_path) DO UPDATE SET status = excluded.status, output = excluded.output,
      attempts = excluded.attempts, started_at = excluded.started_at, finished_at = excluded.finished_at, error = excluded.error
  )
  SELECT id FROM held`

/** Final transitions (succeeded, filtered) of the batch with their step results, in one statement. */
export const finishMerger: Merger<FinishItem> = {
  async runMany(client, items) {
    const steps: Array<Record<string, unknown>> = []
    for (const i of items) {
      // One row per path (the last result wins), as consecutive upserts would leave it.
      const last = new Map<string, StepResultRecord>()
      for (const s of i.steps) last.set(s.stepPath, s)
      for (const s of last.values()) steps.push(stepValues(i.runId, s))
    }
    const { rows } = await client.query<{ id: string }>({
      name: 'pw_m_finish',
      text: FINISH_SQL,
      values: [
        items.map((i) => i.runId),
        items.map((i) => i.owner),
        items.map((i) => i.status),
        items.map((i) => i.at),
        ...columns(steps, STEP_COLS),
      ],
    })
    const held = new Set(rows.map((r) => r.id))
    return items.map((i): Outcome => {
      if (!held.delete(i.runId)) return { ok: false, error: new LeaseLostError(i.runId, i.owner) }
      return { ok: true, value: undefined }
    })
  },
}
