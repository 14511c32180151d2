import { describe, expect, it } from 'vitest'
import { ConfigError, formatProblem } from '../../errors.js'
import { compileAlertsConfig } from './config.js'

function problems(raw: unknown, env: Record<string, string> = {}): string[] {
  try {
    compileAlertsConfig(raw, { file: 'alerts.yaml', env })
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map(formatProblem)
    throw e
  }
  return []
}

describe('alerts.yaml', () => {
  it('has the nine default rules with the seed’s thresholds when empty', () => {
    const c = compileAlertsConfig(undefined)
    expect(c.rules.map((r) => [r.id, r.severity, r.description])).toEqual([
      ['run-failure-rate', 'critical', 'run failure rate > 5 % over 15m (at least 10 runs)'],
      ['step-latency-p95', 'warning', 'p95 step latency > 2s over 15m (at least 20 steps)'],
      ['queue-depth', 'warning', 'more than 1,000 runs waiting to execute'],
      ['provider-429', 'warning', 'more than 10 provider 429s per connection in 1h'],
      ['budget', 'warning', 'budget use at 70/85/95/100 % of the period’s allowance (critical from 95 %)'],
      ['dead-letters', 'warning', 'any new dead letters in 15m'],
      ['circuit-open', 'critical', 'a connection’s circuit is open (calls to the provider are stopped)'],
      ['credential-rotation', 'warning', 'a credential’s rotate-by date is within 14d (critical once past)'],
      ['sync-conflicts', 'warning', 'any sync conflicts in 1h'],
    ])
    expect(c.rules.every((r) => r.enabled && r.cooldownMs === 300_000 && r.forMs === 0)).toBe(true)
    expect(c.channels).toEqual([])
  })

  it('overrides a default, adds a rule of an existing kind, and reads environment variables', () => {
    const c = compileAlertsConfig(
      {
        defaults: { cooldown: '10m' },
        rules: {
          'run-failure-rate': { threshold: '2%', window: '30m', for: '2m' },
          'queue-depth': { enabled: false },
          'clay-failures': { kind: 'run-failure-rate', pipelines: ['clay-*'], threshold: 0.01, channels: ['oncall'] },
        },
        channels: { oncall: { type: 'webhook', url: `\${HOOK_URL}` } },
      },
      { env: { HOOK_URL: 'https://example.com/hook' } },
    )
    const rate = c.rules.find((r) => r.id === 'run-failure-rate')!
    expect(rate).toMatchObject({ forMs: 120_000, cooldownMs: 600_000, params: { threshold: 0.02, window: 1_800_000, minRuns: 10 } })
    expect(c.rules.find((r) => r.id === 'queue-depth')!.enabled).toBe(false)
    expect(c.rules.find((r) => r.id === 'clay-failures')).toMatchObject({
      kind: 'run-failure-rate',
      scope: { pipelines: ['clay-*'] },
      channels: ['oncall'],
      params: { threshold: 0.01 },
    })
    expect(c.channels).toEqual([
      { name: 'oncall', type: 'webhook', settings: { url: 'https://example.com/hook', headers: {}, severities: ['warning', 'critical'] } },
    ])
  })

  it.each([
    [{ rule: {} }, 'alerts.yaml, field rule: unknown key "rule"; did you mean "rules"?'],
    [
      { rules: { 'run-failure-rate': { treshold: 0.1 } } },
      'alerts.yaml, field rules.run-failure-rate: unknown key "treshold"; did you mean "threshold"?',
    ],
    [
      { rules: { 'run-failure-rate': { threshold: 5 } } },
      'alerts.yaml, field rules.run-failure-rate.threshold: must be a fraction from 0 to 1 (0.05) or a percentage ("5%"), got 5',
    ],
    [{ rules: { 'queue-dept': {} } }, 'alerts.yaml, field rules.queue-dept: unknown rule kind "queue-dept"; did you mean "queue-depth"?'],
    [{ rules: { mine: { kind: 'budgets' } } }, 'alerts.yaml, field rules.mine.kind: unknown rule kind "budgets"; did you mean "budget"?'],
    [
      { rules: { 'dead-letters': { window: 'ten minutes' } } },
      'alerts.yaml, field rules.dead-letters.window: "ten minutes" is not a duration',
    ],
    [{ rules: { budget: { levels: [85, 70] } } }, 'alerts.yaml, field rules.budget.levels: levels must be ascending percentages'],
    [{ rules: { 'circuit-open': { severity: 'page' } } }, 'alerts.yaml, field rules.circuit-open.severity:'],
    [
      { rules: { 'circuit-open': { channels: ['pager'] } } },
      'alerts.yaml, field rules.circuit-open.channels: no channel "pager"; no channels are configured',
    ],
    [
      { channels: { ops: { type: 'sms' } } },
      'alerts.yaml, field channels.ops.type: unknown channel type "sms"; known: slack, email, webhook',
    ],
    [
      { channels: { ops: { type: 'slack', channel: '#ops' } } },
      'alerts.yaml, field channels.ops: give webhookUrl (an incoming webhook) or token',
    ],
    [
      { channels: { ops: { type: 'slack', token: 'x', chanel: '#ops' } } },
      'alerts.yaml, field channels.ops: unknown key "chanel"; did you mean "channel"?',
    ],
    [
      { channels: { ops: { type: 'email', url: 'smtp://h', from: 'a@b.co', to: 'c@d.co', digest: { at: '8:30' } } } },
      'alerts.yaml, field channels.ops.digest.at: must be a time of day as HH:MM, e.g. 08:30',
    ],
    [
      { channels: { ops: { type: 'email', url: 'smtp://h', from: 'a@b.co', to: 'c@d.co', digest: { at: '08:30', timezone: 'Berlin' } } } },
      'alerts.yaml, field channels.ops.digest.timezone: is not an IANA time zone',
    ],
    [{ channels: { hook: { type: 'webhook', url: 'https://x.test', secret: 'not base64!' } } }, 'must be a Standard Webhooks secret'],
    [{ channels: { hook: { type: 'webhook', url: `\${MISSING_URL}` } } }, 'alerts.yaml: environment variable MISSING_URL is not set'],
    [{ evaluateEvery: '100ms' }, 'alerts.yaml, field evaluateEvery: must be at least 1s'],
  ])('reports %j clearly', (raw, message) => {
    expect(problems(raw).join('\n')).toContain(message)
  })

  it('reports every problem at once', () => {
    expect(problems({ rules: { 'queue-depth': { treshold: 1 }, budget: { levels: 'all' } }, channels: { x: 1 } })).toHaveLength(3)
  })
})
