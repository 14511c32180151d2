/**
 * Sync benchmark (`npm run bench -- sync`): a CRM table of 10,000 contacts (the real Postgres on
 * 127.0.0.1:5432, database `test`) synced to the HubSpot emulator at HubSpot's documented
 * Free/Starter limits (100 calls per 10 s, search 5 per second), through the real runtime: write
 * runs, the gateway's pacing and its coalescing into batch upserts of 100.
 *
 * 1. Initial sync: records/s against the ceiling the limits allow (100 calls / 10 s × 100 records
 *    = 1,000 records/s), and the 429s the emulator answered (target: ≥ 90 %, zero 429s).
 * 2. Then 1 % changed on each side (100 CRM rows, 100 HubSpot contacts): time until a pass writes
 *    nothing, and the writes issued (target: exactly the 200 changed records, no echo).
 *
 *   npx jiti bench/sync.ts [contacts=10000]
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import pg from 'pg'
import { hubspotEmulator } from '../src/connectors/hubspot/emulator.js'
import { createRuntime } from '../src/runtime.js'
import { compileSync } from '../src/sync/compile.js'

const PG = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const SCHEMA = 'pw_bench_sync'
const TEN_SECONDLY = 100
const BATCH = 100
const CONCURRENCY = Number(process.env.BENCH_SYNC_CONCURRENCY ?? 1000)

export async function runSync(total = 10_000) {
  const pool = new pg.Pool({ connectionString: PG, max: 2 })
  await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA};
    CREATE TABLE ${SCHEMA}.contacts (id serial PRIMARY KEY, email text UNIQUE NOT NULL, first_name text, last_name text,
      plan text, stage text, updated_at timestamptz NOT NULL DEFAULT clock_timestamp())`)
  await pool.query(
    `INSERT INTO ${SCHEMA}.contacts (email, first_name, last_name, plan, updated_at)
     SELECT 'user' || g || '@acme.com', 'User', 'N' || g, CASE WHEN g % 3 = 0 THEN 'pro' ELSE 'free' END, now() - interval '1 hour'
     FROM generate_series(1, ${total}) g`,
  )
  const emu = hubspotEmulator({ tenSecondlyLimit: TEN_SECONDLY, searchPerSecond: 5, searchLagMs: 2000 })
  const url = await emu.listen()
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-sync-'))
  const sync = compileSync(
    {
      id: 'contacts',
      sides: {
        a: { side: `postgres:crm/${SCHEMA}.contacts`, matchKeys: ['email'] },
        b: { side: 'hubspot:main/contacts' },
      },
      match: { a: 'email', b: 'email', normalize: 'email' },
      fields: [
        { a: 'email', b: 'email', owner: 'a' },
        { a: 'first_name', b: 'firstname', owner: 'latest' },
        { a: 'last_name', b: 'lastname', owner: 'latest' },
        { a: 'plan', b: 'plan', direction: 'a-to-b' },
        { a: 'stage', b: 'lifecyclestage', direction: 'b-to-a' },
      ],
      create: 'a-to-b',
      schedule: { every: '1h', repair: false },
    },
    { format: 'ts' },
  )
  const rt = await createRuntime({
    cwd: dir,
    env: {},
    pipelines: [],
    syncs: [sync],
    connections: { postgres: { crm: { url: PG, poolSize: 4 } }, hubspot: { main: { token: 'pat-bench', baseUrl: url } } },
    allowPrivateNetwork: ['127.0.0.0/8'],
    databaseUrl: `sqlite:${join(dir, 'pw.db')}`,
    // runs in flight: enough to fill batches of 100 at 10 calls a second while earlier runs record
    concurrency: CONCURRENCY,
    scheduler: false,
    logLevel: 'silent',
  })
  const status = (code: number) => emu.requests().filter((r) => r.status === code).length
  const batchCalls = () => emu.requests().filter((r) => r.path.includes('/batch/')).length
  try {
    // ── 1. initial sync ──
    const t0 = Date.now()
    const first = await rt.syncs.run('contacts', { settleTimeoutMs: 600_000 })
    const firstWriteMs = (emu.requests().find((r) => r.path.includes('/batch/'))?.receivedAt ?? t0) - t0
    const seconds = (Date.now() - t0) / 1000
    const created = emu.state.objects.contacts.size
    const ceiling = (TEN_SECONDLY / 10) * BATCH
    const initial = {
      records: created,
      seconds: round(seconds),
      recordsPerSecond: round(created / seconds),
      ceilingRecordsPerSecond: ceiling,
      shareOfCeiling: round(created / seconds / ceiling),
      /** Reading both sides, matching and starting the runs, before the first write. */
      secondsBeforeFirstWrite: round(firstWriteMs / 1000),
      /** Records/s from the first write to the last run recorded (the write phase alone). */
      writeRecordsPerSecond: round(created / Math.max(0.001, seconds - firstWriteMs / 1000)),
      batchCalls: batchCalls(),
      status429: status(429),
      runs: first.runs,
    }
    // the echo pass: HubSpot's search now shows the new contacts (ours coming back), nothing to write
    await new Promise((r) => setTimeout(r, 2500))
    const t2 = Date.now()
    const echo = await rt.syncs.run('contacts', { settleTimeoutMs: 600_000 })
    const echoPass = { seconds: round((Date.now() - t2) / 1000), read: echo.read, echoes: echo.echoes, writes: echo.runs.started }
    // ── 2. 1 % changed on each side ──
    const n = Math.max(1, Math.round(total / 100))
    await pool.query(`UPDATE ${SCHEMA}.contacts SET last_name = last_name || ' (crm)', updated_at = clock_timestamp() WHERE id <= $1`, [n])
    const hubIds = [...emu.state.objects.contacts.values()].slice(-n).map((r) => r.id)
    for (const id of hubIds) {
      const res = await fetch(`${url}/crm/v3/objects/contacts/${id}`, {
        method: 'PATCH',
        // a person's edits, with their own token (HubSpot's limits are per app token)
        headers: { authorization: 'Bearer pat-person', 'content-type': 'application/json' },
        body: JSON.stringify({ properties: { lifecyclestage: 'customer' } }),
      })
      if (res.status !== 200) throw new Error(`HubSpot edit answered ${res.status}`)
    }
    const t1 = Date.now()
    let writes = { a: 0, b: 0 }
    let passes = 0
    for (;;) {
      const r = await rt.syncs.run('contacts', { settleTimeoutMs: 600_000 })
      passes += 1
      writes = { a: writes.a + r.writes.a.update + r.writes.a.create, b: writes.b + r.writes.b.update + r.writes.b.create }
      const all = (await pool.query(`SELECT count(*) FILTER (WHERE stage = 'customer') AS a FROM ${SCHEMA}.contacts`)).rows[0]
      const done = Number(all.a) === n && writes.b >= n
      if ((done && r.runs.started === 0) || Date.now() - t1 > 120_000) break
    }
    const changes = {
      changedPerSide: n,
      secondsToConverge: round((Date.now() - t1) / 1000),
      passes,
      writesToCrm: writes.a,
      writesToHubspot: writes.b,
      exact: writes.a === n && writes.b === n,
      status429: status(429),
    }
    const out = { initial, echoPass, changes }
    console.log('\nsync: Postgres → HubSpot emulator (Starter limits: 100 calls / 10 s, batch upsert of 100)')
    console.log(
      `  initial ${initial.records} contacts in ${initial.seconds} s: ${initial.recordsPerSecond} records/s = ${Math.round(initial.shareOfCeiling * 100)} % of the ${ceiling}/s ceiling (first write after ${initial.secondsBeforeFirstWrite} s; write phase ${initial.writeRecordsPerSecond} records/s), ${initial.batchCalls} batch calls, ${initial.status429} × 429`,
    )
    console.log(
      `  echo pass (reads our ${echoPass.read.b} writes back from HubSpot search): ${echoPass.seconds} s, ${echoPass.echoes} echoes, ${echoPass.writes} writes`,
    )
    console.log(
      `  1 % changed on each side (${n} + ${n}): converged in ${changes.secondsToConverge} s over ${passes} passes; writes ${changes.writesToCrm} to the CRM, ${changes.writesToHubspot} to HubSpot (${changes.exact ? 'exactly the changed records' : 'NOT exactly the changed records'}); 429s total ${changes.status429}`,
    )
    return out
  } finally {
    await rt.close(5000)
    await emu.close()
    await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`)
    await pool.end()
    rmSync(dir, { recursive: true, force: true })
  }
}

const round = (x: number) => Math.round(x * 100) / 100

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runSync(Number(process.argv[2] ?? 10_000))
}
