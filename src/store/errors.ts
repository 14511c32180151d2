/**
 * Store errors, mapped identically by every backend (SQLite, Postgres) so callers and
 * users see one message per failure.
 * @module
 */
import { ErrorCodes, PipewrightError } from '../errors.js'

/** The store cannot be reached or written (disk full, database down). Ingress answers 503. */
export class StoreUnavailableError extends PipewrightError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: ErrorCodes.STORE_UNAVAILABLE, cause })
    this.name = 'StoreUnavailableError'
  }
}

/** A worker tried to write to a run whose lease it no longer holds. */
export class LeaseLostError extends PipewrightError {
  constructor(runId: string, owner: string) {
    super(`run ${runId} is no longer leased by ${owner}; another worker took it over after the lease expired`, {
      code: ErrorCodes.LEASE_LOST,
    })
    this.name = 'LeaseLostError'
  }
}

/**
 * The one mapper every backend uses for an unreachable or unwritable store, so SQLite and
 * Postgres produce the same message shape: what is unavailable, why, and what to check.
 * `target` is a redacted description (`sqlite:/path/db`, `postgres://host:5432/db`).
 */
export function storeUnavailable(target: string, reason: string, cause?: unknown): StoreUnavailableError {
  return new StoreUnavailableError(
    `store ${target} is unavailable: ${reason}. Check that the database is reachable and its disk is writable; writes are refused until it is`,
    cause,
  )
}
