/**
 * kysely's values, from its CommonJS build: its ES build is 260 modules, which Node's ES loader
 * reads one by one at start-up (≈ 150 ms of CPU and 19 MB on a 2-core machine, against ≈ 95 ms
 * and 12 MB for the CommonJS build). Every store module takes kysely's values from here, so one
 * instance builds and compiles every query. Types still come from `kysely` itself.
 * @module
 */
import { createRequire } from 'node:module'
import type * as K from 'kysely'

const kysely = createRequire(import.meta.url)('kysely') as typeof K

export const {
  sql,
  DummyDriver,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
} = kysely
export const Kysely = kysely.Kysely
export type Kysely<DB> = K.Kysely<DB>
