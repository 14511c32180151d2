/**
 * The Postgres migration history, in order (its own history, separate from SQLite's).
 * Append new migrations at the end; the number is the version in `schema_migrations`.
 * @module
 */
import * as m0001 from './0001-initial.js'
import * as m0004 from './0004-sync.js'
import * as m0005 from './0005-credentials.js'
import * as m0006 from './0006-governance.js'
import * as m0007 from './0007-observe.js'
import * as m0008 from './0008-consent.js'

export interface Migration {
  version: number
  name: string
  statements: readonly string[]
}

export const migrations: readonly Migration[] = [
  { version: 1, ...m0001 },
  { version: 4, ...m0004 },
  { version: 5, ...m0005 },
  { version: 6, ...m0006 },
  { version: 7, ...m0007 },
  { version: 8, ...m0008 },
]
