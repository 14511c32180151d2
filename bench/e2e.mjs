// End-to-end benchmark (issue "Foundation"): webhook → map → filter → route → http action to a
// local sink, on embedded SQLite, beside a bare Node http server doing the same work with no
// durability, measured in the same run. Load: autocannon in its own process, c=50.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { autocannon, fmt, percentile, ROOT, spawnServer, startSink } from './lib.mjs'

const DURATION = Number(process.env.BENCH_DURATION ?? 10)
const BODY = JSON.stringify({ email: 'ann@acme.com', website: 'https://www.acme.com/about', intent: 90, fit: 95 })

export async function runE2E() {
  const sink = await startSink()
  const tmp = mkdtempSync(join(tmpdir(), 'pw-bench-'))
  try {
    // Baseline
    const bare = await spawnServer([join(ROOT, 'bench/fixtures/bare-server.mjs')], { SINK_URL: sink.url })
    const base = await autocannon({ url: `${bare.url}/`, duration: DURATION, body: BODY })
    await bare.stop()
    const baseRps = base.requests.average

    // Pipewright, durable
    const db = join(tmp, 'bench.db')
    const pw = await spawnServer(
      [join(ROOT, 'bin/pipewright.js'), 'start', '--db', `sqlite:${db}`, '--port', '0', '--dir', join(ROOT, 'bench/fixtures/pipelines')],
      { SINK_URL: sink.url },
    )
    const sinkBefore = sink.count()
    const t0 = Date.now()
    const load = await autocannon({ url: `${pw.url}/hooks/bench`, duration: DURATION, body: BODY })
    const acked = load['2xx']
    // Wait for every acknowledged run to finish.
    const read = new Database(db, { readonly: true })
    const pending = () => read.prepare("SELECT count(*) AS n FROM runs WHERE status IN ('queued','running','waiting')").get().n
    const deadline = Date.now() + 120_000
    while (pending() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    const rows = read.prepare("SELECT created_at AS c, finished_at AS f FROM runs WHERE status = 'succeeded'").all()
    const first = Math.min(...rows.map((r) => r.c))
    const last = Math.max(...rows.map((r) => r.f))
    const lat = rows.map((r) => r.f - r.c).sort((a, b) => a - b)
    read.close()
    await pw.stop()
    const runsPerSec = rows.length / ((last - first) / 1000)
    const result = {
      durationS: DURATION,
      baseline: { reqPerSec: baseRps, p50Ms: base.latency.p50, p99Ms: base.latency.p99 },
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
      },
      ratio: runsPerSec / baseRps,
    }
    console.log('\nEnd to end: webhook → map → filter → route → http action (SQLite, c=50)')
    console.log(`  bare Node http (no durability)   ${fmt(baseRps)} req/s   p50 ${base.latency.p50} ms  p99 ${base.latency.p99} ms`)
    console.log(
      `  pipewright acks                  ${fmt(load.requests.average)} acks/s  p50 ${load.latency.p50} ms  p99 ${load.latency.p99} ms  (${fmt(acked)} acked)`,
    )
    console.log(
      `  pipewright durable runs          ${fmt(runsPerSec)} runs/s  ack→done p50 ${percentile(lat, 50)} ms  p99 ${percentile(lat, 99)} ms  (${fmt(rows.length)} succeeded, ${fmt(result.pipewright.sinkDeliveries)} delivered)`,
    )
    console.log(`  ratio durable/bare               ${fmt(result.ratio * 100, 1)} %   (targets: ≥ 3,000 runs/s and ≥ 30 %)`)
    return result
  } finally {
    await sink.close()
    rmSync(tmp, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runE2E()
