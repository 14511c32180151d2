/**
 * Distributed-mode benchmark (issue 25), bounded to a minute or two. Workload: the standard
 * bench pipeline (webhook → map → filter → route → POST to a local sink), load from autocannon
 * in its own process at c=50. Measured in one run:
 *
 * - embedded SQLite, one `pipewright start` process: acks/s, runs/s and CPU per run (the baseline);
 * - Postgres + Redis, `pipewright start --no-worker`: acks/s (202 once stored in Postgres);
 * - that backlog drained by one `pipewright worker`; then a second backlog drained by two: runs/s,
 *   timed from BENCH_WARM_MS (1000) after the first delivery (worker start-up and JIT warm-up left out);
 * - CPU per run of every process (API, workers, Postgres backends of the bench database and its
 *   background writers, Redis) from /proc/<pid>/stat, and the ratios issue 25 names.
 *
 *   npm run build && npx jiti bench/distributed.ts      (or: npm run bench -- distributed)
 *   BENCH_SECONDS=5 (load window; each drain is bounded by 4× it)
 *   PIPEWRIGHT_BENCH_PG=postgres://postgres@127.0.0.1:5432/test
 *   PIPEWRIGHT_BENCH_REDIS=redis://… (default: a private redis-server on a free port when the
 *     binary is on PATH, so its CPU is the bench's alone; else redis://127.0.0.1:6379)
 *   BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each worker there (summarise with
 *     `node bench/prof-summary.mjs <file>`)
 *   BENCH_PROBE=1 also counts Postgres statements and Redis commands/scripts per run
 *     (bench/probe.mjs; it costs CPU, so speed figures of a probed run are not comparable)
 * @module
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
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
const BODY = JSON.stringify({ email: 'ann@acme.com', website: 'https://www.acme.com/about', intent: 90, fit: 95 })
const BIN = join(ROOT, 'bin/pipewright.js')
const DIR = join(ROOT, 'bench/fixtures/pipelines')
const PROBE = process.env.BENCH_PROBE === '1'
const WARM_MS = Number(process.env.BENCH_WARM_MS ?? 1000)
/** BENCH_CPU_PROF=<dir>: workers write V8 CPU profiles there (`node --cpu-prof`). */
const PROF_ARGS = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []
/** The sink is on loopback: allowed explicitly, as a deployment would allow a private host. */
const BASE_ENV = { PIPEWRIGHT_ALLOW_PRIVATE_NETWORK: '127.0.0.1/32' }
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Sink {
  url: string
  count(): number
  close(): Promise<void>
}

// ── CPU accounting from /proc ───────────────────────────────────────────────────────────
const TICK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100
  } catch {
    return 100
  }
})()

/** CPU seconds (user + system) a process has used so far; null once it is gone. */
function cpuOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / TICK
  } catch {
    return null
  }
}

/**
 * CPU used by a changing set of processes over a window: `pids()` is polled, a process first
 * seen after the window opened counts from zero, one that exits keeps its last reading.
 */
class CpuMeter {
  private first = new Map<number, number>()
  private last = new Map<number, number>()
  private timer: NodeJS.Timeout | null = null
  constructor(private readonly pids: () => Promise<number[]> | number[]) {}
  async start(): Promise<void> {
    for (const pid of await this.pids()) {
      const c = cpuOf(pid)
      if (c !== null) this.first.set(pid, c)
    }
    this.timer = setInterval(() => void this.sample(true), 250)
  }
  private async sample(fresh: boolean): Promise<void> {
    for (const pid of await this.pids()) {
      const c = cpuOf(pid)
      if (c === null) continue
      if (!this.first.has(pid)) this.first.set(pid, fresh ? 0 : c)
      this.last.set(pid, c)
    }
  }
  /** CPU seconds over the window. */
  async stop(): Promise<number> {
    if (this.timer) clearInterval(this.timer)
    await this.sample(true)
    let total = 0
    for (const [pid, c] of this.last) total += c - (this.first.get(pid) ?? 0)
    return total
  }
}

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))
  const port = (s.address() as { port: number }).port
  await new Promise((r) => s.close(r))
  return port
}

