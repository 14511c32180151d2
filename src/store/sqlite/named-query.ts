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

type Slot = { name: string } | { literal: unknown }

/** SQLite cannot bind booleans or undefined. */
function forSqlite(v: unknown): unknown {
  if (v === undefined) return null
  if (typeof v === 'boolean') return v ? 1 : 0
  return v
}

export function named(query: { compile(): CompiledQuery }): NamedQuery {
  const compiled = query.compile()
  const slots: Slot[] = compiled.parameters.map((p) =>
    typeof p === 'string' && p.startsWith(MARK) ? { name: p.slice(MARK.length) } : { literal: p },
  )
  return {
    sql: compiled.sql,
    bind: (values) => slots.map((s) => forSqlite('name' in s ? (values as Record<string, unknown>)[s.name] : s.literal)),
  }
}
