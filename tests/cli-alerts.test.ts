/**
 * `pipewright alerts list | test | export` and `/api/v1/alerts` over a project directory with
 * an alerts.yaml, a real SQLite store and the Slack emulator.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { main } from '../src/cli/main.js'
import { type SlackState, slackEmulator } from '../src/connectors/slack/emulator.js'
import { createRuntime, type Runtime } from '../src/runtime.js'
import type { EmulatorServer } from '../src/sandbox/emulator.js'
import { recordingIo } from './helpers/cli.js'
import { tempDir } from './helpers/engine.js'

let tmp: ReturnType<typeof tempDir>
let slack: EmulatorServer<SlackState>
let env: Record<string, string>

const ALERTS = `
defaults: { cooldown: 10m }
rules:
  run-failure-rate: { threshold: 2%, window: 30m }
  queue-depth: { enabled: false }
  clay-failures: { kind: run-failure-rate, pipelines: [clay-*], threshold: 1%, channels: [oncall] }
channels:
  oncall: { type: slack, token: "\${ALERT_SLACK_TOKEN}", baseUrl: "\${SLACK_BASE}", severities: [warning, critical] }
`

beforeEach(async () => {
  tmp = tempDir('pw-cli-alerts-')
  slack = slackEmulator({ burst: 100 })
  const base = await slack.listen({ host: '127.0.0.1', port: 0 })
  env = { ALERT_SLACK_TOKEN: 'xoxb-secret-alert-token', SLACK_BASE: base, PIPEWRIGHT_DATABASE_URL: `sqlite:${join(tmp.dir, 'pw.db')}` }
  await writeFile(join(tmp.dir, 'alerts.yaml'), ALERTS)
})

afterEach(async () => {
  await slack.close()
  tmp.cleanup()
})

async function cli(...argv: string[]) {
  const io = recordingIo(tmp.dir, env)
  const code = await main(argv, io)
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') }
}

describe('pipewright alerts', () => {
  it('lists the rules in force and the channels, never the token', async () => {
    const r = await cli('alerts', 'list')
    expect(r.code).toBe(0)
    expect(r.out).toContain('run-failure-rate')
    expect(r.out).toMatch(/queue-depth\s+no/)
    expect(r.out).toContain('clay-failures')
    expect(r.out).toContain('chat.postMessage to #alerts')
    expect(r.out).toContain('no open incidents')
    expect(r.out + r.err).not.toContain('xoxb-secret-alert-token')
    const json = JSON.parse((await cli('alerts', 'list', '--json')).out)
    expect(json.rules.find((x: { id: string }) => x.id === 'clay-failures')).toMatchObject({
      scope: 'pipeline clay-*',
      channels: ['oncall'],
    })
    expect(JSON.stringify(json)).not.toContain('xoxb-secret-alert-token')
  })

  it('tests a rule: evaluates it and sends a test message to Slack', async () => {
    const r = await cli('alerts', 'test', 'clay-failures')
    expect(r.code).toBe(0)
    expect(r.out).toContain('does not hold now')
    expect(r.out).toContain('✓ test message sent to oncall')
    expect(slack.state.messages).toHaveLength(1)
    expect(slack.state.messages[0]!.text).toContain('[TEST] critical · clay-failures · test')
    const none = await cli('alerts', 'test', 'clay-failures', '--no-send')
    expect(none.out).toContain('no test message sent')
    expect(slack.state.messages).toHaveLength(1)
    const unknown = await cli('alerts', 'test', 'clay-failure')
    expect(unknown.code).toBe(2)
    expect(unknown.err).toContain('no alert rule "clay-failure"')
  })

  it('exports the same rules for Prometheus and Grafana', async () => {
    const prom = await cli('alerts', 'export', '--prometheus')
    expect(prom.code).toBe(0)
    const doc = parse(prom.out)
    const rules = doc.groups[0].rules as Array<{ alert: string; expr: string; labels: Record<string, string>; keep_firing_for?: string }>
    const rate = rules.find((r) => r.alert === 'PipewrightRunFailureRate')!
    expect(rate.expr).toContain('> 0.02')
    expect(rate.expr).toContain('[30m]')
    expect(rate).toMatchObject({ keep_firing_for: '10m', labels: { severity: 'critical', pipewright_rule: 'run-failure-rate' } })
    expect(rules.find((r) => r.alert === 'PipewrightClayFailures')!.expr).toContain('pipeline=~"clay-.*"')
    expect(rules.some((r) => r.alert === 'PipewrightQueueDepth')).toBe(false)
    expect(rules.filter((r) => r.alert.startsWith('PipewrightBudget')).map((r) => [r.alert, r.labels.severity])).toEqual([
      ['PipewrightBudget70', 'warning'],
      ['PipewrightBudget85', 'warning'],
      ['PipewrightBudget95', 'critical'],
      ['PipewrightBudget100', 'critical'],
    ])
    expect(prom.err).toContain('credential-rotation, sync-conflicts')

    const out = join(tmp.dir, 'dash.json')
    expect((await cli('alerts', 'export', '--grafana', '--out', out)).code).toBe(0)
    const dash = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(out, 'utf8')))
    expect(dash.panels.map((p: { title: string }) => p.title)).toContain('Provider 429s and our pacing waits')
    const failure = dash.panels.find((p: { title: string }) => p.title === 'Run failure rate by pipeline')
    expect(failure.fieldConfig.defaults.thresholds.steps.map((s: { value: number | null }) => s.value)).toEqual([null, 0.01, 0.02])
    expect((await cli('alerts', 'export')).code).toBe(2)
  })

  it('refuses a broken alerts.yaml with every problem', async () => {
    await writeFile(join(tmp.dir, 'alerts.yaml'), 'rules:\n  queue-depth: { treshold: 5 }\nchanel: {}\n')
    const r = await cli('alerts', 'list')
    expect(r.code).toBe(1)
    expect(r.err).toContain('unknown key "treshold"; did you mean "threshold"?')
    expect(r.err).toContain('unknown key "chanel"; did you mean "channels"?')
  })
})

describe('/api/v1/alerts', () => {
  let runtime: Runtime | null = null
  afterEach(async () => {
    await runtime?.close(2000)
    runtime = null
  })

  it('shows rules, channels without secrets, incidents, and sends a test on request', async () => {
    runtime = await createRuntime({ cwd: tmp.dir, env, pipelines: [], server: true, port: 0, logLevel: 'silent' })
    const get = async (path: string) => (await fetch(`${runtime!.url}${path}`)).json() as Promise<Record<string, any>>
    const all = await get('/api/v1/alerts')
    expect(all.rules).toHaveLength(10)
    expect(all.channels).toEqual([
      { name: 'oncall', type: 'slack', via: 'chat.postMessage to #alerts', severities: ['warning', 'critical'] },
    ])
    expect(all.incidents).toEqual([])
    expect(JSON.stringify(all)).not.toContain('xoxb')
    const res = await fetch(`${runtime.url}/api/v1/alerts/rules/run-failure-rate/test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ send: true }),
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ rule: 'run-failure-rate', findings: [], queued: 1 })
    expect(slack.state.messages).toHaveLength(1)
    const json = { 'content-type': 'application/json' }
    expect((await fetch(`${runtime.url}/api/v1/alerts/rules/nope/test`, { method: 'POST', headers: json })).status).toBe(404)
    expect((await get('/api/v1/alerts/incidents?status=bogus')).error.code).toBe('PW_BAD_REQUEST')
  })
})
