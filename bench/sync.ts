/**
 * Sync benchmark (`npm run bench -- sync`): a CRM table of contacts (the real Postgres on
 * 127.0.0.1:5432, database `test`) synced to the HubSpot emulator at HubSpot's documented
 * Free/Starter limits (100 calls per rolling 10 s, search 5 per second), through the real
 * runtime: write runs of 100 links, the gateway's pacing and its coalescing into batch upserts.
 *
 * 1. Initial sync of 10,000 contacts: records/s against the long-run ceiling the limits allow
 *    (100 calls / 10 s × 100 records = 1,000 records/s) and the 429s the emulator answered
 *    (target: ≥ 90 %, zero 429s). 10,000 records are 100 calls: one window's worth, which the
 *    rolling window lets through at once, so this figure measures our own speed more than the limit.
 * 2. Then 1 % changed on each side (100 CRM rows, 100 HubSpot contacts): time until a pass writes
 *    nothing, and the writes issued (target: exactly the 200 changed records, no echo).
 * 3. Sustained (`BENCH_SYNC_SUSTAINED`, default 30,000 contacts, 0 skips it): enough calls that the
 *    limit binds. The write phase (first batch call to last) against the least time the window
 *    allows for that many calls (the first 100 at once, then 100 every 10 s).
 * Each sync is measured beside a floor in the same run: the gateway and the emulator alone (no
 * store, no runs, no reads), sending the same upserts, waiting out the limiter as a parked run does.
 *
 *   npx jiti bench/sync.ts [contacts=10000]
 * @module
 */
import { setMaxListeners } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import pg from 'pg'
import { hubspotEmulator } from '../src/connectors/hubspot/emulator.js'
import { ErrorCodes, isPipewrightError, retryAfterOf } from '../src/errors.js'
import { createRuntime } from '../src/runtime.js'
import { compileSync } from '../src/sync/compile.js'

const PG = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const SCHEMA = 'pw_bench_sync'
const TEN_SECONDLY = 100
const BATCH = 100
const CONCURRENCY = Number(process.env.BENCH_SYNC_CONCURRENCY ?? 1000)

const WINDOW_MS = 10_000

/** Timing of the batch writes the emulator received (2xx and 429). */
function writePhase(emu: ReturnType<typeof hubspotEmulator>) {
  const calls = emu.requests().filter((r) => r.path.includes('/batch/') && r.method === 'POST')
  const ok = calls.filter((r) => r.status < 300)
  const first = ok[0]?.receivedAt ?? 0
  const last = ok[ok.length - 1]?.receivedAt ?? 0
  // a rolling window of 100: call k goes no earlier than 10 s after call k − 100
  const leastMs = WINDOW_MS * Math.floor(Math.max(0, ok.length - 1) / TEN_SECONDLY)
  const seconds = (last - first) / 1000
  return {
    calls: ok.length,
    seconds: round(seconds),
    leastSecondsTheLimitsAllow: leastMs / 1000,
    /** Least time the limits allow ÷ the time taken (only when the limit binds). */
    shareOfLimit: leastMs > 0 ? round(leastMs / 1000 / Math.max(seconds, 0.001)) : null,
    status429: calls.filter((r) => r.status === 429).length,
  }
}

/** Seconds from the first batch write to each one (for a look at the pacing). */
function callTimes(emu: ReturnType<typeof hubspotEmulator>) {
  const ok = emu.requests().filter((r) => r.path.includes('/batch/') && r.method === 'POST' && r.status < 300)
  return ok.map((r) => round((r.receivedAt - ok[0]!.receivedAt) / 1000))
}