/** A private redis-server (no persistence) when the binary exists and no Redis URL was given. */
async function startRedis(): Promise<{ url: string; pid: number | null; stop(): void }> {
  if (process.env.PIPEWRIGHT_BENCH_REDIS)
    return { url: process.env.PIPEWRIGHT_BENCH_REDIS, pid: redisPidOf(process.env.PIPEWRIGHT_BENCH_REDIS), stop() {} }
  try {
    execFileSync('redis-server', ['--version'])
  } catch {
    return { url: 'redis://127.0.0.1:6379', pid: redisPidOf('redis://127.0.0.1:6379'), stop() {} }
  }
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  })
  const url = `redis://127.0.0.1:${port}`
  for (let i = 0; i < 100; i++) {
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    r.on('error', () => undefined) // not up yet: try again
    const ok = await r.connect().then(
      () => true,
      () => false,
    )
    r.disconnect()
    if (ok) break
    await sleep(50)
  }
  return { url, pid: child.pid ?? null, stop: () => child.kill('SIGTERM') }
}

/** The pid of a shared Redis, from INFO (only meaningful on this machine). */
function redisPidOf(url: string): number | null {
  try {
    const u = new URL(url)
    const info = execFileSync('redis-cli', ['-h', u.hostname, '-p', u.port || '6379', 'info', 'server']).toString()
    return Number(/process_id:(\d+)/.exec(info)?.[1]) || null
  } catch {
    return null
  }
}

/** Sink deliveries until `target` is reached or `seconds` pass, timed from the first delivery. */
async function drain(sink: Sink, target: number, seconds: number, onFirst: () => Promise<void>) {
  const deadline = Date.now() + (seconds + 30) * 1000 // start-up of the workers included
  const start = sink.count()
  while (sink.count() === start && Date.now() < deadline) await sleep(5)
  // Steady state: the window opens WARM_MS after the first delivery, once the fresh worker
  // processes have compiled their hot code (the same for one worker and for two).
  await sleep(WARM_MS)
  await onFirst()
  const c0 = sink.count()
  const t0 = Date.now()
  const marks: number[] = []
  const owed = target - c0
  while (Date.now() - t0 < seconds * 1000 && sink.count() < target) {
    await sleep(10)
    const share = (sink.count() - c0) / owed
    for (const [i, p] of [0.5, 0.9, 0.99].entries()) if (marks[i] === undefined && share >= p) marks[i] = (Date.now() - t0) / 1000
  }
  const done = sink.count() - c0
  const elapsed = (Date.now() - t0) / 1000
  if (process.env.BENCH_VERBOSE)
    console.log(`drain: ${done} in ${elapsed.toFixed(1)} s; 50/90/99 % at ${marks.map((m) => m?.toFixed(1)).join(' / ')} s`)
  return { perSecond: done / elapsed, done, elapsed }
}

