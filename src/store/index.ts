/**
 * Store factory: picks the backend from a database URL.
 *
 * - `sqlite:<path>` (default `sqlite:.pipewright/pipewright.db`) — embedded SQLite.
 * - `postgres://…` / `postgresql://…` — Postgres; `pg` is loaded only then (dynamic import).
 *
 * @example
 * ```ts
 * const store = await createStore('sqlite:.pipewright/pipewright.db')
 * await store.migrate()
 * ```
 * @module
 */
import { ConfigError, ErrorCodes } from '../errors.js'
import type { Store } from './contract.js'
import { createSqliteStore } from './sqlite/index.js'

export type {
  AcceptInput,
  AcceptResult,
  DeadLetterFilter,
  KeyValue,
  LeaseRequest,
  RunFilter,
  RunTransition,
  Store,
  UsageKey,
} from './contract.js'
export { LeaseLostError, StoreUnavailableError } from './errors.js'
export type { SqliteStoreOptions } from './sqlite/index.js'
export { createSqliteStore } from './sqlite/index.js'

export const DEFAULT_DATABASE_URL = 'sqlite:.pipewright/pipewright.db'

/** Create the store a database URL names. The store opens lazily; call `migrate()` at start-up. */
export async function createStore(url: string = DEFAULT_DATABASE_URL): Promise<Store> {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '')
    if (path === '') throw invalid(url, 'the path after "sqlite:" is empty')
    return createSqliteStore({ path })
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { createPostgresStore } = await import('./postgres/index.js')
    return createPostgresStore({ connectionString: url })
  }
  throw invalid(url, 'the scheme is not sqlite: or postgres://')
}

function invalid(url: string, why: string): ConfigError {
  const scheme = url.split(':')[0] ?? ''
  return new ConfigError(
    [{ field: 'PIPEWRIGHT_DATABASE_URL', message: `${why} (got "${scheme}:…"); use sqlite:<path> or postgres://user@host:5432/db` }],
    ErrorCodes.CONFIG_INVALID,
  )
}
