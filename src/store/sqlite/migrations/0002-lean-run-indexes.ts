/**
 * SQLite migration 0002: fewer, cheaper index writes per run.
 *
 * Every accepted webhook inserts a run, and the ack waits for that insert, so each index on
 * `runs` is paid on the hot path (a B-tree page per index per group commit, written to the
 * WAL). The due and lease indexes become partial: only the runs a sweeper or dispatcher can
 * pick up (`queued`/`waiting` by due time, `running` by lease expiry) are in them, so a
 * finished run leaves them instead of staying there forever. The listing indexes become
 * ascending: new rows land on the right edge of the B-tree, and SQLite reads an index
 * backwards for `ORDER BY … DESC`.
 * @module
 */
export const name = '0002-lean-run-indexes'

export const statements: readonly string[] = [
  'DROP INDEX runs_by_created',
  'DROP INDEX runs_by_pipeline',
  'DROP INDEX runs_by_due',
  'DROP INDEX runs_by_lease',
  'CREATE INDEX runs_by_creation ON runs (created_at, id)',
  'CREATE INDEX runs_by_pipeline_creation ON runs (pipeline_id, created_at, id)',
  "CREATE INDEX runs_due ON runs (due_at, id) WHERE status IN ('queued', 'waiting')",
  "CREATE INDEX runs_lease_expiry ON runs (lease_expires_at, id) WHERE status = 'running'",
]