async function withDatabase<T>(fn: (url: string, backends: () => Promise<number[]>) => Promise<T>): Promise<T> {
  const name = `pw_bench_${Date.now().toString(36)}`
  const admin = new pg.Client({ connectionString: PG })
  await admin.connect()
  await admin.query(`CREATE DATABASE "${name}"`)
  const url = new URL(PG)
  url.pathname = `/${name}`
  // Backends serving the bench database, plus the server's WAL writer, background writer and
  // checkpointer (shared with anything else on this server: counted in full, so an over-estimate).
  const shared = (
    await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE backend_type IN ('walwriter', 'background writer', 'checkpointer')`,
    )
  ).rows.map((r) => r.pid)
  const backends = async () => [
    ...shared,
    ...(await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [name])).rows.map((r) => r.pid),
  ]
  try {
    return await fn(url.toString(), backends)
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined)
    await admin.end()
  }
}

async function dropPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url)
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
    cursor = next
    if (keys.length) await redis.del(...keys)
  } while (cursor !== '0')
  redis.disconnect()
}

/** Sum of the probe's counts of the processes of a role (or of the given pids), divided by `per`. */
function probeCounts(dir: string, role: string, per: number, pids?: number[]): Array<[string, number]> {
  const sum: Record<string, number> = {}
  const wanted = (n: string) => n.startsWith(`${role}-`) && (!pids || pids.some((p) => n === `${role}-${p}.json`))
  for (const f of readdirSync(dir).filter(wanted)) {
    for (const [k, v] of Object.entries(JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, number>))
      sum[k] = (sum[k] ?? 0) + v
  }
  return Object.entries(sum)
    .map(([k, v]): [string, number] => [k, v / per])
    .filter(([, v]) => v >= 0.01)
    .sort((a, b) => b[1] - a[1])
}

export async function runDistributed() {
  const sink = await startSink()
  const out: Record<string, number> = {}
  const ms = (cpuSeconds: number, runs: number) => (runs > 0 ? (cpuSeconds * 1000) / runs : 0)
  const probeDir = PROBE ? mkdtempSync(join(tmpdir(), 'pw-bench-probe-')) : null
  const probeEnv: Record<string, string> = probeDir
    ? { BENCH_PROBE_DIR: probeDir, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${join(ROOT, 'bench/probe.mjs')}`.trim() }
    : {}
  const redis = await startRedis()
  let runStatuses = ''
  const phasePids: Record<number, number[]> = {}
  try {
    // ── embedded SQLite (same run baseline) ─────────────────────────────────────────────
    const tmp = mkdtempSync(join(tmpdir(), 'pw-bench-dist-'))
    try {
      const before = sink.count()
      const one = await spawnServer([BIN, 'start', '--db', `sqlite:${join(tmp, 'b.db')}`, '--port', '0', '--dir', DIR], {
        ...BASE_ENV,
        SINK_URL: sink.url,
      })
      const cpu = new CpuMeter(() => [one.child.pid!])
      await cpu.start()
      const t0 = Date.now()
      const load = await autocannon({ url: `${one.url}/hooks/bench`, duration: SECONDS, body: BODY })
      const acked = load['2xx']
      while (sink.count() - before < acked && Date.now() - t0 < (SECONDS + 20) * 1000) await sleep(10)
      const runs = sink.count() - before
      out.sqliteAcksPerSec = acked / SECONDS
      out.sqliteRunsPerSec = runs / ((Date.now() - t0) / 1000)
      out.sqliteCpuMsPerRun = ms(await cpu.stop(), runs)
      await one.stop()
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }

    // ── Postgres + Redis ────────────────────────────────────────────────────────────────
    const prefix = `pwbench${Date.now().toString(36)}`
    await withDatabase(async (db, backends) => {
      const env = {
        ...BASE_ENV,
        PIPEWRIGHT_DATABASE_URL: db,
        PIPEWRIGHT_REDIS_URL: redis.url,
        PIPEWRIGHT_REDIS_PREFIX: prefix,
        SINK_URL: sink.url,
        ...probeEnv,
      }
      const redisPids = () => (redis.pid ? [redis.pid] : [])
      try {
        const api = await spawnServer([BIN, 'start', '--no-worker', '--port', '0', '--dir', DIR], env)
        // Workers print no "listening on" (spawnServer waits for it): spawn them directly.
        const start = (n: number): ChildProcess[] =>
          Array.from({ length: n }, () =>
            spawn(process.execPath, [...PROF_ARGS, BIN, 'worker', '--concurrency', '64', '--dir', DIR], {
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
        let owed = 0 // acknowledged and not yet delivered, over both rounds
        for (const n of [1, 2]) {
          // Load: the API node alone stores the runs and queues them in Redis.
          const apiCpu = new CpuMeter(() => [api.child.pid!])
          const pgCpu = new CpuMeter(backends)
          const redisCpu = new CpuMeter(redisPids)
          await Promise.all([apiCpu.start(), pgCpu.start(), redisCpu.start()])
          const load = await autocannon({ url: `${api.url}/hooks/bench`, duration: SECONDS, body: BODY })
          const acked = load['2xx']
          const [a, p, r] = await Promise.all([apiCpu.stop(), pgCpu.stop(), redisCpu.stop()])
          owed += acked
          if (n === 1) {
            out.postgresAcksPerSec = acked / SECONDS
            out.postgresAckErrors = load.non2xx + load.errors
            out.ackApiCpuMs = ms(a, acked)
            out.ackPostgresCpuMs = ms(p, acked)
            out.ackRedisCpuMs = ms(r, acked)
          } else out.postgresAcksPerSecSecondRound = acked / SECONDS
          // Drain: n workers, CPU of every process over the window from the first delivery.
          const children = start(n)
          phasePids[n] = children.map((c) => c.pid!)
          const meters = {
            workers: new CpuMeter(() => children.map((c) => c.pid!)),
            api: new CpuMeter(() => [api.child.pid!]),
            postgres: new CpuMeter(backends),
            redis: new CpuMeter(redisPids),
          }
          const base = sink.count()
          const d = await drain(sink, base + owed, SECONDS * 4, async () => {
            await Promise.all(Object.values(meters).map((m) => m.start()))
          })
          const [w, ap, pp, rp] = await Promise.all(Object.values(meters).map((m) => m.stop()))
          owed -= sink.count() - base
          await stopAll(children)
          const key = n === 1 ? 'One' : 'Two'
          out[`postgresRunsPerSec${key}Worker${n === 1 ? '' : 's'}`] = d.perSecond
          out[`drain${key}WorkerCpuMs`] = ms(w!, d.done)
          out[`drain${key}ApiCpuMs`] = ms(ap!, d.done)
          out[`drain${key}PostgresCpuMs`] = ms(pp!, d.done)
          out[`drain${key}RedisCpuMs`] = ms(rp!, d.done)
          out[`drain${key}Runs`] = d.done
        }
        await api.stop()
        const check = new pg.Client({ connectionString: db })
        await check.connect()
        const counts = await check.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM runs GROUP BY status ORDER BY 1')
        await check.end()
        runStatuses = counts.rows.map((r) => `${r.status} ${r.n}`).join(', ')
      } finally {
        await dropPrefix(redis.url, prefix)
      }
    })
  } finally {
    redis.stop()
    await sink.close()
  }

  const per = (k: 'One' | 'Two') =>
    out.ackApiCpuMs! +
    out.ackPostgresCpuMs! +
    out.ackRedisCpuMs! +
    out[`drain${k}WorkerCpuMs`]! +
    out[`drain${k}ApiCpuMs`]! +
    out[`drain${k}PostgresCpuMs`]! +
    out[`drain${k}RedisCpuMs`]!
  out.distributedCpuMsPerRunOneWorker = per('One')
  out.distributedCpuMsPerRunTwoWorkers = per('Two')
  out.ratioOneWorkerRuns = out.postgresRunsPerSecOneWorker! / out.sqliteRunsPerSec!
  out.ratioTwoToOneWorkers = out.postgresRunsPerSecTwoWorkers! / out.postgresRunsPerSecOneWorker!
  out.ratioCpuPerRun = out.distributedCpuMsPerRunOneWorker / out.sqliteCpuMsPerRun!
  out.ratioAcks = out.postgresAcksPerSec! / out.sqliteAcksPerSec!

  const f2 = (n: number | undefined) => fmt(n ?? 0, 3)
  const rows: Array<[string, string, string, string]> = [
    ['embedded SQLite, 1 process', fmt(out.sqliteAcksPerSec ?? 0), fmt(out.sqliteRunsPerSec ?? 0), f2(out.sqliteCpuMsPerRun)],
    ['Postgres + Redis, API only (--no-worker)', fmt(out.postgresAcksPerSec ?? 0), '—', '—'],
    ['Postgres + Redis, 1 worker (c=64)', '—', fmt(out.postgresRunsPerSecOneWorker ?? 0), f2(out.distributedCpuMsPerRunOneWorker)],
    ['Postgres + Redis, 2 workers (c=64 each)', '—', fmt(out.postgresRunsPerSecTwoWorkers ?? 0), f2(out.distributedCpuMsPerRunTwoWorkers)],
  ]
  console.log(
    `\ndistributed (${SECONDS} s load windows, autocannon c=50, ${cpus().length} CPUs, Redis ${redis.pid ? `pid ${redis.pid}` : '?'})`,
  )
  console.log(`${'setup'.padEnd(44)} ${'acks/s'.padStart(8)} ${'runs/s'.padStart(8)} ${'CPU ms/run'.padStart(11)}`)
  for (const [a, b, c, d] of rows) console.log(`${a.padEnd(44)} ${b.padStart(8)} ${c.padStart(8)} ${d.padStart(11)}`)
  console.log('\nCPU ms per run by process (all processes, summed = the CPU ms/run above)')
  console.log(`  accept (per ack):  API ${f2(out.ackApiCpuMs)}  Postgres ${f2(out.ackPostgresCpuMs)}  Redis ${f2(out.ackRedisCpuMs)}`)
  for (const k of ['One', 'Two'] as const)
    console.log(
      `  drain, ${k === 'One' ? '1 worker ' : '2 workers'}: workers ${f2(out[`drain${k}WorkerCpuMs`])}  Postgres ${f2(out[`drain${k}PostgresCpuMs`])}  Redis ${f2(out[`drain${k}RedisCpuMs`])}  API (idle) ${f2(out[`drain${k}ApiCpuMs`])}  (${fmt(out[`drain${k}Runs`] ?? 0)} runs)`,
    )
  const mark = (ok: boolean) => (ok ? 'met' : 'MISSED')
  console.log('\nissue 25 targets (same run)')
  console.log(
    `  1 worker / embedded runs/s    ${fmt(out.ratioOneWorkerRuns, 2).padStart(6)}  (≥ 0.50: ${mark(out.ratioOneWorkerRuns >= 0.5)})`,
  )
  console.log(
    `  2 workers / 1 worker runs/s   ${fmt(out.ratioTwoToOneWorkers, 2).padStart(6)}  (≥ 1.00: ${mark(out.ratioTwoToOneWorkers >= 1)})`,
  )
  console.log(`  CPU per run / embedded's      ${fmt(out.ratioCpuPerRun, 2).padStart(6)}  (≤ 3.00: ${mark(out.ratioCpuPerRun <= 3)})`)
  console.log(`  API acks/s / embedded acks/s  ${fmt(out.ratioAcks, 2).padStart(6)}  (≥ 0.70: ${mark(out.ratioAcks >= 0.7)})`)
  console.log(`runs in Postgres at the end: ${runStatuses}`)
  if (out.postgresAckErrors) console.log(`(${out.postgresAckErrors} non-2xx or errored requests during the Postgres ack run)`)
  if (probeDir) {
    const acks = out.postgresAcksPerSec! * SECONDS + (out.postgresAcksPerSecSecondRound ?? 0) * SECONDS
    console.log('\nprobe: per ack, API process')
    for (const [k, v] of probeCounts(probeDir, 'api', acks)) console.log(`  ${fmt(v, 2).padStart(7)}  ${k}`)
    for (const [n, key] of [
      [1, 'One'],
      [2, 'Two'],
    ] as const) {
      console.log(`probe: per run, ${n} worker(s) (whole life of the workers, start-up included)`)
      for (const [k, v] of probeCounts(probeDir, 'worker', out[`drain${key}Runs`] ?? 1, phasePids[n]))
        console.log(`  ${fmt(v, 2).padStart(7)}  ${k}`)
    }
    rmSync(probeDir, { recursive: true, force: true })
  }
  return out
}

if (process.argv[1]?.endsWith('distributed.ts')) await runDistributed()
