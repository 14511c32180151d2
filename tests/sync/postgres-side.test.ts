/**
 * The Postgres side and record source against the real Postgres: reads by
 * `(updated_at, key)` with microsecond cursors, soft deletes, scan paging, and a sync between a
 * Postgres table and an in-memory table through the runtime (writes as runs, no echo).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createPostgresConnector } from '../../src/connectors/postgres/index.js'
import { systemClock } from '../../src/engine/clock.js'
import { createRuntime, type Runtime } from '../../src/runtime.js'
import type { SourceContext } from '../../src/sources/contract.js'
import { createPostgresSource } from '../../src/sources/postgres.js'
import { compileSync } from '../../src/sync/compile.js'
import { MemoryTable, memoryConnector } from '../../src/sync/sides/memory.js'

const URL = 'postgres://postgres@127.0.0.1:5432/test'
const SCHEMA = 'pw_i19_pgside'
let pool: pg.Pool

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: URL, max: 2 })
  await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA}`)
})
afterAll(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`)
  await pool.end()
})
beforeEach(async () => {
  await pool.query(`DROP TABLE IF EXISTS ${SCHEMA}.customers;
    CREATE TABLE ${SCHEMA}.customers (
      customer_id serial PRIMARY KEY, email text UNIQUE, name text, plan text, stage text,
      updated_at timestamptz NOT NULL DEFAULT clock_timestamp(), deleted_at timestamptz)`)
})

describe('Postgres record source', () => {
  let conn: ReturnType<typeof createPostgresConnector>
  let ctx: SourceContext
  beforeEach(() => {
    conn = createPostgresConnector()
    ctx = {
      clock: systemClock,
      invoke: (ref, input) => {
        const action = conn.actions[ref.replace(/^postgres\./, '')]!
        const parsed = action.input!.parse(input)
        return action.run(parsed, { connection: { url: URL, poolSize: 2 }, connectionName: 'default' } as never)
      },
    }
  })
  afterEach(async () => conn.close?.())

  it('reads changes after a microsecond cursor in (updated_at, key) order, soft deletes included', async () => {
    // three rows sharing one timestamp with microseconds, and one later
    await pool.query(`INSERT INTO ${SCHEMA}.customers (email, updated_at) VALUES
      ('a@x.co', '2026-01-01 00:00:00.000500+00'), ('b@x.co', '2026-01-01 00:00:00.000500+00'),
      ('c@x.co', '2026-01-01 00:00:00.000500+00'), ('d@x.co', '2026-01-01 00:00:01.000001+00')`)
    const source = createPostgresSource(
      { table: 'customers', schema: SCHEMA, key: 'customer_id', deletedColumn: 'deleted_at', settleMs: 0 },
      ctx,
    )
    const p1 = await source.readChanges(null, { limit: 2 })
    expect(p1.records.map((r) => r.fields.email)).toEqual(['a@x.co', 'b@x.co'])
    expect(p1.records[0]!.modifiedAt).toBe(Date.UTC(2026, 0, 1) + 0.5)
    expect(p1.more).toBe(true)
    const p2 = await source.readChanges(p1.cursor, { limit: 2 })
    expect(p2.records.map((r) => r.fields.email)).toEqual(['c@x.co', 'd@x.co'])
    const p3 = await source.readChanges(p2.cursor, { limit: 2 })
    expect(p3).toMatchObject({ records: [], more: false, cursor: p2.cursor })
    await pool.query(`UPDATE ${SCHEMA}.customers SET deleted_at = now(), updated_at = clock_timestamp() WHERE email = 'a@x.co'`)
    const p4 = await source.readChanges(p3.cursor)
    expect(p4.records).toHaveLength(1)
    expect(p4.records[0]).toMatchObject({ id: '1', deleted: true })
    expect((await source.get(['1', '2', '99'])).map((r) => r.id)).toEqual(['2'])
    const scanned: string[] = []
    for await (const page of source.scan({ limit: 2 })) scanned.push(...page.map((r) => String(r.fields.email)))
    expect(scanned.sort()).toEqual(['b@x.co', 'c@x.co', 'd@x.co'])
  })

  it('holds back rows younger than settleMs so the cursor never passes an uncommitted row', async () => {
    await pool.query(`INSERT INTO ${SCHEMA}.customers (email) VALUES ('new@x.co')`)
    const settled = createPostgresSource({ table: 'customers', schema: SCHEMA, key: 'customer_id', settleMs: 60_000 }, ctx)
    expect((await settled.readChanges(null)).records).toEqual([])
    const eager = createPostgresSource({ table: 'customers', schema: SCHEMA, key: 'customer_id', settleMs: 0 }, ctx)
    expect((await eager.readChanges(null)).records).toHaveLength(1)
  })
})

describe('postgres:<connection>/<table> side in a sync', () => {
  let runtime: Runtime
  let dir: string
  let hub: MemoryTable
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pw-pgside-'))
    hub = new MemoryTable('hub', systemClock)
    const sync = compileSync(
      {
        id: 'customers',
        sides: {
          a: {
            side: `postgres:crm/${SCHEMA}.customers`,
            key: 'customer_id',
            matchKeys: ['email'],
            deletedColumn: 'deleted_at',
            settleMs: 0,
            fields: ['email', 'name', 'plan', 'stage'],
          },
          b: { side: 'memory:hub', matchKeys: ['email'] },
        },
        match: { a: 'email', b: 'email', normalize: 'email' },
        fields: [
          { a: 'email', b: 'email', owner: 'a' },
          { a: 'name', b: 'fullname', owner: 'latest' },
          { a: 'plan', b: 'plan', direction: 'a-to-b' },
          { a: 'stage', b: 'lifecyclestage', direction: 'b-to-a' },
        ],
        deletes: 'archive',
        schedule: { every: '1h', repair: false },
      },
      { format: 'ts' },
    )
    runtime = await createRuntime({
      cwd: dir,
      env: {},
      pipelines: [],
      syncs: [sync],
      connectors: [memoryConnector({ hub })],
      connections: { memory: { default: {} }, postgres: { crm: { url: URL } } },
      databaseUrl: `sqlite:${join(dir, 'pw.db')}`,
      scheduler: false,
      logLevel: 'silent',
      clock: systemClock,
    })
  })
  afterEach(async () => {
    await runtime.close(2000)
    rmSync(dir, { recursive: true, force: true })
  })

  it('creates both ways, propagates owned fields, writes nothing on the next pass, archives by soft delete', async () => {
    await pool.query(`INSERT INTO ${SCHEMA}.customers (email, name, plan) VALUES ('ann@acme.com', 'Ann', 'pro')`)
    hub.put({ email: 'Bob@Acme.com', fullname: 'Bob', lifecyclestage: 'lead' })
    const first = await runtime.syncs.run('customers')
    expect(first.runs).toMatchObject({ succeeded: 2, dead: 0 })
    expect(hub.find('email', 'ann@acme.com')[0]?.fields).toMatchObject({ fullname: 'Ann', plan: 'pro' })
    const bob = (await pool.query(`SELECT * FROM ${SCHEMA}.customers WHERE email ILIKE 'bob@acme.com'`)).rows[0]
    expect(bob).toMatchObject({ name: 'Bob', stage: 'lead' })

    const second = await runtime.syncs.run('customers')
    expect(second.runs.started).toBe(0)

    await pool.query(`UPDATE ${SCHEMA}.customers SET name = 'Ann Smith', updated_at = clock_timestamp() WHERE email = 'ann@acme.com'`)
    const annB = hub.find('email', 'ann@acme.com')[0]!.id
    hub.patch(annB, { lifecyclestage: 'customer' })
    const third = await runtime.syncs.run('customers')
    expect(third.runs.dead).toBe(0)
    expect(hub.read(annB)).toMatchObject({ fullname: 'Ann Smith' })
    expect((await pool.query(`SELECT stage FROM ${SCHEMA}.customers WHERE email = 'ann@acme.com'`)).rows[0].stage).toBe('customer')
    expect((await runtime.syncs.run('customers')).runs.started).toBe(0)

    hub.remove(annB)
    await runtime.syncs.run('customers')
    const ann = (await pool.query(`SELECT deleted_at FROM ${SCHEMA}.customers WHERE email = 'ann@acme.com'`)).rows[0]
    expect(ann.deleted_at).not.toBeNull()
  })
})
