import { spawn } from 'node:child_process'
import { expect, it } from 'vitest'
import { BIN, ROOT } from './helpers/process.js'

/** Run the real CLI from dist/ (built by `npm test`'s pretest) and collect its output. */
function runDemo(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'demo', '--exit'], { cwd: ROOT, env: { ...process.env, PIPEWRIGHT_LOG_LEVEL: 'warn' } })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`demo did not finish within 30 s:\n${out}`))
    }, 120_000)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, out })
    })
  })
}

it('`demo --exit` runs the seed recipe against the sandbox, prints what landed and exits 0', async () => {
  const { code, out } = await runDemo()
  expect(code, out).toBe(0)
  // How fast it runs is not asserted here (on a loaded 2-core box wall time is mostly waiting
  // for the CPU); the 30 s kill above only catches a hang.
  // Four companies for five contacts: the second ACME lead found the company it needed.
  expect(out).toMatch(/HubSpot companies \(4\):/)
  expect(out.match(/^\d+\s+ACME\s+acme\.com\s+2$/m), out).not.toBeNull()
  expect(out).toMatch(/HubSpot contacts \(5\):/)
  expect(out).toMatch(/ann\.lee@acme\.com\s+Ann Lee\s+\d+/)
  // Only the hot leads were alerted, in #high-intent.
  expect(out).toMatch(/Slack messages \(2\):/)
  expect(out).toMatch(/#high-intent\s+Hot lead: ann\.lee@acme\.com/)
  expect(out).toMatch(/#high-intent\s+Hot lead: carla@umbrella-corp\.com/)
  expect(out).not.toMatch(/Hot lead: bob@initech\.io/)
  expect(out).toMatch(/runs: 4 succeeded, 1 filtered, 1 dead; 1 repeated delivery answered as duplicate/)
  expect(out).toMatch(/→ 200 duplicate of run_/)
  expect(out).toMatch(/run_\w+\s+permanent\s+notify\s+.*channel_not_found/)
  expect(out).toMatch(/inspect runs: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/runs/)
  expect(out).toMatch(/demo outcome: as expected/)
}, 180_000)
