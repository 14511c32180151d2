// Ingress benchmark (issue "Webhook ingress"): an HMAC-SHA256-signed JSON webhook → durable 202
// (event + run committed with synchronous=FULL) at c=50, beside a bare Node http server that
// parses the same JSON and answers 200 storing nothing, measured in the same run. Load comes
// from autocannon in its own process. Also: 1,000 signed 800 KB bodies, with the server's RSS
// before and after. The server under test is the real CLI (`pipewright start`) as a child.
//
// Every request carries the same body and signature and no delivery id, so each is a new event
// (HMAC has no timestamp; the trigger configures no deliveryId). Needs dist/: run
// `npx tsc -p tsconfig.build.json` first. BENCH_MODE=worker runs the (one-map-step) runs in the
// same process; the default, --no-worker, measures acknowledgements alone.
//
// Each round also prints both servers' CPU time per request (main thread, and all threads), read
// from /proc: on a shared 2-core machine the bare server's req/s moves by up to 40 % between
// adjacent rounds (it is partly limited by the load generator); its CPU per request moves less,
// and the two figures side by side show where the ratio comes from.
//
// A third server, the floor (fixtures/ingress/floor.mjs), gives the same durable acknowledgement
// with nothing else: signature check, JSON parse, the same two rows in a database made by
// Pipewright's migrations, one transaction and one WAL sync per event-loop turn. It is measured
// in every round too: bare → floor is what durability itself costs on this machine, floor →
// Pipewright is what the product adds.

import { createHmac } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { autocannon, cpuUs, fmt, ROOT, rssMb, spawnServer } from './lib.mjs'

const DURATION = Number(process.env.BENCH_DURATION ?? 5)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const WARM_UP = 5 // seconds of load before the first round, for each durable server
const CONNECTIONS = 50
const SECRET = 'bench-ingress-secret-0123456789'
const BODY = JSON.stringify({
  email: 'ann@acme.com',
  website: 'https://www.acme.com/about',
  intent: 90,
  fit: 95,
  tags: ['inbound', 'demo'],
})
const BIG_REQUESTS = 1000
const sign = (body) => `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`

/** autocannon in its own process; the body goes through a file (an 800 KB argv would not fit). */
const load = ({ connections = CONNECTIONS, ...rest }) => autocannon({ connections, ...rest })

/** A load round, with the server's CPU time per answered request over the round. */
async function measured(pid, options) {
  const before = cpuUs(pid)
  const r = await load(options)
  const after = cpuUs(pid)
  const n = r.requests.total || 1
  r.cpuUsPerRequest = before && after ? { main: (after.main - before.main) / n, all: (after.all - before.all) / n } : null
  return r
}

