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

/**
 * Create the store a database URL names. The store opens lazily; call `migrate()` at start-up.
 * `env` supplies the Postgres sizing knobs: `PIPEWRIGHT_PG_POOL_SIZE` (connections per process,
 * default 10) and `PIPEWRIGHT_PG_BATCHES` (group-commit batches in flight, default 4; at most
 * the pool size − 1). See docs/operations.md#sizing.
 */
export async function createStore(url: string = DEFAULT_DATABASE_URL, env: Record<string, string | undefined> = {}): Promise<Store> {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '')
    if (path === '') throw invalid(url, 'the path after "sqlite:" is empty')
    return createSqliteStore({ path })
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { createPostgresStore } = await import('./postgres/index.js')
    const maxConnections = whole(env, 'PIPEWRIGHT_PG_POOL_SIZE', 2, 1000)
    const maxBatchesInFlight = whole(env, 'PIPEWRIGHT_PG_BATCHES', 1, 999)
    return createPostgresStore({
      connectionString: url,
      ...(maxConnections !== undefined ? { maxConnections } : {}),
      ...(maxBatchesInFlight !== undefined ? { maxBatchesInFlight } : {}),
    })
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

/** A whole-number setting from the environment, or undefined when unset. */
function whole(env: Record<string, string | undefined>, name: string, min: number, max: number): number | undefined {
  const raw = env[name]?.trim()
  if (!raw) return undefined
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(
      [{ field: name, message: `must be a whole number from ${min} to ${max} (got "${raw}")` }],
      ErrorCodes.CONFIG_INVALID,
    )
  return n
}
