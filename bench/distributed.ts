/**
 * Distributed-mode benchmark (issue "Distributed mode"), bounded to about a minute. Workload:
 * the standard bench pipeline (webhook → map → filter → route → POST to a local sink), load
 * from autocannon in its own process at c=50. Measured in one run:
 *
 * - embedded SQLite, one `pipewright start` process: acks/s and runs/s (the baseline);
 * - Postgres + Redis, `pipewright start --no-worker`: acks/s (202 once stored in Postgres);
 * - the backlog that built up, drained by one `pipewright worker`, then by two: runs/s.
 *
 *   npm run build && npx jiti bench/distributed.ts      (or: npm run bench -- distributed)
 *   BENCH_SECONDS=5 (load and drain windows) PIPEWRIGHT_BENCH_PG=postgres://postgres@127.0.0.1:5432/test
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import pg from 'pg'

/** bench/lib.mjs is untyped JavaScript; the parts used here, typed. */
interface BenchLib {
  ROOT: string
  fmt(n: number, digits?: number): string
  startSink(): Promise<Sink>
  spawnServer(args: string[], env?: Record<string, string>): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }>
  autocannon(o: { url: string; duration?: number; body?: string; connections?: number }): Promise<Record<string, number>>
}
const libPath = './lib.mjs'
const { autocannon, fmt, ROOT, spawnServer, startSink } = (await import(libPath)) as BenchLib

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)
const PG = process.env.PIPEWRIGHT_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS = process.env.PIPEWRIGHT_BENCH_REDIS ?? 'redis://127.0.0.1:6379'
const BODY = JSON.stringify({ email: 'ann@acme.com', website: 'https://www.acme.com/about', intent: 90, fit: 95 })
const BIN = join(ROOT, 'bin/pipewright.js')
const DIR = join(ROOT, 'bench/fixtures/pipelines')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Sink {
  url: string
  count(): number
  close(): Promise<void>
}

/** Sink deliveries per second over a window of at most `seconds`, ending early once `target` is reached. */
async function rate(sink: Sink, target: number, seconds: number): Promise<{ perSecond: number; done: number }> {
  const start = sink.count()
  while (sink.count() === start) await sleep(5) // first delivery: the workers are up
  const c0 = sink.count()
  const t0 = Date.now()
  while (Date.now() - t0 < seconds * 1000 && sink.count() < target) await sleep(20)
  const done = sink.count() - c0
  return { perSecond: done / ((Date.now() - t0) / 1000), done }
}

async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `pw_bench_${Date.now().toString(36)}`
  const admin = new pg.Client({ connectionString: PG })
  await admin.connect()
  await admin.query(`CREATE DATABASE "${name}"`)
  const url = new URL(PG)
  url.pathname = `/${name}`
  try {
    return await fn(url.toString())
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined)
    await admin.end()
  }
}

async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS)
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
    cursor = next
    if (keys.length) await redis.del(...keys)
  } while (cursor !== '0')
  redis.disconnect()
}

export async function runDistributed() {
  const sink = await startSink()
  const rows: Array<[string, string, string]> = []
  const out: Record<string, number> = {}
  try {
    // ── embedded SQLite (same run baseline) ─────────────────────────────────────────────
    const tmp = mkdtempSync(join(tmpdir(), 'pw-bench-dist-'))
    try {
      const before = sink.count()
      const one = await spawnServer([BIN, 'start', '--db', `sqlite:${join(tmp, 'b.db')}`, '--port', '0', '--dir', DIR], {
        SINK_URL: sink.url,
      })
      const t0 = Date.now()
      const load = await autocannon({ url: `${one.url}/hooks/bench`, duration: SECONDS, body: BODY })
      const acked = load['2xx']
      while (sink.count() - before < acked && Date.now() - t0 < (SECONDS + 20) * 1000) await sleep(20)
      out.sqliteAcksPerSec = acked / SECONDS
      out.sqliteRunsPerSec = (sink.count() - before) / ((Date.now() - t0) / 1000)
      await one.stop()
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }

    // ── Postgres + Redis ────────────────────────────────────────────────────────────────
    const prefix = `pwbench${Date.now().toString(36)}`
    await withDatabase(async (db) => {
      const env = { PIPEWRIGHT_DATABASE_URL: db, PIPEWRIGHT_REDIS_URL: REDIS, PIPEWRIGHT_REDIS_PREFIX: prefix, SINK_URL: sink.url }
      try {
        const api = await spawnServer([BIN, 'start', '--no-worker', '--port', '0', '--dir', DIR], env)
        const load = await autocannon({ url: `${api.url}/hooks/bench`, duration: SECONDS, body: BODY })
        const backlog = load['2xx']
        out.postgresAcksPerSec = backlog / SECONDS
        out.postgresAckErrors = load.non2xx + load.errors
        const base = sink.count()
        // Workers print no "listening on" (spawnServer waits for it): spawn them directly.
        const start = (n: number): ChildProcess[] =>
          Array.from({ length: n }, () =>
            spawn(process.execPath, [BIN, 'worker', '--concurrency', '64', '--dir', DIR], {
              cwd: ROOT,
              env: { ...process.env, PIPEWRIGHT_LOG_LEVEL: 'warn', ...env },
              stdio: 'ignore',
            }),
          )
        const stopAll = async (children: ChildProcess[]) => {
          await Promise.all(
            children.map(
              (c) =>
                new Promise<void>((r) => {
                  if (c.exitCode !== null) return r()
                  c.once('exit', () => r())
                  c.kill('SIGTERM')
                  setTimeout(() => c.kill('SIGKILL'), 12_000).unref()
                }),
            ),
          )
        }
        const oneWorker = start(1)
        const r1 = await rate(sink, base + backlog, SECONDS)
        await stopAll(oneWorker)
        const twoWorkers = start(2)
        const r2 = await rate(sink, base + backlog, SECONDS)
        await stopAll(twoWorkers)
        out.postgresRunsPerSecOneWorker = r1.perSecond
        out.postgresRunsPerSecTwoWorkers = r2.perSecond
        await api.stop()
      } finally {
        await dropPrefix(prefix)
      }
    })
  } finally {
    await sink.close()
  }
  rows.push(['embedded SQLite, 1 process', fmt(out.sqliteAcksPerSec ?? 0), fmt(out.sqliteRunsPerSec ?? 0)])
  rows.push(['Postgres + Redis, API only (--no-worker)', fmt(out.postgresAcksPerSec ?? 0), '—'])
  rows.push(['Postgres + Redis, 1 worker (c=64)', '—', fmt(out.postgresRunsPerSecOneWorker ?? 0)])
  rows.push(['Postgres + Redis, 2 workers (c=64 each)', '—', fmt(out.postgresRunsPerSecTwoWorkers ?? 0)])
  console.log(`\ndistributed (${SECONDS} s windows, autocannon c=50, ${cpus().length} CPUs)`)
  console.log(`${'setup'.padEnd(44)} ${'acks/s'.padStart(8)} ${'runs/s'.padStart(8)}`)
  for (const [a, b, c] of rows) console.log(`${a.padEnd(44)} ${b.padStart(8)} ${c.padStart(8)}`)
  if (out.postgresAckErrors) console.log(`(${out.postgresAckErrors} non-2xx or errored requests during the Postgres ack run)`)
  return out
}

if (process.argv[1]?.endsWith('distributed.ts')) await runDistributed()
