/**
 * The SQLite backend of the `Store` contract (the default; embedded, one file).
 *
 * @example
 * ```ts
 * import { createSqliteStore } from './store/sqlite/index.js'
 * const store = createSqliteStore({ path: '.pipewright/pipewright.db' })
 * await store.migrate()
 * const result = await store.accept({ event, run })
 * await store.close()
 * ```
 * @module
 */
import type { Store } from '../contract.js'
import { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js'

export type { SqliteStoreOptions } from './sqlite-store.js'

/** Create a SQLite store. Opens lazily; failures to open surface as StoreUnavailableError. */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  return new SqliteStore(options)
}
