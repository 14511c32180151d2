/**
 * `trigger: poll` through the real runtime: a Postgres table read from a durable cursor (backfill
 * on the first poll, then only changes), one run per changed record, deduplicated on
 * (record id, modified time) when a page is read again (a crash before the cursor was saved), a
 * restarted process resuming from the stored cursor, and definition errors that name the field.
 */
import pg from 'pg'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { poll } from '../src/pipeline/define.js'
import type { PipelineDefinition } from '../src/pipeline/types.js'
import { createRuntime, type Runtime } from '../src/runtime.js'
import { POLL_CURSOR_NS, type PolledRecord } from '../src/triggers/poll.js'
import { compile, eventually, tempDir } from './helpers/engine.js'

const URL = 'postgres://postgres@127.0.0.1:5432/test'
const SCHEMA = 'pw_i19_poll'
let pool: pg.Pool
let tmp: ReturnType<typeof tempDir>
let runtime: Runtime | null = null
const seen: PolledRecord[] = []

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: URL, max: 2 })
  await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA}`)
})
afterAll(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`)
  await pool.end()
})
beforeEach(async () => {
  tmp = tempDir('pw-poll-')
  seen.length = 0
  await pool.query(`DROP TABLE IF EXISTS ${SCHEMA}.leads;
    CREATE TABLE ${SCHEMA}.leads (id serial PRIMARY KEY, email text, score int,
      updated_at timestamptz NOT NULL DEFAULT clock_timestamp())`)
})
afterEach(async () => {
  await runtime?.close(3000)
  runtime = null
  tmp.cleanup()
})

const pipeline = (over: Record<string, unknown> = {}): PipelineDefinition => ({
  id: 'leads',
  trigger: poll({ source: `postgres:crm/${SCHEMA}.leads`, every: '1h', settleMs: 0, pageSize: 50, ...over }),
  steps: [
    {
      id: 'record',
      code: ({ event }: any) => {
        seen.push(event)
        return { id: event.id }
      },
    },
  ],
})

async function start(def = pipeline()) {
  runtime = await createRuntime({
    cwd: tmp.dir,
    env: {},
    pipelines: [compile(def)],
    connections: { postgres: { crm: { url: URL } } },
    databaseUrl: `sqlite:${tmp.dir}/pw.db`,
    scheduler: false,
    logLevel: 'silent',
  })
  return runtime
}

async function done(rt: Runtime, n: number) {
  return eventually(async () => {
    const c = await rt.hub.store.countRuns({ pipelineId: 'leads' })
    return c.succeeded === n ? c : null
  }, 20_000)
}

