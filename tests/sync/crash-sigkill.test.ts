/**
 * SIGKILL in the middle of a sync, then a restart (real processes: `pipewright start`, a real
 * SQLite store file, two real Postgres tables as the sides): the restarted process resumes —
 * from the stored cursors, the stored links and the write runs already started — and the sync
 * converges with nothing lost and nothing written twice:
 *
 * - every customer is on the other side once, with its fields (no loss, no duplicate record);
 * - each write is in exactly one run (runs carry batches of writes; a re-planned write finds its
 *   batch's run busy or gets the same delivery id: no second run);
 * - the provider saw one INSERT per record; a create repeated after the kill (at-least-once: its
 *   effect made, its record not) arrives as an idempotent upsert, at most once per record, and
 *   only for records the dead process had written;
 * - once converged, a pass writes nothing (no echo).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStore } from '../../src/store/index.js'
import { type WriteBatch, writePipelineId } from '../../src/sync/writes.js'
import { tempDir } from '../helpers/engine.js'
import { type Spawned, spawnPipewright } from '../helpers/process.js'

const URL = 'postgres://postgres@127.0.0.1:5432/test'
const SCHEMA = 'pw_i19c_sigkill'
const N = 2000

const SYNC = `id: people
sides:
  a: { side: "postgres:${SCHEMA}.customers", key: customer_id, matchKeys: [email] }
  b: { side: "postgres:${SCHEMA}.contacts", key: contact_id, matchKeys: [email] }
match: { a: email, b: email, normalize: email }
create: a-to-b
fields:
  - { a: email, b: email, owner: a }
  - { a: name, b: fullname, owner: a }
  - { a: plan, b: plan, direction: a-to-b }
schedule: { every: 1s, repair: false }
`

let pool: pg.Pool
let tmp: ReturnType<typeof tempDir>
const procs: Spawned[] = []

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: URL, max: 2 })
  await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA};
    CREATE TABLE ${SCHEMA}.customers (customer_id serial PRIMARY KEY, email text UNIQUE NOT NULL, name text, plan text,
      updated_at timestamptz NOT NULL DEFAULT clock_timestamp());
    CREATE TABLE ${SCHEMA}.contacts (contact_id serial PRIMARY KEY, email text UNIQUE NOT NULL, fullname text, plan text,
      updated_at timestamptz NOT NULL DEFAULT clock_timestamp());
    CREATE TABLE ${SCHEMA}.audit (tbl text, op text, email text);
    CREATE FUNCTION ${SCHEMA}.audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO ${SCHEMA}.audit VALUES (TG_TABLE_NAME, TG_OP, NEW.email); RETURN NEW; END $$;
    CREATE TRIGGER audit_contacts AFTER INSERT OR UPDATE ON ${SCHEMA}.contacts FOR EACH ROW EXECUTE FUNCTION ${SCHEMA}.audit_row();
    CREATE TRIGGER audit_customers AFTER INSERT OR UPDATE ON ${SCHEMA}.customers FOR EACH ROW EXECUTE FUNCTION ${SCHEMA}.audit_row();`)
  await pool.query(
    `INSERT INTO ${SCHEMA}.customers (email, name, plan)
     SELECT 'user' || i || '@acme.com', 'User ' || i, CASE WHEN i % 3 = 0 THEN 'pro' ELSE 'free' END FROM generate_series(1, ${N}) i`,
  )
  await pool.query(`DELETE FROM ${SCHEMA}.audit`)
  tmp = tempDir('pw-sync-kill-')
  mkdirSync(join(tmp.dir, 'syncs'))
  writeFileSync(join(tmp.dir, 'syncs', 'people.yaml'), SYNC)
})
afterAll(async () => {
  for (const p of procs) await p.kill('SIGKILL')
  await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`)
  await pool.end()
  tmp?.cleanup()
})

const count = async (sql: string): Promise<number> => Number((await pool.query(sql)).rows[0].n)
const db = () => `sqlite:${join(tmp.dir, 'pw.db')}`
const start = async () => {
  const p = await spawnPipewright(
    ['start', '--port', '0', '--lease-ms', '10000'],
    { PIPEWRIGHT_DATABASE_URL: db(), POSTGRES_URL: URL },
    tmp.dir,
    60_000,
  )
  procs.push(p)
  return p
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (e) {
      last = e
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('SIGKILL mid-sync and restart', () => {
  it('resumes and converges: nothing lost, nothing written twice, then no writes', async () => {
    const first = await start()
    // Kill as soon as the provider has some of the records, not all.
    const atKill = await until(
      'the first writes',
      async () => {
        const n = await count(`SELECT count(*) AS n FROM ${SCHEMA}.contacts`)
        return n > 0 ? n : null
      },
      120_000,
    )
    await first.kill('SIGKILL')
    expect(first.child.signalCode).toBe('SIGKILL')
    // Statements the dead process had sent still finish in Postgres (its backends notice the
    // closed socket only afterwards): what it wrote is known once none of them is active.
    await until(
      'the statements of the killed process to end',
      async () =>
        (await count(`SELECT count(*) AS n FROM pg_stat_activity
          WHERE state <> 'idle' AND pid <> pg_backend_pid() AND query LIKE '%${SCHEMA}%'`)) === 0,
      30_000,
    )
    const before = (await pool.query(`SELECT email FROM ${SCHEMA}.contacts`)).rows.map((r) => r.email as string)
    const written = before.length
    expect(written, 'killed mid-sync, not after it').toBeLessThan(N)

    // What the dead process left: runs it started, some executing.
    const store = await createStore(db())
    await store.migrate()
    const left = await store.countRuns({ pipelineId: writePipelineId('people') })
    await store.close()
    const executing = left.running ?? 0

    const second = await start()
    const settled = await until(
      'the sync to converge after the restart',
      async () => {
        const res = await fetch(`${second.url}/api/v1/syncs/people`)
        const s = (await res.json()) as any
        const done =
          s.links?.linked === N &&
          s.pending === 0 &&
          s.lastPass?.runs?.pending === 0 &&
          s.lastPass.read.a === 0 &&
          Object.values(s.lastPass.writes.b).every((v) => v === 0)
        return done ? s : null
      },
      240_000,
    )
    await second.kill('SIGTERM')

    // Nothing lost, no duplicate record, fields as the rules say.
    expect(await count(`SELECT count(*) AS n FROM ${SCHEMA}.contacts`)).toBe(N)
    expect(await count(`SELECT count(DISTINCT email) AS n FROM ${SCHEMA}.contacts`)).toBe(N)
    expect(
      await count(`SELECT count(*) AS n FROM ${SCHEMA}.customers c JOIN ${SCHEMA}.contacts k
        ON k.email = c.email AND k.fullname = c.name AND k.plan = c.plan`),
    ).toBe(N)
    // Nothing written twice: one INSERT per record; repeats only of writes cut off by the kill.
    expect(await count(`SELECT count(*) AS n FROM ${SCHEMA}.audit WHERE tbl = 'contacts' AND op = 'INSERT'`)).toBe(N)
    const updates = (
      await pool.query(`SELECT email, count(*) AS n FROM ${SCHEMA}.audit WHERE tbl = 'contacts' AND op = 'UPDATE' GROUP BY email`)
    ).rows as Array<{ email: string; n: string }>
    const repeats = updates.length
    expect(updates.filter((u) => Number(u.n) > 1)).toEqual([])
    expect(updates.map((u) => u.email).filter((e) => !before.includes(e))).toEqual([])
    expect(await count(`SELECT count(*) AS n FROM ${SCHEMA}.audit WHERE tbl = 'customers'`)).toBe(0)
    // One run per write (a run carries up to 100 writes), every one succeeded.
    const reopened = await createStore(db())
    await reopened.migrate()
    try {
      const runs = await reopened.countRuns({ pipelineId: writePipelineId('people') })
      expect(runs).toMatchObject({ dead: 0, queued: 0, running: 0, waiting: 0 })
      const jobs: string[] = []
      for (const run of await reopened.listRuns({ pipelineId: writePipelineId('people'), limit: 10_000 })) {
        const event = (await reopened.getEvent(run.eventId))!.payload as WriteBatch
        jobs.push(...event.jobs.map((j) => j.linkId))
      }
      expect(jobs).toHaveLength(N)
      expect(new Set(jobs).size).toBe(N)
      expect(await reopened.sync.getCursor('people', 'a')).not.toBeNull()
      expect(await reopened.sync.countLinks('people')).toMatchObject({ linked: N, unmatched: 0, ambiguous: 0 })
    } finally {
      await reopened.close()
    }
    expect(settled.conflicts).toBe(0)
    console.info(
      `sigkill: ${atKill}/${N} written when the kill was decided, ${written} after it; ${executing} runs executing; ${repeats} repeated upserts`,
    )
  }, 420_000)
})