export async function runIngress() {
  const tmp = mkdtempSync(join(tmpdir(), 'pw-bench-ingress-'))
  try {
    return await measure(tmp)
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

async function measure(tmp) {
  const small = join(tmp, 'body.json')
  const big = join(tmp, 'big.json')
  writeFileSync(small, BODY)
  const bigBody = JSON.stringify({ email: 'ann@acme.com', notes: 'x'.repeat(800 * 1024 - 40) })
  writeFileSync(big, bigBody)
  const worker = process.env.BENCH_MODE === 'worker'
  const db = join(tmp, 'ingress.db')
  const args = [
    join(ROOT, 'bin/pipewright.js'),
    'start',
    '--db',
    `sqlite:${db}`,
    '--port',
    '0',
    '--dir',
    join(ROOT, 'bench/fixtures/ingress/pipelines'),
  ]
  if (!worker) args.push('--no-worker')
  // Both servers run for the whole benchmark (the idle one costs nothing), so rounds can
  // alternate between them: on a shared 2-core machine throughput drifts by ±20 % within a
  // minute, and a ratio taken from two adjacent measurements cancels most of that drift.
  const bare = await spawnServer([join(ROOT, 'bench/fixtures/ingress/bare.mjs')])
  let floor
  let pw
  try {
    floor = await spawnServer([join(ROOT, 'bench/fixtures/ingress/floor.mjs'), join(tmp, 'floor.db')], { INGRESS_SECRET: SECRET })
    pw = await spawnServer(args, { INGRESS_SECRET: SECRET })
  } catch (e) {
    await Promise.all([bare.stop(), floor?.stop()])
    throw e
  }
  const url = `${pw.url}/hooks/ingress`
  const signed = { url, bodyFile: small, headers: { 'x-signature': sign(BODY) } }
  const floorSigned = { ...signed, url: `${floor.url}/hooks/ingress` }
  let big1k
  let rss
  let stored
  let ackedTotal = 0
  const rounds = []
  try {
    // Warm-ups. Both durable servers speed up over their first few seconds under load
    // (measured: after a 1 s warm-up, Pipewright's first 5 s round ran at 65–85 % of the
    // next ones; after 5 s the rounds were level), so they get 5 s each before round 1.
    await load({ url: `${bare.url}/`, bodyFile: small, duration: 2 })
    await load({ ...floorSigned, duration: WARM_UP })
    const warm = await load({ ...signed, duration: WARM_UP })
    ackedTotal += warm['2xx']
    for (let i = 0; i < ROUNDS; i++) {
      const base = await measured(bare.child.pid, { url: `${bare.url}/`, bodyFile: small, duration: DURATION })
      const least = await measured(floor.child.pid, { ...floorSigned, duration: DURATION })
      // A floor that answered anything but 202 (a 401 from a wrong signature is fast) would
      // make its figure meaningless.
      if (least.non2xx || least.errors) throw new Error(`the floor server answered ${least.non2xx} non-2xx and ${least.errors} errors`)
      const acks = await measured(pw.child.pid, { ...signed, duration: DURATION })
      ackedTotal += acks['2xx']
      rounds.push({ base, least, acks, ratio: acks.requests.average / base.requests.average })
    }
    await Promise.all([bare.stop(), floor.stop()])

    // 800 KB bodies: warm up (50), then RSS before/after 1,000 more.
    const bigHeaders = { 'x-signature': sign(bigBody) }
    const bigWarm = await load({ url, bodyFile: big, headers: bigHeaders, connections: 10, amount: 50 })
    ackedTotal += bigWarm['2xx']
    // Two halves, RSS after each: a leak keeps growing, a warmed-up heap levels off.
    const before = rssMb(pw.child.pid)
    const first = await load({ url, bodyFile: big, headers: bigHeaders, connections: 10, amount: BIG_REQUESTS / 2 })
    const middle = rssMb(pw.child.pid)
    const second = await load({ url, bodyFile: big, headers: bigHeaders, connections: 10, amount: BIG_REQUESTS / 2 })
    await new Promise((r) => setTimeout(r, 500))
    rss = { beforeMb: before, middleMb: middle, afterMb: rssMb(pw.child.pid) }
    big1k = {
      '2xx': first['2xx'] + second['2xx'],
      non2xx: first.non2xx + second.non2xx,
      reqPerSec: BIG_REQUESTS / (first.duration + second.duration || 1),
      p99Ms: Math.max(first.latency.p99, second.latency.p99),
    }
    ackedTotal += big1k['2xx']
  } finally {
    await Promise.all([pw.stop(), bare.stop(), floor.stop()])
  }
  try {
    const read = new Database(db, { readonly: true, fileMustExist: true })
    stored = read.prepare('SELECT count(*) AS n FROM events').get().n
    read.close()
  } catch (e) {
    throw new Error(`cannot count stored events in ${db}: ${e.message}`)
  }

  // The round with the median ratio stands for the run; every round is printed and kept.
  const { base, least, acks, ratio } = [...rounds].sort((a, b) => a.ratio - b.ratio)[Math.floor(rounds.length / 2)]
  const acked = acks['2xx']
  const summary = (r) => ({
    bareReqPerSec: r.base.requests.average,
    floorAcksPerSec: r.least.requests.average,
    acksPerSec: r.acks.requests.average,
    p50Ms: r.acks.latency.p50,
    p99Ms: r.acks.latency.p99,
    ratio: r.ratio,
    floorRatio: r.least.requests.average / r.base.requests.average,
    cpuUsPerRequest: { bare: r.base.cpuUsPerRequest, floor: r.least.cpuUsPerRequest, pipewright: r.acks.cpuUsPerRequest },
  })
  const result = {
    durationS: DURATION,
    connections: CONNECTIONS,
    mode: worker ? 'worker (one map step per run)' : 'no-worker (acks only)',
    rounds: rounds.map(summary),
    baseline: { reqPerSec: base.requests.average, p50Ms: base.latency.p50, p99Ms: base.latency.p99 },
    floor: {
      acksPerSec: least.requests.average,
      p50Ms: least.latency.p50,
      p99Ms: least.latency.p99,
      ofBare: least.requests.average / base.requests.average,
      pipewrightOfFloor: acks.requests.average / least.requests.average,
    },
    pipewright: {
      acksPerSec: acks.requests.average,
      p50Ms: acks.latency.p50,
      p99Ms: acks.latency.p99,
      acked,
      non2xx: rounds.reduce((n, r) => n + r.acks.non2xx, 0),
      errors: rounds.reduce((n, r) => n + r.acks.errors, 0),
    },
    ratio,
    big: {
      bodyKb: Math.round(bigBody.length / 1024),
      requests: BIG_REQUESTS,
      acked: big1k['2xx'],
      non2xx: big1k.non2xx,
      reqPerSec: big1k.reqPerSec,
      p99Ms: big1k.p99Ms,
      rssBeforeMb: rss.beforeMb,
      rssMiddleMb: rss.middleMb,
      rssAfterMb: rss.afterMb,
    },
    eventsStored: stored,
    ackedTotal,
  }
  console.log(`\nIngress: HMAC-signed JSON webhook → durable 202 (SQLite synchronous=FULL, c=${CONNECTIONS}, ${result.mode})`)
  console.log(`  ${ROUNDS} rounds of ${DURATION} s each, alternating bare, floor (least durable server) and pipewright:`)
  const cpu = (c) => (c ? `${fmt(c.main)} µs main thread, ${fmt(c.all)} µs all threads` : 'n/a')
  for (const [n, r] of rounds.entries()) {
    const floorPct = fmt((r.least.requests.average / r.base.requests.average) * 100, 1)
    console.log(
      `    round ${n + 1}: bare ${fmt(r.base.requests.average)} req/s, floor ${fmt(r.least.requests.average)} acks/s (${floorPct} %), pipewright ${fmt(r.acks.requests.average)} acks/s (p50 ${r.acks.latency.p50} ms, p99 ${r.acks.latency.p99} ms), ${fmt(r.ratio * 100, 1)} %`,
    )
    console.log(
      `      CPU per request: bare ${cpu(r.base.cpuUsPerRequest)}; floor ${cpu(r.least.cpuUsPerRequest)}; pipewright ${cpu(r.acks.cpuUsPerRequest)}`,
    )
  }
  console.log('  median round:')
  console.log(
    `  bare Node http (parse, no storage)  ${fmt(base.requests.average)} req/s   p50 ${base.latency.p50} ms  p99 ${base.latency.p99} ms`,
  )
  console.log(
    `  floor: least durable server         ${fmt(least.requests.average)} acks/s  p50 ${least.latency.p50} ms  p99 ${least.latency.p99} ms  (${fmt(result.floor.ofBare * 100, 1)} % of bare)`,
  )
  console.log(
    `  pipewright durable acks             ${fmt(acks.requests.average)} acks/s  p50 ${acks.latency.p50} ms  p99 ${acks.latency.p99} ms  (${fmt(acked)} acked, ${result.pipewright.non2xx} non-2xx and ${result.pipewright.errors} errors in all rounds)`,
  )
  console.log(`  ratio pipewright/bare               ${fmt(ratio * 100, 1)} %   (targets: ≥ 10,000 acks/s and ≥ 50 %)`)
  console.log(`  ratio pipewright/floor              ${fmt((acks.requests.average / least.requests.average) * 100, 1)} %`)
  console.log(
    `  800 KB bodies ×${BIG_REQUESTS} (c=10)           ${fmt(big1k['2xx'])} acked, ${big1k.non2xx} non-2xx, ${fmt(big1k.reqPerSec)} req/s, p99 ${big1k.p99Ms} ms`,
  )
  const keptMb = (BIG_REQUESTS * bigBody.length) / 1024 / 1024
  console.log(
    `  server RSS before → 500 → 1,000     ${fmt(rss.beforeMb, 1)} → ${fmt(rss.middleMb, 1)} → ${fmt(rss.afterMb, 1)} MB  (keeping the bodies would add ≥ ${fmt(keptMb)} MB)`,
  )
  console.log(`  events stored                       ${fmt(stored)} (acks incl. warm-ups: ${fmt(ackedTotal)})`)
  return result
}

if (import.meta.url === `file://${process.argv[1]}`) await runIngress()
