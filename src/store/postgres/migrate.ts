/**
 * Applies the Postgres migration history inside the store's schema. Creates the schema if
 * missing; a transaction-scoped advisory lock serialises processes migrating at once, and
 * each migration is applied with its `schema_migrations` row in one transaction.
 * @module
 */
import type pg from 'pg'
import { migrations } from './migrations/index.js'

export async function migratePostgres(client: pg.PoolClient, schema: string, now: () => number = Date.now): Promise<number[]> {
  const applied: number[] = []
  await client.query('BEGIN')
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`pipewright-migrate:${schema}`])
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
    await client.query(`SET LOCAL search_path TO "${schema}"`)
    await client.query(
      `CREATE TABLE IF NOT EXISTS "${schema}".schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
    )
    const done = await client.query<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations`)
    const have = new Set(done.rows.map((r) => Number(r.version)))
    for (const m of migrations) {
      if (have.has(m.version)) continue
      for (const statement of m.statements) await client.query(statement)
      await client.query(`INSERT INTO "${schema}".schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, [
        m.version,
        m.name,
        now(),
      ])
      applied.push(m.version)
    }
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  }
  return applied
}
