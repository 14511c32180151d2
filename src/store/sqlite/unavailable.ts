/**
 * Which SQLite failures mean "the store is unavailable" (ingress answers 503) rather than a
 * bug: the file cannot be opened, read or written, the disk is full, another process holds
 * the lock for longer than `busy_timeout`, or the store was closed.
 * @module
 */
import { isPipewrightError } from '../../errors.js'
import { storeUnavailable } from '../errors.js'

const UNAVAILABLE_CODES = /^SQLITE_(CANTOPEN|READONLY|FULL|IOERR|BUSY|LOCKED|NOTADB|CORRUPT|PERM|AUTH)/
const UNAVAILABLE_ERRNO = new Set(['EACCES', 'EPERM', 'ENOTDIR', 'EROFS', 'ENOSPC', 'EEXIST', 'EISDIR'])

export function mapSqliteError(target: string, error: unknown): unknown {
  if (isPipewrightError(error)) return error
  const e = error as { code?: unknown; message?: unknown } | null
  const code = typeof e?.code === 'string' ? e.code : ''
  const message = typeof e?.message === 'string' ? e.message : String(error)
  if (UNAVAILABLE_CODES.test(code) || UNAVAILABLE_ERRNO.has(code) || /database connection is not open/i.test(message)) {
    return storeUnavailable(target, `${message}${code ? ` (${code})` : ''}`, error)
  }
  return error
}
