/**
 * Which Postgres failures mean "the store is unavailable" (ingress answers 503): the server
 * cannot be reached, refuses or drops the connection, is shutting down, is out of resources,
 * the database does not exist or authentication failed, or the store was closed. The message
 * comes from the shared `storeUnavailable` mapper, as for SQLite.
 * @module
 */
import { isPipewrightError } from '../../errors.js'
import { storeUnavailable } from '../errors.js'

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN'])
// SQLSTATE: 08 connection exception, 53 insufficient resources, 57P0x shutdown, 58 system (I/O),
// 28 invalid authorization, 3D000 database does not exist, 25006 read-only transaction (standby).
const SQLSTATE = /^(08|53|57P0|58|28|3D000$|25006$)/
const MESSAGES =
  /connection terminated|timeout exceeded when trying to connect|connection error|cannot use a pool after calling end|not queryable/i

export function isConnectionFailure(error: unknown): boolean {
  if (isPipewrightError(error)) return (error as { code?: string }).code === 'PW_STORE_UNAVAILABLE'
  const e = error as { code?: unknown; message?: unknown } | null
  const code = typeof e?.code === 'string' ? e.code : ''
  const message = typeof e?.message === 'string' ? e.message : ''
  return NETWORK_CODES.has(code) || SQLSTATE.test(code) || MESSAGES.test(message)
}

export function mapPostgresError(target: string, error: unknown): unknown {
  if (isPipewrightError(error) || !isConnectionFailure(error)) return error
  const e = error as { code?: unknown; message?: unknown }
  const code = typeof e.code === 'string' && e.code !== '' ? ` (${e.code})` : ''
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : 'connection failed'
  return storeUnavailable(target, `${message}${code}`, error)
}

/** `postgres://user@host:5432/db` — the password is never shown. */
export function describeTarget(connectionString: string, schema: string): string {
  try {
    const url = new URL(connectionString)
    url.password = ''
    return `${url.protocol}//${url.username ? `${url.username}@` : ''}${url.host}${url.pathname} (schema ${schema})`
  } catch {
    return `postgres (schema ${schema})`
  }
}
