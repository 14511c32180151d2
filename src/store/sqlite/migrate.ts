/**
 * Applies the SQLite migration history (./migrations) in order, each migration in its own
 * `BEGIN IMMEDIATE` transaction, recording it in `schema_migrations`. Idempotent and safe
 * when several processes start at once (the write lock serialises them; each re-checks).
 * @module
 */
import type Database from 'better-sqlite3'
import { migrations } from './migrations/index.js'

export function migrateSqlite(db: Database.Database, now: () => number = Date.now): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)')
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?')
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
  const applied: number[] = []
  for (const m of migrations) {
    const apply = db.transaction(() => {
      if (isApplied.get(m.version)) return
      for (const statement of m.statements) db.exec(statement)
      record.run(m.version, m.name, now())
      applied.push(m.version)
    })
    apply.immediate()
  }
  return applied
}
