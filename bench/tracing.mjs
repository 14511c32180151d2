// Cost of OpenTelemetry tracing: `node bench/tracing.mjs [runs=10000] [rounds=3]` (after a build).
// Each round runs an embedded hub from dist/ in a fresh process twice, tracing off then on (to a
// loopback OTLP receiver), over `runs` manual runs of three pure steps, and prints runs/s of both.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const [mode, runsArg] = process.argv.slice(2)
if (mode === 'off' || mode === 'on') await child(mode, Number(runsArg))
else parent(Number(process.argv[2] ?? 10_000), Number(process.argv[3] ?? 3))

function parent(runs, rounds) {
  const me = fileURLToPath(import.meta.url)
  for (let r = 1; r <= rounds; r++)
    for (const m of ['off', 'on']) process.stdout.write(execFileSync(process.execPath, [me, m, String(runs)], { encoding: 'utf8' }))
}

async function child(mode, runs) {
  const { createRuntime } = await import(new URL('../dist/runtime.js', import.meta.url).href)
  let bytes = 0
  const receiver = createServer((req, res) => {
    req.on('data', (c) => (bytes += c.length))
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end())
  })
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r))
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-tracing-'))
  mkdirSync(join(dir, 'pipelines'))
  writeFileSync(
    join(dir, 'pipelines', 'three.yaml'),
    'id: three\ntrigger: { manual: {} }\nsteps:\n  - { id: a, map: { x: "{{ event.x }}" } }\n  - { id: b, filter: "{{ a.x >= 0 }}" }\n  - { id: c, map: { y: "{{ a.x + 1 }}" } }\n',
  )
  const env = mode === 'on' ? { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.address().port}` } : {}
  const rt = await createRuntime({ cwd: dir, env, databaseUrl: `sqlite:${join(dir, 'db')}`, observe: false, logLevel: 'warn' })
  const started = performance.now()
  const ids = []
  for (let i = 0; i < runs; i += 100) {
    const accepted = await rt.hub.ingest(
      'three',
      Array.from({ length: 100 }, (_, j) => ({ payload: { x: i + j } })),
      { trigger: 'manual' },
    )
    ids.push(...accepted.map((a) => a.runId))
  }
  for (const id of ids) await rt.hub.waitForRun(id, 120_000)
  const ms = performance.now() - started
  await rt.close(5000)
  receiver.close()
  rmSync(dir, { recursive: true, force: true })
  console.log(`tracing ${mode.padEnd(3)} runs=${runs} ${Math.round((runs / ms) * 1000)} runs/s  otlp bytes=${bytes}`)
}
