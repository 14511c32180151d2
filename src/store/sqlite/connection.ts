/**
 * Opens a SQLite database for the store: creates parent directories, sets WAL and the
 * requested `synchronous` level, applies migrations and prepares every named statement.
 * @module
 */
import { closeSync, fdatasync, mkdirSync, openSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import Database from 'better-sqlite3'
import type { TxControl } from './group-commit.js'
import { migrateSqlite } from './migrate.js'
import { type NamedQuery, type NamedRows, namedRows, type Values } from './named-query.js'
import { buildRowInserts, buildStatements, sqliteBuilder } from './statements.js'

export interface Prepared {
  run(values: Values): number
  get<T = any>(values: Values): T | undefined
  all<T = any>(values: Values): T[]
}

export type Statements = Record<keyof ReturnType<typeof buildStatements>, Prepared>

export interface Connection {
  db: Database.Database
  tx: TxControl
  s: Statements
  /** Release what the connection holds besides the database (the WAL file handle). */
  release(): void
  /** Prepare (once) and run a query built at call time (listings). */
  query<T = any>(q: { sql: string; parameters: readonly unknown[] }): T[]
  /** Insert rows (column-named objects, as rows.ts makes them) with as few statements as possible. */
  insertRows(table: RowTable, rows: readonly Values[]): void
}

export type RowTable = keyof ReturnType<typeof buildRowInserts>

/** Most rows in one INSERT: 64 runs bind 1,152 values, far below SQLite's 32,766. */
export const MAX_ROWS_PER_INSERT = 64

function prepare(db: Database.Database, q: NamedQuery): Prepared {
  const stmt = db.prepare(q.sql)
  return {
    // One array argument binds as the anonymous parameters, in order, without a spread.
    run: (v) => stmt.run(q.bind(v)).changes,
    get: (v) => stmt.get(q.bind(v)) as any,
    all: (v) => stmt.all(q.bind(v)) as any[],
  }
}

export function openConnection(path: string, synchronous: 'full' | 'normal'): Connection {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true })
  const db = new Database(path)
  try {
    db.pragma('journal_mode = WAL')
    // `full` durability without blocking the event loop: COMMIT runs at NORMAL (in WAL mode that
    // still syncs around checkpoints) and the WAL file is synced on the thread pool after each
    // group commit; writers are told "done" only after that sync (see group-commit.ts). It is
    // `fdatasync`, as SQLite's own syncs are on Linux: the file's data and size reach the disk,
    // not its modification time (once the WAL has reached its working size, a commit rewrites
    // frames within it and only data changes).
    const asyncSync = synchronous === 'full' && path !== ':memory:'
    db.pragma(`synchronous = ${synchronous === 'full' && !asyncSync ? 'FULL' : 'NORMAL'}`)
    db.pragma('busy_timeout = 5000')
    migrateSqlite(db)
    const statements = buildStatements(sqliteBuilder())
    const s = Object.fromEntries(Object.entries(statements).map(([k, q]) => [k, prepare(db, q)])) as Statements
    const control = (text: string) => {
      const stmt = db.prepare(text)
      return () => {
        stmt.run()
      }
    }
    const tx: TxControl = {
      begin: control('BEGIN IMMEDIATE'),
      commit: control('COMMIT'),
      rollback: control('ROLLBACK'),
      inTransaction: () => db.inTransaction,
      savepoint: control('SAVEPOINT op'),
      release: control('RELEASE op'),
      rollbackToSavepoint: control('ROLLBACK TO op'),
    }
    let walFd: number | null = null
    if (asyncSync) {
      tx.durable = () =>
        new Promise<void>((resolvePromise, reject) => {
          try {
            walFd ??= openSync(`${path}-wal`, 'r')
          } catch (error) {
            reject(error)
            return
          }
          fdatasync(walFd, (error) => (error ? reject(error) : resolvePromise()))
        })
    }
    const release = () => {
      if (walFd !== null) closeSync(walFd)
      walFd = null
    }
    const cache = new Map<string, Database.Statement>()
    const query = <T>(q: { sql: string; parameters: readonly unknown[] }): T[] => {
      let stmt = cache.get(q.sql)
      if (!stmt) {
        stmt = db.prepare(q.sql)
        if (cache.size > 200) cache.clear()
        cache.set(q.sql, stmt)
      }
      return stmt.all(...q.parameters) as T[]
    }
    // One prepared statement per table and row count, made the first time that count occurs.
    const builders = buildRowInserts(sqliteBuilder())
    const multi = new Map<string, { q: NamedRows; stmt: Database.Statement }>()
    const insertChunk = (table: RowTable, rows: readonly Values[]) => {
      const k = `${table}:${rows.length}`
      let m = multi.get(k)
      if (!m) {
        const q = namedRows(builders[table], rows.length)
        m = { q, stmt: db.prepare(q.sql) }
        multi.set(k, m)
      }
      m.stmt.run(m.q.bind(rows))
    }
    const insertRows = (table: RowTable, rows: readonly Values[]) => {
      if (rows.length <= MAX_ROWS_PER_INSERT) {
        if (rows.length > 0) insertChunk(table, rows)
        return
      }
      for (let at = 0; at < rows.length; at += MAX_ROWS_PER_INSERT) insertChunk(table, rows.slice(at, at + MAX_ROWS_PER_INSERT))
    }
    return { db, tx, s, query, release, insertRows }
  } catch (error) {
    db.close()
    throw error
  }
}
