/**
 * Listing queries with optional filters, built per call with kysely (not on the hot path).
 * @module
 */
import { type Kysely, sql } from 'kysely'
import type { RunStatus } from '../../types.js'
import type { DeadLetterFilter, RunFilter } from '../contract.js'
import type { Schema } from './schema.js'

export const DEFAULT_LIMIT = 100

function statuses(s: RunStatus | RunStatus[] | undefined): RunStatus[] | undefined {
  if (s === undefined) return undefined
  return Array.isArray(s) ? s : [s]
}

function runsWhere(db: Kysely<Schema>, f: Omit<RunFilter, 'limit'>) {
  let q = db.selectFrom('runs')
  if (f.pipelineId !== undefined) q = q.where('pipeline_id', '=', f.pipelineId)
  const st = statuses(f.status)
  if (st) q = st.length === 0 ? q.where(sql<boolean>`0 = 1`) : q.where('status', 'in', st)
  if (f.since !== undefined) q = q.where('created_at', '>=', f.since)
  if (f.until !== undefined) q = q.where('created_at', '<', f.until)
  if (f.before !== undefined) {
    const before = f.before
    q = q.where(({ eb, selectFrom, or, and }) => {
      const anchor = selectFrom('runs as anchor').where('anchor.id', '=', before)
      return or([
        eb('created_at', '<', anchor.select('anchor.created_at')),
        and([eb('created_at', '=', anchor.select('anchor.created_at')), eb('id', '<', before)]),
      ])
    })
  }
  return q
}

/** Newest first; `before` continues after the given run id (keyset pagination). */
export function listRunsQuery(db: Kysely<Schema>, f: RunFilter = {}) {
  return runsWhere(db, f)
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(f.limit ?? DEFAULT_LIMIT)
    .compile()
}

export function countRunsQuery(db: Kysely<Schema>, f: Omit<RunFilter, 'limit' | 'before'> = {}) {
  return runsWhere(db, f)
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .compile()
}

export function listDeadLettersQuery(db: Kysely<Schema>, f: DeadLetterFilter = {}) {
  let q = db.selectFrom('dead_letters').selectAll()
  if (f.pipelineId !== undefined) q = q.where('pipeline_id', '=', f.pipelineId)
  if (f.reason !== undefined) q = q.where('reason', '=', f.reason)
  if (f.stepId !== undefined) q = q.where('step_id', '=', f.stepId)
  if (f.since !== undefined) q = q.where('created_at', '>=', f.since)
  if (f.until !== undefined) q = q.where('created_at', '<', f.until)
  if (!f.includeResolved) q = q.where('replayed_by', 'is', null).where('discarded_at', 'is', null)
  return q
    .orderBy('created_at', 'desc')
    .orderBy('run_id', 'desc')
    .limit(f.limit ?? DEFAULT_LIMIT)
    .compile()
}

export function listUsageQuery(db: Kysely<Schema>, connection?: string) {
  let q = db.selectFrom('usage_counters').selectAll()
  if (connection !== undefined) q = q.where('connection', '=', connection)
  return q.orderBy('connection').orderBy('period').compile()
}

export function emptyCounts(): Record<RunStatus, number> {
  return { queued: 0, running: 0, waiting: 0, succeeded: 0, filtered: 0, dead: 0 }
}
