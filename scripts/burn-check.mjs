#!/usr/bin/env node
// `npm run burn-check`: the tests that spawn worker processes or measure throughput, run while
// two busy-loop processes keep the CPUs busy — what a loaded 2-core CI machine does to them.
// They wait for events, never for fixed times, so they must pass here too.
//
//   npm run burn-check                          # the default set below (builds dist/ first)
//   npm run burn-check -- tests/shutdown.test.ts # only these files
//   BURNERS=4 npm run burn-check                # more busy loops
//   nice -n 10 npm run burn-check               # on a shared machine: burners and tests inherit it
//
// Prints one line per file (passed/failed, duration) and exits non-zero if any file failed.
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const DEFAULT_FILES = [
  'tests/distributed/cluster.test.ts',
  'tests/distributed/cron.test.ts',
  'tests/distributed/shared-limits.test.ts',
  'tests/distributed/redis-limiter.test.ts',
  'tests/distributed/worker-shutdown.test.ts',
  'tests/gateway-throughput.test.ts',
  'tests/shutdown.test.ts',
  'tests/kill-loop.test.ts',
  'tests/power-loss.test.ts',
  'tests/crash.test.ts',
]
const files = process.argv.slice(2).filter((a) => !a.startsWith('-'))
const selected = files.length > 0 ? files : DEFAULT_FILES
const burners = Number(process.env.BURNERS ?? 2)
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')

if (!process.argv.includes('--no-build')) {
  // The distributed tests spawn bin/pipewright.js and import dist/: build it from this tree.
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  })
  // tsc writes dist/ even when it reports type errors; those are the typecheck's business.
  if (tsc.status !== 0) console.warn('burn-check: tsc reported errors (dist/ written anyway); running the tests on it')
}

// Busy loops in their own processes (so they compete with every process the tests spawn).
const loops = Array.from({ length: burners }, () =>
  spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
)
const stopBurners = () => {
  for (const b of loops) if (b.exitCode === null && b.signalCode === null) b.kill('SIGKILL')
}
process.on('exit', stopBurners)
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130))

console.log(`burn-check: ${burners} busy loops (pids ${loops.map((b) => b.pid).join(', ')}), load ${load()}`)
const results = []
const started = Date.now()
// One file at a time: each gets the whole (burnt) machine, and a failure names its file.
for (const file of selected) {
  const t0 = Date.now()
  const report = join(root, '.tmp', `burn-check-${process.pid}.json`)
  mkdirSync(dirname(report), { recursive: true })
  const code = await new Promise((resolve) => {
    const args = ['run', file, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]
    const vitest = spawn(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), ...args], { cwd: root, stdio: 'inherit' })
    vitest.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)))
  })
  // A file whose tests were skipped (no Postgres, no Redis, no dist/) proves nothing: not a pass.
  let counts = { passed: 0, failed: 0, skipped: 0 }
  try {
    const r = JSON.parse(readFileSync(report, 'utf8'))
    counts = { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests }
  } catch {
    // no report: the run itself failed
  }
  rmSync(report, { force: true })
  const ok = code === 0 && counts.failed === 0 && counts.skipped === 0 && counts.passed > 0
  results.push({ file, ok, code, counts, ms: Date.now() - t0, load: load() })
}
stopBurners()

console.log(`\nburn-check summary (${burners} busy loops, ${((Date.now() - started) / 1000).toFixed(0)} s):`)
for (const r of results)
  console.log(
    `  ${r.ok ? 'passed' : 'FAILED'}  ${r.file}  ${r.counts.passed} passed, ${r.counts.failed} failed, ${r.counts.skipped} skipped${r.code ? ` (vitest exit ${r.code}: see its errors above)` : ''}  ${(r.ms / 1000).toFixed(1)} s  (load after: ${r.load})`,
  )
const failed = results.filter((r) => !r.ok).length
console.log(failed ? `burn-check: ${failed} of ${results.length} files failed` : `burn-check: all ${results.length} files passed`)
process.exit(failed ? 1 : 0)
