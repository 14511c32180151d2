/**
 * SQLite migration 0006: the audit log of operator actions and paused pipelines/syncs
 * (docs/governance.md).
 * @module
 */
export const name = '0006-governance'

export const statements: readonly string[] = [
  `CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    details TEXT
  )`,
  'CREATE INDEX audit_log_at ON audit_log (at)',
  `CREATE TABLE paused (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    paused_at INTEGER NOT NULL,
    paused_by TEXT NOT NULL,
    reason TEXT,
    PRIMARY KEY (kind, id)
  ) WITHOUT ROWID`,
]
