// End-to-end benchmark (issue "Foundation"): webhook → map → filter → route → http action to a
// local sink, on embedded SQLite, beside a bare Node http server doing the same work with no
// durability, measured in the same run. Load: autocannon in its own process, c=50.
// Also measured on the real `pipewright start` process (issue 25): the time from spawning it to
// its first 202, its resident memory once idle after that, and the CPU time (all threads) it
// spends per durable run under the load, beside the bare server's CPU per request.
import { createHmac } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { autocannon, cpuUs, firstAnswer, fmt, percentile, ROOT, rssMb, spawnServer, startSink } from './lib.mjs'

const DURATION = Number(process.env.BENCH_DURATION ?? 10)
/** How many times `pipewright start` is timed to its first 202 (the last start serves the load). */
const STARTS = Math.max(1, Number(process.env.BENCH_STARTS ?? 3))
/** How long a started server sits idle before its RSS is read. */
const IDLE_MS = 2000
const BODY = JSON.stringify({ email: 'ann@acme.com', website: 'https://www.acme.com/about', intent: 90, fit: 95 })
const TARGETS = { ratio: 0.6, cpuMsPerRun: 0.2, first202Ms: 1000, idleRssMb: 100 }

/** Start pipewright on a fresh database; time to the first 202 and the idle RSS after it. */
async function startPipewright(db, sinkUrl) {
  const pw = await spawnServer(
    [join(ROOT, 'bin/pipewright.js'), 'start', '--db', `sqlite:${db}`, '--port', '0', '--dir', join(ROOT, 'bench/fixtures/pipelines')],
    // The sink is on loopback, which connections may reach only when allowed.
    { SINK_URL: sinkUrl, PIPEWRIGHT_ALLOW_PRIVATE_NETWORK: '127.0.0.1/32' },
  )
  const answered = await firstAnswer(`${pw.url}/hooks/bench`, BODY)
  await new Promise((r) => setTimeout(r, IDLE_MS))
  return { pw, first202Ms: answered - pw.spawnedAt, listeningMs: pw.listeningMs, idleRssMb: rssMb(pw.child.pid) }
}

/**
 * The start-up floor: bench/fixtures/ingress/floor.mjs, the least server that still acknowledges
 * durably (HMAC, JSON, the event and run rows in a database made by Pipewright's migrations, a
 * WAL sync before the 202), started the same way: time to its first 202 and its idle RSS.
 */
async function startFloor(db) {
  const secret = 'floor'
  const server = await spawnServer([join(ROOT, 'bench/fixtures/ingress/floor.mjs'), db], { INGRESS_SECRET: secret })
  const signature = `sha256=${createHmac('sha256', secret).update(BODY).digest('hex')}`
  const answered = await firstAnswer(`${server.url}/`, BODY, 202, { 'x-signature': signature })
  await new Promise((r) => setTimeout(r, IDLE_MS))
  const out = { first202Ms: answered - server.spawnedAt, idleRssMb: rssMb(server.child.pid) }
  await server.stop()
  return out
}

