/**
 * SQL for the Postgres table connector: quoted identifiers, and multi-row
 * `INSERT … ON CONFLICT (key) DO UPDATE` statements with parameterised values, chunked under
 * Postgres's 65,535 bind parameters and grouped by column set (a row never nulls a column it
 * did not mention).
 * @module
 */
export type Row = Record<string, unknown>

/** `"name"` with embedded quotes doubled; NUL is refused (Postgres cannot store it in a name). */
export function quoteIdent(name: string): string {
  if (name.length === 0 || name.includes('\u0000')) throw new Error(`invalid SQL identifier ${JSON.stringify(name)}`)
  return `"${name.replace(/"/g, '""')}"`
}

/** `schema.table` as quoted identifiers (the table name itself may contain dots when `schema` is given). */
export function quoteTable(table: string, schema?: string): string {
  return schema ? `${quoteIdent(schema)}.${quoteIdent(table)}` : quoteIdent(table)
}

/** Rows merged per key, in first-seen order (later rows' columns win), so one statement never touches a key twice. */
export function mergeByKey(rows: Row[], key: string[]): Row[] {
  const out = new Map<string, Row>()
  for (const row of rows) {
    const k = JSON.stringify(key.map((c) => row[c]))
    out.set(k, { ...out.get(k), ...row })
  }
  return [...out.values()]
}

const MAX_PARAMS = 60_000

export interface Statement {
  text: string
  values: unknown[]
}

function encode(v: unknown): unknown {
  if (v === undefined) return null
  if (v !== null && typeof v === 'object' && !(v instanceof Date) && !Buffer.isBuffer(v)) return JSON.stringify(v)
  return v
}

/** Upsert statements for already-merged rows. */
export function upsertStatements(table: string, schema: string | undefined, key: string[], rows: Row[]): Statement[] {
  const groups = new Map<string, { columns: string[]; rows: Row[] }>()
  for (const row of rows) {
    const columns = Object.keys(row).sort()
    const sig = JSON.stringify(columns)
    let g = groups.get(sig)
    if (!g) {
      g = { columns, rows: [] }
      groups.set(sig, g)
    }
    g.rows.push(row)
  }
  const target = quoteTable(table, schema)
  const conflict = key.map(quoteIdent).join(', ')
  const out: Statement[] = []
  for (const { columns, rows: group } of groups.values()) {
    const cols = columns.map(quoteIdent).join(', ')
    const updates = columns.filter((c) => !key.includes(c)).map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`)
    const onConflict = updates.length ? `DO UPDATE SET ${updates.join(', ')}` : 'DO NOTHING'
    const perStatement = Math.max(1, Math.floor(MAX_PARAMS / columns.length))
    for (let i = 0; i < group.length; i += perStatement) {
      const chunk = group.slice(i, i + perStatement)
      const values: unknown[] = []
      const tuples = chunk.map((row) => `(${columns.map((c) => `$${values.push(encode(row[c]))}`).join(', ')})`)
      out.push({ text: `INSERT INTO ${target} (${cols}) VALUES ${tuples.join(', ')} ON CONFLICT (${conflict}) ${onConflict}`, values })
    }
  }
  return out
}
