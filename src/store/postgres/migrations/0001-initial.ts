/**
 * Postgres migration 0001: the initial schema (same logical schema as SQLite's 0001).
 * Append-only: never edit a released migration, add `0002-….ts` instead. Times are BIGINT
 * epoch ms; JSON columns are JSONB. Runs inside the store's schema (search_path).
 * @module
 */
export const name = '0001-initial'

export const statements: readonly string[] = [
  `CREATE TABLE events (
    id TEXT PRIMARY KEY,
    pipeline_id TEXT NOT NULL,
    trigger TEXT NOT NULL,
    delivery_id TEXT,
    payload JSONB,
    meta JSONB,
    received_at BIGINT NOT NULL
  )`,
  `CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    pipeline_id TEXT NOT NULL,
    pipeline_version TEXT NOT NULL,
    event_id TEXT NOT NULL,
    status TEXT NOT NULL,
    current_step TEXT,
    attempt INTEGER NOT NULL,
    due_at BIGINT NOT NULL,
    wait_reason TEXT,
    lease_owner TEXT,
    lease_expires_at BIGINT,
    concurrency_key TEXT,
    replay_of TEXT,
    replay_from TEXT,
    error JSONB,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
  )`,
  'CREATE INDEX runs_by_created ON runs (created_at DESC, id DESC)',
  'CREATE INDEX runs_by_pipeline ON runs (pipeline_id, created_at DESC, id DESC)',
  'CREATE INDEX runs_by_due ON runs (status, due_at)',
  'CREATE INDEX runs_by_lease ON runs (status, lease_expires_at)',
  `CREATE TABLE step_results (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id TEXT NOT NULL,
    step_path TEXT NOT NULL,
    status TEXT NOT NULL,
    output JSONB,
    attempts INTEGER NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    error JSONB,
    UNIQUE (run_id, step_path)
  )`,
  `CREATE TABLE dead_letters (
    run_id TEXT PRIMARY KEY,
    pipeline_id TEXT NOT NULL,
    pipeline_version TEXT NOT NULL,
    event_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    step_id TEXT,
    attempts INTEGER NOT NULL,
    error JSONB,
    last_input JSONB,
    created_at BIGINT NOT NULL,
    replayed_by TEXT,
    discarded_at BIGINT
  )`,
  'CREATE INDEX dead_letters_by_created ON dead_letters (created_at DESC, run_id DESC)',
  `CREATE TABLE dedupe_keys (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    run_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
  )`,
  'CREATE INDEX dedupe_keys_by_expiry ON dedupe_keys (expires_at)',
  `CREATE TABLE keyed_values (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value JSONB,
    updated_at BIGINT NOT NULL,
    expires_at BIGINT,
    PRIMARY KEY (namespace, key)
  )`,
  'CREATE INDEX keyed_values_by_expiry ON keyed_values (expires_at) WHERE expires_at IS NOT NULL',
  `CREATE TABLE usage_counters (
    connection TEXT NOT NULL,
    period TEXT NOT NULL,
    used DOUBLE PRECISION NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (connection, period)
  )`,
]
