/**
 * Postgres migration 0004: the sync tables (DESIGN §12, src/store/sync-contract.ts) — links,
 * shadows, cursors, conflicts and the dirty set. A record belongs to at most one link per sync
 * (the partial unique indexes on a_id and b_id).
 * @module
 */
export const name = '0004-sync'

export const statements: readonly string[] = [
  `CREATE TABLE sync_links (
    sync_id TEXT NOT NULL,
    id TEXT NOT NULL,
    a_id TEXT,
    b_id TEXT,
    match_key TEXT,
    fallback_key TEXT,
    state TEXT NOT NULL,
    pending_run TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (sync_id, id)
  )`,
  'CREATE UNIQUE INDEX sync_links_by_a ON sync_links (sync_id, a_id) WHERE a_id IS NOT NULL',
  'CREATE UNIQUE INDEX sync_links_by_b ON sync_links (sync_id, b_id) WHERE b_id IS NOT NULL',
  'CREATE INDEX sync_links_by_key ON sync_links (sync_id, match_key) WHERE match_key IS NOT NULL',
  'CREATE INDEX sync_links_by_fallback ON sync_links (sync_id, fallback_key) WHERE fallback_key IS NOT NULL',
  `CREATE TABLE sync_shadows (
    sync_id TEXT NOT NULL,
    link_id TEXT NOT NULL,
    side TEXT NOT NULL,
    field_values JSONB NOT NULL,
    hash TEXT NOT NULL,
    modified_at BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (sync_id, link_id, side)
  )`,
  `CREATE TABLE sync_cursors (
    sync_id TEXT NOT NULL,
    side TEXT NOT NULL,
    cursor JSONB,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (sync_id, side)
  )`,
  `CREATE TABLE sync_conflicts (
    sync_id TEXT NOT NULL,
    id TEXT NOT NULL,
    link_id TEXT NOT NULL,
    field TEXT NOT NULL,
    a_value JSONB,
    b_value JSONB,
    a_modified_at BIGINT,
    b_modified_at BIGINT,
    winner TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (sync_id, id)
  )`,
  'CREATE INDEX sync_conflicts_by_created ON sync_conflicts (sync_id, created_at)',
  `CREATE TABLE sync_dirty (
    sync_id TEXT NOT NULL,
    side TEXT NOT NULL,
    record_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (sync_id, side, record_id)
  )`,
  'CREATE INDEX sync_dirty_by_at ON sync_dirty (sync_id, at)',
]
