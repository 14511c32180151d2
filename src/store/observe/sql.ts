/**
 * One operation, two drivers. The observe stores (series, alerts, inventory) write each
 * operation once, as a generator that yields SQL statements (`?` placeholders) and receives
 * their results; SQLite runs it synchronously inside its group-commit transaction, Postgres
 * runs it on one pooled client inside BEGIN/COMMIT. The SQL is the common subset of both
 * dialects (upserts, RETURNING, partial unique indexes); where they differ the operation
 * receives `dialect` and branches.
 * @module
 */
import type Database from 'better-sqlite3'
import type pg from 'pg'

export type Dialect = 'sqlite' | 'postgres'

export interface Statement {
  sql: string
  params: readonly unknown[]
}

export interface StatementResult {
  rows: any[]
  /** Rows inserted, updated or deleted (rows returned, for a statement with RETURNING). */
  changes: number
}

export type Op<T> = Generator<Statement, T, StatementResult>

/** Yield one statement and receive its result: `const r = yield* exec('SELECT …', a, b)`. */
export function* exec(sql: string, ...params: unknown[]): Op<StatementResult> {
  return yield { sql, params }
}

/** `(?, ?, ?)` for an IN list of `n` values. */
export function placeholders(n: number): string {
  return `(${Array.from({ length: n }, () => '?').join(', ')})`
}

const bindable = (v: unknown) => (v === undefined ? null : typeof v === 'boolean' ? (v ? 1 : 0) : v)

/** Run an operation on better-sqlite3, synchronously (inside the store's write transaction). */
export function runSqlite<T>(db: Database.Database, op: Op<T>, cache: Map<string, Database.Statement>): T {
  let step = op.next()
  while (!step.done) {
    const { sql, params } = step.value
    let stmt = cache.get(sql)
    if (!stmt) {
      stmt = db.prepare(sql)
      cache.set(sql, stmt)
    }
    const values = params.map(bindable)
    let result: StatementResult
    if (stmt.reader) {
      const rows = stmt.all(...values)
      result = { rows, changes: rows.length }
    } else {
      result = { rows: [], changes: stmt.run(...values).changes }
    }
    step = op.next(result)
  }
  return step.value
}

/** `?` → `$1, $2, …` (the operations never put a `?` inside a string literal). */
export function toPostgres(sql: string): string {
  let i = 0
  return sql.replace(/\?/g, () => `$${++i}`)
}

/** Run an operation on one Postgres client (the caller owns the transaction). */
export async function runPostgres<T>(client: pg.ClientBase, op: Op<T>): Promise<T> {
  let step = op.next()
  while (!step.done) {
    const { sql, params } = step.value
    const res = await client.query(toPostgres(sql), params.map(bindable) as unknown[])
    step = op.next({ rows: res.rows, changes: res.command === 'SELECT' ? res.rows.length : (res.rowCount ?? 0) })
  }
  return step.value
}
