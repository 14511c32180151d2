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

/** One statement for `n` rows of the same shape (a multi-row INSERT). */
export interface NamedRows {
  sql: string
  rows: number
  /** The values of every row, row after row, in placeholder order. */
  bind(rows: readonly Values[]): unknown[]
}

/** SQLite cannot bind booleans or undefined. */
function forSqlite(v: unknown): unknown {
  if (v === undefined) return null
  if (typeof v === 'boolean') return v ? 1 : 0
  return v
}

/** Per placeholder: the expression that reads it from the row `v`, and the literals it refers to. */
function reads(parameters: readonly unknown[]): { reads: string[]; literals: unknown[] } {
  const literals: unknown[] = []
  const out: string[] = []
  for (const p of parameters) {
    if (typeof p === 'string' && p.startsWith(MARK)) {
      out.push(`c(v[${JSON.stringify(p.slice(MARK.length))}])`)
    } else {
      out.push(`l[${literals.length}]`)
      literals.push(forSqlite(p))
    }
  }
  return { reads: out, literals }
}

export function named(query: { compile(): CompiledQuery }): NamedQuery {
  const compiled = query.compile()
  const r = reads(compiled.parameters)
  // The binder is generated once per statement: `(v) => [c(v["id"]), c(v["pipeline_id"]), l[0], …]`.
  // Each read has a constant name, so V8 gives it its own inline cache, where a loop over the
  // names would make one megamorphic lookup per value (the ingest inserts bind 7 and 18 values
  // per event). Names come from our own statements, never from input; JSON.stringify quotes them.
  const bind = new Function('l', 'c', `return (v) => [${r.reads.join(', ')}]`)(r.literals, forSqlite) as (values: Values) => unknown[]
  return { sql: compiled.sql, bind }
}

/**
 * Compile `build(n)`, a statement for `n` rows each written with the same `param` names (a
 * multi-row INSERT), and bind an array of `n` row objects to it. Each row's placeholders must
 * be the same names in the same order; anything else is a mistake in our statements.
 */
export function namedRows(build: (n: number) => { compile(): CompiledQuery }, n: number): NamedRows {
  const compiled = build(n).compile()
  const per = compiled.parameters.length / n
  const r = reads(compiled.parameters.slice(0, per))
  const same = compiled.parameters.every((p, i) => p === compiled.parameters[i % per])
  if (!Number.isInteger(per) || !same) throw new Error(`namedRows: the ${n} rows of "${compiled.sql.slice(0, 60)}…" differ`)
  // `(rows) => { const out = new Array(n * per); for each row: out[at] = c(v["id"]), … }`, with
  // the same per-name inline caches as `named`.
  const body = r.reads.map((read, i) => `out[at + ${i}] = ${read}`).join('; ')
  const bind = new Function(
    'l',
    'c',
    `return (rows) => { const out = new Array(${n * per}); for (let i = 0, at = 0; i < ${n}; i++, at += ${per}) { const v = rows[i]; ${body} } return out }`,
  )(r.literals, forSqlite) as (rows: readonly Values[]) => unknown[]
  return { sql: compiled.sql, rows: n, bind }
}
