/**
 * Compile a kysely query once, with named placeholders, and bind values by name later.
 *
 * kysely compiles values to positional parameters. We build each hot-path query with
 * `param('name')` markers instead of values, compile it once at start-up, and remember which
 * position holds which name; literals written in the builder (`'running'`) stay as they are.
 * @module
 */
import type { CompiledQuery } from 'kysely'

const MARK = '\u0000pw-param:'

/** A placeholder for a value bound by name when the statement runs. */
export function param(name: string): any {
  return MARK + name
}

export type Values = object

export interface NamedQuery {
  sql: string
  bind(values: Values): unknown[]
}

/** SQLite cannot bind booleans or undefined. */
function forSqlite(v: unknown): unknown {
  if (v === undefined) return null
  if (typeof v === 'boolean') return v ? 1 : 0
  return v
}

export function named(query: { compile(): CompiledQuery }): NamedQuery {
  const compiled = query.compile()
  // Per position: the name to read from `values`, or null for a literal kept in `literals`.
  // Two flat arrays and a counted loop: the inserts on the ingest path bind 7 and 18 values.
  const names: Array<string | null> = []
  const literals: unknown[] = []
  for (const p of compiled.parameters) {
    const isName = typeof p === 'string' && p.startsWith(MARK)
    names.push(isName ? p.slice(MARK.length) : null)
    literals.push(isName ? undefined : p)
  }
  return {
    sql: compiled.sql,
    bind: (values) => {
      const record = values as Record<string, unknown>
      const out = new Array<unknown>(names.length)
      for (let i = 0; i < names.length; i++) {
        const name = names[i]
        out[i] = forSqlite(name === null ? literals[i] : record[name])
      }
      return out
    },
  }
}