/** The floor: the same upserts through the gateway and the emulator alone, retried after the limiter's wait. */
export async function floor(total: number) {
  const emu = hubspotEmulator({ tenSecondlyLimit: TEN_SECONDLY, searchPerSecond: 5 })
  const url = await emu.listen()
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-floor-'))
  const rt = await createRuntime({
    cwd: dir,
    env: {},
    pipelines: [],
    connections: { hubspot: { main: { token: 'pat-bench', baseUrl: url } } },
    allowPrivateNetwork: ['127.0.0.0/8'],
    databaseUrl: `sqlite:${join(dir, 'pw.db')}`,
    scheduler: false,
    logLevel: 'silent',
  })
  const signal = new AbortController().signal
  setMaxListeners(0, signal)
  try {
    const t0 = Date.now()
    await Promise.all(
      Array.from({ length: total }, async (_, i) => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await rt.gateway.execute({
              ref: 'hubspot.objects.upsert',
              connection: 'main',
              input: { objectType: 'contacts', idProperty: 'email', properties: { email: `user${i + 1}@acme.com`, firstname: 'User' } },
              runId: 'bench',
              pipelineId: 'bench',
              stepId: `u${i}`,
              attempt,
              idempotencyKey: `bench:u${i}`,
              signal,
            })
          } catch (e) {
            if (!isPipewrightError(e) || e.code !== ErrorCodes.RATE_LIMITED || attempt > 100) throw e
            await new Promise((r) => setTimeout(r, retryAfterOf(e) ?? 1000))
          }
        }
      }),
    )
    const seconds = (Date.now() - t0) / 1000
    return {
      records: emu.state.objects.contacts.size,
      seconds: round(seconds),
      recordsPerSecond: round(total / seconds),
      writes: writePhase(emu),
    }
  } finally {
    await rt.close(5000)
    await emu.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function runSync(total = 10_000, sustained = Number(process.env.BENCH_SYNC_SUSTAINED ?? 30_000)) {
  const floorInitial = await floor(total)
  const out = await syncContacts(total, true)
  const floorSustained = sustained > 0 ? await floor(sustained) : null
  const sus = sustained > 0 ? await syncContacts(sustained, false) : null
  const pct = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${Math.round(x * 100)} %`)
  const { initial, echoPass, changes } = out
  const ceiling = (TEN_SECONDLY / 10) * BATCH
  console.log(
    '\nsync: Postgres → HubSpot emulator (Starter limits: 100 calls / rolling 10 s, batch upsert of 100; write runs of 100 links)',
  )
  console.log(
    `  initial ${initial.records} contacts in ${initial.seconds} s: ${initial.recordsPerSecond} records/s = ${pct(initial.shareOfCeiling)} of the ${ceiling}/s ceiling (first write after ${initial.secondsBeforeFirstWrite} s; write phase ${initial.writes.calls} calls in ${initial.writes.seconds} s), ${initial.runs.started} write runs, ${initial.status429} × 429`,
  )
  console.log(
    `    floor (gateway + emulator alone, same ${total} upserts): ${floorInitial.seconds} s = ${floorInitial.recordsPerSecond} records/s; write phase ${floorInitial.writes.calls} calls in ${floorInitial.writes.seconds} s, ${floorInitial.writes.status429} × 429`,
  )
  console.log(
    `  echo pass (reads our ${echoPass!.read.b} writes back from HubSpot search): ${echoPass!.seconds} s, ${echoPass!.echoes} echoes, ${echoPass!.writes} writes`,
  )
  console.log(
    `  1 % changed on each side (${changes!.changedPerSide} + ${changes!.changedPerSide}): converged in ${changes!.secondsToConverge} s over ${changes!.passes} passes; writes ${changes!.writesToCrm} to the CRM, ${changes!.writesToHubspot} to HubSpot (${changes!.exact ? 'exactly the changed records' : 'NOT exactly the changed records'}); 429s total ${changes!.status429}`,
  )
  if (sus && floorSustained) {
    const i = sus.initial
    console.log(
      `  sustained ${i.records} contacts in ${i.seconds} s: ${i.recordsPerSecond} records/s = ${pct(i.shareOfCeiling)} of the ${ceiling}/s ceiling; write phase ${i.writes.calls} calls in ${i.writes.seconds} s, the limits allow no less than ${i.writes.leastSecondsTheLimitsAllow} s = ${pct(i.writes.shareOfLimit)} of what they allow; ${i.status429} × 429`,
    )
    console.log(
      `    floor (gateway + emulator alone): ${floorSustained.seconds} s = ${floorSustained.recordsPerSecond} records/s; write phase ${floorSustained.writes.calls} calls in ${floorSustained.writes.seconds} s = ${pct(floorSustained.writes.shareOfLimit)} of what the limits allow; ${floorSustained.writes.status429} × 429`,
    )
  }
  return { ...out, floor: floorInitial, ...(sus ? { sustained: { ...sus.initial, floor: floorSustained } } : {}) }
}

export async function syncContacts(total: number, followUps: boolean) {
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
    // runs in flight (each carries up to 100 links)
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
      writes: writePhase(emu),
      status429: status(429),
      runs: first.runs,
      ...(process.env.BENCH_SYNC_TRACE ? { callTimes: callTimes(emu) } : {}),
    }
    if (!followUps) return { initial, echoPass: null, changes: null }
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
    return { initial, echoPass, changes }
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
