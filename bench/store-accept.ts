/**
 * Store accept throughput: 50 concurrent callers each accepting events (event + run, with a
 * delivery-id dedupe key) as fast as the store acknowledges them. Prints accepts/s for the
 * SQLite store (synchronous=FULL, group commit) beside a same-run baseline of one
 * better-sqlite3 transaction per accept, and for Postgres when reachable.
 *
 *   npx jiti bench/store-accept.ts [seconds=5] [postgres-url]
 * @module
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import type { AcceptInput, Store } from '../src/store/contract.js'
import { createPostgresStore } from '../src/store/postgres/index.js'
import { createSqliteStore } from '../src/store/sqlite/index.js'

const CALLERS = 50
const seconds = Number(process.argv[2] ?? 5)
const pgUrl = process.argv[3] ?? 'postgres://postgres@127.0.0.1:5432/test'

let n = 0
function input(): AcceptInput {
  n += 1
  const now = Date.now()
  const id = `${n}-${randomBytes(4).toString('hex')}`
  return {
    event: {
      id: `evt-${id}`,
      pipelineId: 'bench',
      trigger: 'webhook',
      deliveryId: `dlv-${id}`,
      payload: { email: `lead${n}@example.com`, website: 'example.com', intent: 90, fit: 70 },
      meta: null,
      receivedAt: now,
    },
    run: {
      id: `run-${id}`,
      pipelineId: 'bench',
      pipelineVersion: 'v1',
      eventId: `evt-${id}`,
      status: 'queued',
      currentStep: null,
      attempt: 0,
      dueAt: now,
      waitReason: null,
      leaseOwner: null,
      leaseExpiresAt: null,
      concurrencyKey: null,
      replayOf: null,
      replayFrom: null,
      error: null,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
    },
    dedupe: { scope: 'bench', key: `dlv-${id}`, expiresAt: now + 86_400_000 },
  }
}

async function drive(accept: (i: AcceptInput) => Promise<unknown>): Promise<number> {
  const deadline = Date.now() + seconds * 1000
  let done = 0
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (Date.now() < deadline) {
        await accept(input())
        done += 1
      }
    }),
  )
  return done / seconds
}

function baseline(path: string): Promise<number> {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.exec(
    'CREATE TABLE IF NOT EXISTS e (id TEXT PRIMARY KEY, payload TEXT); CREATE TABLE IF NOT EXISTS r (id TEXT PRIMARY KEY, event_id TEXT)',
  )
  const ie = db.prepare('INSERT INTO e VALUES (?, ?)')
  const ir = db.prepare('INSERT INTO r VALUES (?, ?)')
  const one = db.transaction((i: AcceptInput) => {
    ie.run(i.event.id, JSON.stringify(i.event.payload))
    ir.run(i.run.id, i.event.id)
  })
  return drive(async (i) => {
    await new Promise((r) => setImmediate(r)) // each caller yields like a request handler would
    one(i)
  }).finally(() => db.close())
}

async function run(label: string, store: Store): Promise<number> {
  await store.migrate()
  const rate = await drive((i) => store.accept(i))
  await store.close()
  console.log(`${label.padEnd(38)} ${Math.round(rate).toLocaleString('en-US').padStart(8)} accepts/s`)
  return rate
}

const dir = mkdtempSync(join(tmpdir(), 'pw-bench-'))
try {
  const base = await baseline(join(dir, 'baseline.db'))
  console.log(`${'baseline: 1 txn per accept (FULL)'.padEnd(38)} ${Math.round(base).toLocaleString('en-US').padStart(8)} accepts/s`)
  const full = await run('sqlite store, group commit (FULL)', createSqliteStore({ path: join(dir, 'full.db') }))
  console.log(`  × baseline: ${(full / base).toFixed(2)}`)
  await run('sqlite store, group commit (NORMAL)', createSqliteStore({ path: join(dir, 'normal.db'), synchronous: 'normal' }))
  const probe = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 2_000 })
  const schema = `pw_bench_${randomBytes(4).toString('hex')}`
  try {
    await probe.connect()
    await run('postgres store, group commit', createPostgresStore({ connectionString: pgUrl, schema }))
    await run('postgres store, 4 batches in flight', createPostgresStore({ connectionString: pgUrl, schema, maxBatchesInFlight: 4 }))
    await probe.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  } catch (error) {
    console.log(`postgres skipped: ${(error as Error).message}`)
  } finally {
    await probe.end().catch(() => undefined)
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
