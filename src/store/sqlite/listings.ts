/**
 * Listing queries with optional filters, built per call with kysely (not on the hot path).
 * @module
 */

import type { RunStatus } from '../../types.js'
import type { DeadLetterFilter, RunFilter } from '../contract.js'
import { type Kysely, sql } from '../kysely.js'
import type { RunsTable, Schema } from './schema.js'

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

/**
 * Newest first; `before` continues after the given run id (keyset pagination). With a
 * `pipelineId` this walks `runs_by_pipeline_creation`; for all pipelines see
 * {@link listRunsAcrossPipelines}.
 */
export function listRunsQuery(db: Kysely<Schema>, f: RunFilter = {}) {
  return runsWhere(db, f)
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(f.limit ?? DEFAULT_LIMIT)
    .compile()
}

/**
 * Every distinct `pipeline_id` in `runs`, one index seek each (a loose index scan over
 * `runs_by_pipeline_creation`), so it costs O(pipelines × log runs), not a scan.
 */
export const PIPELINE_IDS_SQL = `WITH RECURSIVE p(id) AS (
  SELECT (SELECT min(pipeline_id) FROM runs)
  UNION ALL
  SELECT (SELECT min(pipeline_id) FROM runs WHERE pipeline_id > p.id) FROM p WHERE p.id IS NOT NULL
) SELECT id FROM p WHERE id IS NOT NULL`

/** SQLite allows 500 arms in one compound SELECT; stay well below it. */
const ARMS_PER_QUERY = 200

/**
 * The all-pipelines listing without an index over all runs by creation (migration 0003 drops
 * it to make each ingest cheaper). One `UNION ALL` arm per pipeline with the outer
 * `ORDER BY created_at DESC, id DESC LIMIT n`: SQLite runs it as a merge of the arms, each
 * walking its own `runs_by_pipeline_creation` range in order, and stops after `n` rows, so a
 * page reads about `n` rows however many pipelines there are. Same order and filters as
 * {@link listRunsQuery}. More pipelines than fit one statement are merged here, page by page.
 */
export function listRunsAcrossPipelines(
  db: Kysely<Schema>,
  f: RunFilter,
  query: <T>(q: { sql: string; parameters: readonly unknown[] }) => T[],
): RunsTable[] {
  const limit = f.limit ?? DEFAULT_LIMIT
  const ids = query<{ id: string }>({ sql: PIPELINE_IDS_SQL, parameters: [] }).map((r) => r.id)
  const pages: RunsTable[][] = []
  for (let i = 0; i < ids.length; i += ARMS_PER_QUERY) {
    const arms = ids.slice(i, i + ARMS_PER_QUERY).map((id) => runsWhere(db, { ...f, pipelineId: id }).selectAll())
    const merged = arms
      .slice(1)
      .reduce((q, arm) => q.unionAll(arm), arms[0]!)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
    pages.push(query<RunsTable>(merged.compile()))
  }
  if (pages.length <= 1) return pages[0] ?? []
  return pages
    .flat()
    .sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, limit)
}

export function countRunsQuery(db: Kysely<Schema>, f: Omit<RunFilter, 'limit' | 'before'> = {}) {
  return runsWhere(db, f)
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .compile()
}

function deadLettersWhere(db: Kysely<Schema>, f: Omit<DeadLetterFilter, 'limit'>) {
  let q = db.selectFrom('dead_letters')
  if (f.pipelineId !== undefined) q = q.where('pipeline_id', '=', f.pipelineId)
  if (f.reason !== undefined) q = q.where('reason', '=', f.reason)
  if (f.stepId !== undefined) q = q.where('step_id', '=', f.stepId)
  if (f.since !== undefined) q = q.where('created_at', '>=', f.since)
  if (f.until !== undefined) q = q.where('created_at', '<', f.until)
  if (!f.includeResolved) q = q.where('replayed_by', 'is', null).where('discarded_at', 'is', null)
  return q
}

export function listDeadLettersQuery(db: Kysely<Schema>, f: DeadLetterFilter = {}) {
  return deadLettersWhere(db, f)
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('run_id', 'desc')
    .limit(f.limit ?? DEFAULT_LIMIT)
    .compile()
}

export function countDeadLettersQuery(db: Kysely<Schema>, f: Omit<DeadLetterFilter, 'limit'> = {}) {
  return deadLettersWhere(db, f)
    .select((eb) => eb.fn.countAll<number>().as('n'))
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