describe('poll trigger over a Postgres table', () => {
  it('backfills, then starts runs only for changed rows, each once', async () => {
    await pool.query(`INSERT INTO ${SCHEMA}.leads (email, score) SELECT 'p' || g || '@x.co', g FROM generate_series(1, 120) g`)
    const rt = await start()
    const first = await rt.poller.poll('leads')
    expect(first).toMatchObject({ read: 120, started: 120, duplicates: 0 })
    await done(rt, 120)
    expect(new Set(seen.map((e) => e.id)).size).toBe(120)
    expect(seen[0]).toMatchObject({ source: `postgres:crm/${SCHEMA}.leads`, deleted: false })
    expect(seen.find((e) => e.id === '7')?.fields).toMatchObject({ email: 'p7@x.co', score: 7 })

    expect(await rt.poller.poll('leads')).toMatchObject({ read: 0, started: 0 })
    await pool.query(`UPDATE ${SCHEMA}.leads SET score = 1000, updated_at = clock_timestamp() WHERE id IN (3, 90)`)
    await pool.query(`INSERT INTO ${SCHEMA}.leads (email, score) VALUES ('new@x.co', 1)`)
    expect(await rt.poller.poll('leads')).toMatchObject({ read: 3, started: 3 })
    await done(rt, 123)
    expect(
      seen
        .slice(120)
        .map((e) => e.fields.email)
        .sort(),
    ).toEqual(['new@x.co', 'p3@x.co', 'p90@x.co'])
  })

  it('reading a page again (a crash before the cursor was saved) starts nothing twice; a restart resumes from the stored cursor', async () => {
    await pool.query(`INSERT INTO ${SCHEMA}.leads (email) SELECT 'p' || g || '@x.co' FROM generate_series(1, 80) g`)
    let rt = await start()
    await rt.poller.poll('leads')
    await done(rt, 80)
    // as if the process died after starting the runs of the last page but before saving the cursor
    const cursor = (await rt.hub.store.getKey(POLL_CURSOR_NS, 'leads', Date.now()))!.value as { modifiedAt: number; id: string }
    const rows = (await pool.query(`SELECT id FROM ${SCHEMA}.leads ORDER BY updated_at, id::text`)).rows
    const rewound = await pool.query(
      `SELECT id::text AS id, (extract(epoch from updated_at)*1000000)::bigint AS us FROM ${SCHEMA}.leads WHERE id = $1`,
      [rows[49].id],
    )
    await rt.hub.store.setKey(
      POLL_CURSOR_NS,
      'leads',
      { modifiedAt: Number(rewound.rows[0].us) / 1000, id: rewound.rows[0].id },
      Date.now(),
    )
    expect(await rt.poller.poll('leads')).toMatchObject({ read: 30, started: 0, duplicates: 30 })
    expect((await rt.hub.store.getKey(POLL_CURSOR_NS, 'leads', Date.now()))!.value).toEqual(cursor)

    await rt.close(3000)
    runtime = null
    await pool.query(`UPDATE ${SCHEMA}.leads SET email = 'changed@x.co', updated_at = clock_timestamp() WHERE id = 5`)
    rt = await start()
    expect(await rt.poller.poll('leads')).toMatchObject({ read: 1, started: 1 })
    await done(rt, 81)
    expect(seen.filter((e) => e.id === '5').map((e) => e.fields.email)).toEqual(['p5@x.co', 'changed@x.co'])
  })

  it('backfill: false starts from the present', async () => {
    await pool.query(`INSERT INTO ${SCHEMA}.leads (email) VALUES ('old@x.co')`)
    const rt = await start(pipeline({ backfill: false }))
    expect(await rt.poller.poll('leads')).toMatchObject({ read: 0, started: 0 })
    await pool.query(`INSERT INTO ${SCHEMA}.leads (email) VALUES ('new@x.co')`)
    expect(await rt.poller.poll('leads')).toMatchObject({ read: 1, started: 1 })
  })

  it('polls on its interval when scheduling is on', async () => {
    await pool.query(`INSERT INTO ${SCHEMA}.leads (email) VALUES ('a@x.co'), ('b@x.co')`)
    runtime = await createRuntime({
      cwd: tmp.dir,
      env: {},
      pipelines: [compile(pipeline({ every: '1s' }))],
      connections: { postgres: { crm: { url: URL } } },
      databaseUrl: `sqlite:${tmp.dir}/pw.db`,
      logLevel: 'silent',
    })
    await done(runtime, 2)
    await pool.query(`INSERT INTO ${SCHEMA}.leads (email) VALUES ('c@x.co')`)
    await done(runtime, 3)
  })

  it('a poll pipeline added by a hot reload starts polling without a restart', async () => {
    await pool.query(`INSERT INTO ${SCHEMA}.leads (email) VALUES ('a@x.co'), ('b@x.co')`)
    const other = compile({ id: 'other', trigger: { kind: 'manual', options: {} } as never, steps: [{ id: 's', code: () => 1 }] })
    runtime = await createRuntime({
      cwd: tmp.dir,
      env: {},
      pipelines: [other],
      connections: { postgres: { crm: { url: URL } } },
      databaseUrl: `sqlite:${tmp.dir}/pw.db`,
      logLevel: 'silent',
    })
    // what `pipewright dev` does when a pipeline file is saved
    runtime.reloadPipelines([other, compile(pipeline({ every: '1s' }))])
    await done(runtime, 2)
    await pool.query(`INSERT INTO ${SCHEMA}.leads (email) VALUES ('c@x.co')`)
    await done(runtime, 3)
    expect(seen.map((e) => e.fields.email).sort()).toEqual(['a@x.co', 'b@x.co', 'c@x.co'])
  })

  it('names the bad field of a poll trigger', () => {
    const bad = (o: Record<string, unknown>) => {
      try {
        compile({ id: 'x', trigger: { kind: 'poll', options: o as never }, steps: [{ id: 's', code: () => 1 }] })
        return ''
      } catch (e) {
        return (e as Error).message
      }
    }
    expect(bad({ source: 'nope' })).toMatch(/trigger\.poll\.source.*<kind>:<connection>\/<object>/s)
    expect(bad({ source: 'ftp:x/y' })).toMatch(/unknown source kind "ftp"/)
    expect(bad({ source: 'postgres:crm/leads', every: '10ms' })).toMatch(/trigger\.poll\.every/)
    expect(bad({ source: 'postgres:crm/leads', colour: 'red' })).toMatch(/colour/)
  })
})
