/**
 * The Postgres backend of the `Store` contract (for many worker processes). Loaded only by
 * `createStore('postgres://…')` or an explicit import, so SQLite users never load `pg`.
 *
 * @example
 * ```ts
 * import { createPostgresStore } from './store/postgres/index.js'
 * const store = createPostgresStore({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', schema: 'pipewright' })
 * await store.migrate()
 * ```
 * @module
 */
import type { Store } from '../contract.js'
import { PostgresStore, type PostgresStoreOptions } from './postgres-store.js'

export type { PostgresStoreOptions } from './postgres-store.js'

/** Create a Postgres store. Connects lazily; connection failures surface as StoreUnavailableError. */
export function createPostgresStore(options: PostgresStoreOptions): Store {
  return new PostgresStore(options)
}
