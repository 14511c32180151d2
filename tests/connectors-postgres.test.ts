import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createPostgresConnector } from '../src/connectors/postgres/connector.js'
import { quoteIdent, upsertStatements } from '../src/connectors/postgres/sql.js'
import { isNonRetryable } from '../src/errors.js'
import { makeActionContext } from './conformance/connector-suite.js'

const URL = 'postgres://postgres@127.0.0.1:5432/test'
let admin: pg.Client
let schema: string
let connector: ReturnType<typeof createPostgresConnector>

beforeEach(async () => {
  admin = new pg.Client({ connectionString: URL })
  await admin.connect()
  schema = `pw_pg_${randomUUID().replace(/-/g, '').slice(0, 12)}`
  await admin.query(`CREATE SCHEMA ${schema}`)
  await admin.query(`CREATE TABLE ${schema}.leads (email text PRIMARY KEY, name text, score int, meta jsonb)`)
  await admin.query(
    `CREATE TABLE ${schema}."we""ird table" ("Org Id" text, "Region" text, "Full Name" text, PRIMARY KEY ("Org Id", "Region"))`,
  )
  connector = createPostgresConnector()
})
afterEach(async () => {
  await connector.close?.()
  await admin.query(`DROP SCHEMA ${schema} CASCADE`)
  await admin.end()
})

function ctx(extra: Record<string, unknown> = {}) {
  return makeActionContext(connector.connection.parse({ url: URL, schema, table: 'leads', key: ['email'], ...extra }), 'postgres.upsert')
}
const action = () => connector.actions.upsert
const run = (input: unknown, extra?: Record<string, unknown>) => action().run(action().input?.parse(input), ctx(extra))
const rows = async (sql = `SELECT email, name, score, meta FROM ${schema}.leads ORDER BY email`) => (await admin.query(sql)).rows

describe('postgres.upsert against a real PostgreSQL', () => {
  it('is idempotent: running the same rows twice leaves one row per key', async () => {
    const input = {
      rows: [
        { email: 'a@x.co', name: 'A', score: 1, meta: { src: 'clay' } },
        { email: 'b@x.co', name: 'B', score: 2 },
      ],
    }
    await run(input)
    await run(input)
    expect(await rows()).toEqual([
      { email: 'a@x.co', name: 'A', score: 1, meta: { src: 'clay' } },
      { email: 'b@x.co', name: 'B', score: 2, meta: null },
    ])
  })

  it('updates only the columns a row mentions, and merges duplicate keys within one call', async () => {
    await run({ rows: [{ email: 'a@x.co', name: 'A', score: 1 }] })
    await run({
      rows: [
        { email: 'a@x.co', score: 5 },
        { email: 'a@x.co', score: 7 },
      ],
    })
    expect(await rows()).toEqual([{ email: 'a@x.co', name: 'A', score: 7, meta: null }])
  })

  it('quotes identifiers: a table name with a quote and a space, composite key columns with spaces', async () => {
    const extra = { table: 'we"ird table', key: ['Org Id', 'Region'] }
    await run(
      {
        rows: [
          { 'Org Id': 'o1', Region: 'eu', 'Full Name': 'One' },
          { 'Org Id': 'o1', Region: 'us', 'Full Name': 'Two' },
        ],
      },
      extra,
    )
    await run({ rows: [{ 'Org Id': 'o1', Region: 'eu', 'Full Name': 'Uno' }] }, extra)
    const got = await rows(`SELECT * FROM ${schema}."we""ird table" ORDER BY "Region"`)
    expect(got).toEqual([
      { 'Org Id': 'o1', Region: 'eu', 'Full Name': 'Uno' },
      { 'Org Id': 'o1', Region: 'us', 'Full Name': 'Two' },
    ])
  })

  it('treats values as parameters, never as SQL', async () => {
    await run({ rows: [{ email: "x'); DROP TABLE leads; --", name: 'Bobby' }] })
    expect((await rows()).map((r) => r.email)).toEqual(["x'); DROP TABLE leads; --"])
  })

  it('writes all rows of a call in one transaction: a bad row rolls back the whole call, permanently', async () => {
    const e = await run({
      rows: [
        { email: 'ok@x.co', score: 1 },
        { email: 'bad@x.co', score: 'not a number' },
      ],
    }).catch((x) => x)
    expect(isNonRetryable(e)).toBe(true)
    expect(e.providerCode).toBe('22P02')
    expect(await rows()).toEqual([])
  })

  it('coalesces calls in a batch into one transaction, and on failure isolates the bad call', async () => {
    const batch = action().batch
    const inputs = [{ rows: [{ email: 'a@x.co' }] }, { rows: [{ email: 'b@x.co', score: 'x' }] }, { rows: [{ email: 'c@x.co' }] }].map(
      (i) => action().input?.parse(i),
    )
    const out = (await batch?.run(inputs, ctx())) as unknown[]
    expect(out[0]).toEqual({ rows: 1 })
    expect(isNonRetryable(out[1])).toBe(true)
    expect(out[2]).toEqual({ rows: 1 })
    expect((await rows()).map((r) => r.email)).toEqual(['a@x.co', 'c@x.co'])
  })

  it('refuses rows without a key value, naming the row and column', async () => {
    const e = await run({ rows: [{ email: 'a@x.co' }, { name: 'no key' }] }).catch((x) => x)
    expect(isNonRetryable(e)).toBe(true)
    expect(e.message).toContain('rows[1] has no value for key column(s) email')
  })

  it('explains a missing unique index on the key columns', async () => {
    const e = await run({ rows: [{ email: 'a@x.co', name: 'A' }] }, { key: ['name'] }).catch((x) => x)
    expect(e.providerCode).toBe('42P10')
    expect(e.message).toContain('add a unique index on the key columns')
  })

  it('makes an unreachable server a retryable network error', async () => {
    const e = await run({ rows: [{ email: 'a@x.co' }] }, { url: 'postgres://postgres@127.0.0.1:1/test' }).catch((x) => x)
    expect(e.name).toBe('RetryableError')
    expect(e.code).toBe('PW_CONNECTOR_NETWORK')
  })

  it('builds chunked statements under the bind-parameter limit', () => {
    const many = Array.from({ length: 25_000 }, (_, i) => ({ a: i, b: i, c: i }))
    const statements = upsertStatements('t', undefined, ['a'], many)
    expect(statements).toHaveLength(2)
    expect(statements.every((s) => s.values.length <= 60_000)).toBe(true)
    expect(quoteIdent('a"b')).toBe('"a""b"')
  })
})
