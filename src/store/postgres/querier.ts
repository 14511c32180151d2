/**
 * Runs the named statements (compiled once at start-up, see ../sqlite/statements.ts, which
 * is dialect-neutral kysely code) on one pg client as server-side prepared statements.
 * @module
 */

import type pg from 'pg'
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from '../kysely.js'
import type { NamedQuery, Values } from '../sqlite/named-query.js'
import type { Schema } from '../sqlite/schema.js'
import { buildStatements } from '../sqlite/statements.js'
import { acceptDeduped, acceptPlain } from './accept-statements.js'

export type StatementName = keyof ReturnType<typeof buildStatements> | 'acceptPlain' | 'acceptDeduped'
export type PgStatements = Record<StatementName, NamedQuery>

/** A kysely instance that only compiles Postgres SQL; statements run on `pg` directly. */
export function postgresBuilder(): Kysely<Schema> {
  return new Kysely<Schema>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  })
}

export function compileStatements(): PgStatements {
  return { ...buildStatements(postgresBuilder()), acceptPlain, acceptDeduped }
}

export interface Querier {
  /** Rows affected. */
  run(name: StatementName, values: Values): Promise<number>
  get<T = any>(name: StatementName, values: Values): Promise<T | undefined>
  all<T = any>(name: StatementName, values: Values): Promise<T[]>
  /** Run a query compiled elsewhere (consent statements, listings). */
  query<T = any>(c: { sql: string; parameters: readonly unknown[] }): Promise<T[]>
}

export function querier(client: pg.ClientBase, statements: PgStatements): Querier {
  const exec = (name: StatementName, values: Values) => {
    const q = statements[name]
    return client.query({ name: `pw_${name}`, text: q.sql, values: q.bind(values) })
  }
  return {
    run: async (name, values) => (await exec(name, values)).rowCount ?? 0,
    get: async (name, values) => (await exec(name, values)).rows[0],
    all: async (name, values) => (await exec(name, values)).rows,
    query: async (c) => (await client.query(c.sql, c.parameters as unknown[])).rows,
  }
}
