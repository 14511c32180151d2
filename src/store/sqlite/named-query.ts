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
  // Per position: the name to read from `values`, or a literal written in the builder.
  const literals: unknown[] = []
  const reads: string[] = []
  for (const p of compiled.parameters) {
    if (typeof p === 'string' && p.startsWith(MARK)) {
      reads.push(`c(v[${JSON.stringify(p.slice(MARK.length))}])`)
    } else {
      reads.push(`l[${literals.length}]`)
      literals.push(forSqlite(p))
    }
  }
  // The binder is generated once per statement: `(v) => [c(v["id"]), c(v["pipeline_id"]), l[0], …]`.
  // Each read has a constant name, so V8 gives it its own inline cache, where a loop over the
  // names would make one megamorphic lookup per value (the ingest inserts bind 7 and 18 values
  // per event). Names come from our own statements, never from input; JSON.stringify quotes them.
  const bind = new Function('l', 'c', `return (v) => [${reads.join(', ')}]`)(literals, forSqlite) as (values: Values) => unknown[]
  return { sql: compiled.sql, bind }
}
