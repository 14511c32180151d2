/**
 * `pipewright usage` after real traffic: a runtime sends rows to the Clay emulator and
 * contacts to the HubSpot emulator, then the CLI (in-process, injected io) prints one table
 * per connection from the same store.
 */
import { afterEach, beforeEach, expect, it } from 'vitest'
import { sandboxEnv } from '../src/cli/commands/sandbox.js'
import type { CliIo } from '../src/cli/io.js'
import { main } from '../src/cli/main.js'
import { clay } from '../src/connectors/clay/index.js'
import { hubspot } from '../src/connectors/hubspot/index.js'
import { manual } from '../src/pipeline/define.js'
import { createRuntime } from '../src/runtime.js'
import { type Sandbox, startSandbox } from '../src/sandbox/index.js'
import { compile, eventually, tempDir } from './helpers/engine.js'
import { LOOPBACK_ALLOWED } from './helpers/net.js'

let tmp: ReturnType<typeof tempDir>
let sandbox: Sandbox

beforeEach(async () => {
  tmp = tempDir('pw-e2e-usage-')
  sandbox = await startSandbox({ services: ['hubspot', 'clay', 'slack'], options: { hubspot: { searchLagMs: 0 } } })
})
afterEach(async () => {
  await sandbox.close()
  tmp.cleanup()
})

function io(env: Record<string, string>): CliIo & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    cwd: tmp.dir,
    env,
    out: (t) => lines.push(t),
    err: (t) => lines.push(t),
    stdin: async () => '',
    untilSignal: async () => {},
  }
}

it('prints a budget table per connection with what was used this period', async () => {
  const env = {
    ...sandboxEnv(sandbox.urls),
    // Two Clay webhooks: the lifetime budget covers both (2 × 50,000).
    CLAY_WEBHOOK_URL: `${sandbox.urls.clay}/v3/sources/webhook/wh_a,${sandbox.urls.clay}/v3/sources/webhook/wh_b`,
    PIPEWRIGHT_DATABASE_URL: `sqlite:${tmp.dir}/pw.db`,
  }
  const pipeline = compile({
    id: 'enrich',
    trigger: manual(),
    steps: [
      { id: 'row', action: clay.sendRow({ row: ({ event }: any) => event }) },
      { id: 'contact', action: hubspot.contacts.upsert({ properties: ({ event }: any) => ({ email: event.email }) }) },
    ],
  })
  const rt = await createRuntime({ cwd: tmp.dir, env, pipelines: [pipeline], logLevel: 'silent', allowPrivateNetwork: LOOPBACK_ALLOWED })
  try {
    await rt.hub.ingest(
      'enrich',
      Array.from({ length: 7 }, (_, i) => ({ payload: { email: `p${i}@acme.com` } })),
    )
    await eventually(async () => (await rt.hub.store.countRuns({ pipelineId: 'enrich' })).succeeded === 7, 15_000)
  } finally {
    await rt.close(3000)
  }

  const cli = io(env)
  expect(await main(['usage'], cli)).toBe(0)
  const text = cli.lines.join('\n')
  const day = new Date().toISOString().slice(0, 10)
  const section = (name: string) => text.split('\n\n').find((b) => b.startsWith(`${name}\n`)) ?? ''
  expect(section('hubspot:default')).toMatch(/^BUDGET\s+PERIOD\s+LIMIT\s+USED\s+REMAINING\s+LEVEL$/m)
  expect(section('hubspot:default')).toMatch(new RegExp(`^daily\\s+day:${day}\\s+250000\\s+7\\s+249993\\s+0 %$`, 'm'))
  expect(section('clay:default')).toMatch(/^submissions\s+lifetime\s+100000\s+7\s+99993\s+0 %$/m)
  expect(section('slack:default')).toBe('slack:default\n(no budgets)')

  const json = io(env)
  expect(await main(['usage', '--json'], json)).toBe(0)
  const rows = JSON.parse(json.lines.join('')) as Array<Record<string, unknown>>
  expect(rows).toContainEqual({
    connection: 'clay:default',
    budget: 'submissions',
    period: 'lifetime',
    limit: 100_000,
    used: 7,
    remaining: 99_993,
    level: 0,
  })
})