export async function runE2E() {
  const sink = await startSink()
  const tmp = mkdtempSync(join(tmpdir(), 'pw-bench-'))
  try {
    // Baseline
    const bare = await spawnServer([join(ROOT, 'bench/fixtures/bare-server.mjs')], { SINK_URL: sink.url })
    const bareCpu0 = cpuUs(bare.child.pid)
    const base = await autocannon({ url: `${bare.url}/`, duration: DURATION, body: BODY })
    const bareCpu1 = cpuUs(bare.child.pid)
    await bare.stop()
    const baseRps = base.requests.average
    const bareCpuMs = bareCpu0 && bareCpu1 ? (bareCpu1.all - bareCpu0.all) / 1000 / (base.requests.total || 1) : null

    // Pipewright, durable: started STARTS times, the last one takes the load.
    const starts = []
    let pw
    let db
    for (let i = 0; i < STARTS; i++) {
      db = join(tmp, `bench-${i}.db`)
      const s = await startPipewright(db, sink.url)
      starts.push({ first202Ms: s.first202Ms, listeningMs: s.listeningMs, idleRssMb: s.idleRssMb })
      if (i < STARTS - 1) await s.pw.stop()
      else pw = s.pw
    }
    const floors = []
    for (let i = 0; i < STARTS; i++) floors.push(await startFloor(join(tmp, `floor-${i}.db`)))
    const sinkBefore = sink.count()
    const t0 = Date.now()
    const cpu0 = cpuUs(pw.child.pid)
    const load = await autocannon({ url: `${pw.url}/hooks/bench`, duration: DURATION, body: BODY })
    const acked = load['2xx']
    // Wait for every acknowledged run to finish.
    const read = new Database(db, { readonly: true })
    const pending = () => read.prepare("SELECT count(*) AS n FROM runs WHERE status IN ('queued','running','waiting')").get().n
    const deadline = Date.now() + 120_000
    while (pending() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    const cpu1 = cpuUs(pw.child.pid)
    const loadedRssMb = rssMb(pw.child.pid)
    // Runs of the load only (not the start-up probe's).
    const rows = read.prepare("SELECT created_at AS c, finished_at AS f FROM runs WHERE status = 'succeeded' AND created_at >= ?").all(t0)
    const first = Math.min(...rows.map((r) => r.c))
    const last = Math.max(...rows.map((r) => r.f))
    const lat = rows.map((r) => r.f - r.c).sort((a, b) => a - b)
    read.close()
    await pw.stop()
    const runsPerSec = rows.length / ((last - first) / 1000)
    const per = (k) => (cpu0 && cpu1 ? (cpu1[k] - cpu0[k]) / 1000 / (rows.length || 1) : null)
    const median = (k) => [...starts].sort((a, b) => a[k] - b[k])[Math.floor((starts.length - 1) / 2)][k]
    const result = {
      durationS: DURATION,
      baseline: { reqPerSec: baseRps, p50Ms: base.latency.p50, p99Ms: base.latency.p99, cpuMsPerRequest: bareCpuMs },
      pipewright: {
        acksPerSec: load.requests.average,
        ackP50Ms: load.latency.p50,
        ackP99Ms: load.latency.p99,
        acked,
        succeeded: rows.length,
        durableRunsPerSec: runsPerSec,
        completionP50Ms: percentile(lat, 50),
        completionP99Ms: percentile(lat, 99),
        sinkDeliveries: sink.count() - sinkBefore,
        elapsedS: (Date.now() - t0) / 1000,
        cpuMsPerRun: per('all'),
        cpuMsPerRunMainThread: per('main'),
        first202Ms: median('first202Ms'),
        idleRssMb: median('idleRssMb'),
        loadedRssMb,
        starts,
      },
      startFloor: {
        first202Ms: [...floors].sort((a, b) => a.first202Ms - b.first202Ms)[Math.floor((floors.length - 1) / 2)].first202Ms,
        idleRssMb: [...floors].sort((a, b) => a.idleRssMb - b.idleRssMb)[Math.floor((floors.length - 1) / 2)].idleRssMb,
        starts: floors,
      },
      ratio: runsPerSec / baseRps,
      targets: TARGETS,
    }
    const p = result.pipewright
    const mark = (ok) => (ok ? 'met' : 'MISSED')
    console.log('\nEnd to end: webhook → map → filter → route → http action (SQLite, c=50)')
    console.log(
      `  bare Node http (no durability)   ${fmt(baseRps)} req/s   p50 ${base.latency.p50} ms  p99 ${base.latency.p99} ms  CPU ${fmt(bareCpuMs ?? Number.NaN, 3)} ms/request`,
    )
    console.log(
      `  pipewright acks                  ${fmt(load.requests.average)} acks/s  p50 ${load.latency.p50} ms  p99 ${load.latency.p99} ms  (${fmt(acked)} acked)`,
    )
    console.log(
      `  pipewright durable runs          ${fmt(runsPerSec)} runs/s  ack→done p50 ${percentile(lat, 50)} ms  p99 ${percentile(lat, 99)} ms  (${fmt(rows.length)} succeeded, ${fmt(p.sinkDeliveries)} delivered)`,
    )
    console.log(
      `  start → first 202                ${starts.map((s) => `${fmt(s.first202Ms)} ms`).join(', ')} (listening after ${starts.map((s) => fmt(s.listeningMs)).join(', ')} ms)`,
    )
    console.log(
      `  RSS                              idle ${starts.map((s) => `${fmt(s.idleRssMb)} MB`).join(', ')}; ${fmt(loadedRssMb)} MB after the load`,
    )
    console.log(
      `  start floor (durable ack only)   first 202 ${floors.map((s) => `${fmt(s.first202Ms)} ms`).join(', ')}; idle RSS ${floors.map((s) => `${fmt(s.idleRssMb)} MB`).join(', ')}`,
    )
    console.log(
      `  ratio durable/bare               ${fmt(result.ratio, 2)}×   target ≥ ${TARGETS.ratio}×: ${mark(result.ratio >= TARGETS.ratio)}`,
    )
    console.log(
      `  CPU per durable run              ${fmt(p.cpuMsPerRun ?? Number.NaN, 3)} ms all threads (${fmt(p.cpuMsPerRunMainThread ?? Number.NaN, 3)} main)   target ≤ ${TARGETS.cpuMsPerRun} ms: ${mark(p.cpuMsPerRun !== null && p.cpuMsPerRun <= TARGETS.cpuMsPerRun)}`,
    )
    console.log(
      `  start → first 202 (median)       ${fmt(p.first202Ms)} ms   target ≤ ${fmt(TARGETS.first202Ms)} ms: ${mark(p.first202Ms <= TARGETS.first202Ms)}`,
    )
    console.log(
      `  idle RSS (median)                ${fmt(p.idleRssMb)} MB   target ≤ ${TARGETS.idleRssMb} MB: ${mark(p.idleRssMb <= TARGETS.idleRssMb)}`,
    )
    return result
  } finally {
    await sink.close()
    rmSync(tmp, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runE2E()
