/**
 * Alert channels against the emulators: Slack (chat.postMessage and an incoming webhook),
 * e-mail through the SMTP emulator with the daily digest in a time zone, and budget levels
 * reached through the real gateway, each alerting once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineConnector } from '../src/connectors/contract.js'
import { type SmtpEmulator, smtpEmulator } from '../src/connectors/email/emulator.js'
import { createGateway } from '../src/connectors/gateway/index.js'
import { type SlackState, slackEmulator } from '../src/connectors/slack/emulator.js'
import { ManualClock } from '../src/engine/clock.js'
import { nextDigestAt } from '../src/observe/alerts/channels/email.js'
import type { EmulatorServer } from '../src/sandbox/emulator.js'
import type { Store } from '../src/store/contract.js'
import { scriptedAlerting } from './helpers/alerts.js'
import { sqliteStore, tempDir } from './helpers/engine.js'

const MIN = 60_000
// Monday 5 January 2026, 10:00:30 UTC = 11:00:30 in Berlin.
const T0 = Date.UTC(2026, 0, 5, 10, 0, 30)

let tmp: ReturnType<typeof tempDir>
let store: Store
let clock: ManualClock
let slack: EmulatorServer<SlackState>
let smtp: SmtpEmulator
let slackUrl: string
let smtpUrl: string
const closers: Array<() => Promise<void>> = []

beforeEach(async () => {
  tmp = tempDir('pw-alert-ch-')
  store = sqliteStore(tmp.dir)
  await store.migrate()
  clock = new ManualClock(T0)
  slack = slackEmulator({ burst: 100 })
  smtp = smtpEmulator()
  slackUrl = await slack.listen({ host: '127.0.0.1', port: 0 })
  smtpUrl = (await smtp.listen({ host: '127.0.0.1', port: 0 })).replace(/^smtp:/, 'smtp:')
})

afterEach(async () => {
  for (const c of closers.splice(0)) await c()
  await slack.close()
  await smtp.close()
  await store.close()
  tmp.cleanup()
})

function alerting(raw: unknown, usage?: NonNullable<Parameters<typeof scriptedAlerting>[3]>['usage']) {
  const s = scriptedAlerting(store, clock, raw, usage ? { usage } : {})
  closers.push(() => s.close())
  return s
}

const openCircuit = (connector: string) => ({ connector, connection: 'default', state: 'open' as const, retryAfterMs: 30_000 })
const closed = (connector: string) => ({ connector, connection: 'default', state: 'closed' as const, retryAfterMs: 0 })

describe('Slack channel', () => {
  it('posts a critical alert and its resolution to #alerts with a bot token, and ignores warnings', async () => {
    const s = alerting({
      channels: { oncall: { type: 'slack', token: 'xoxb-alerts', baseUrl: slackUrl } },
    })
    s.src.circuits = [openCircuit('hubspot')]
    s.src.credentials = [{ id: 'notion-token', connections: [], owner: null, rotateBy: T0 + 86_400_000 }] // a warning
    await s.alerting.evaluate()
    const sent = await s.alerting.deliver()
    expect(sent.sent.map((x) => x.channel)).toEqual(['oncall'])
    s.src.circuits = [closed('hubspot')]
    for (let m = 0; m < 7; m++) {
      await clock.advance(MIN)
      await s.alerting.evaluate()
      await s.alerting.deliver()
    }
    const posted = slack.state.messages
    expect(slack.requests().map((r) => [r.path, (r.body as { channel?: string }).channel])).toEqual([
      ['/api/chat.postMessage', '#alerts'],
      ['/api/chat.postMessage', '#alerts'],
    ])
    expect(posted[0]!.text).toContain('[FIRING] critical · circuit-open · hubspot:default')
    expect(posted[1]!.text).toMatch(/\[RESOLVED\] critical · circuit-open · hubspot:default: Resolved after \d+m/)
    expect(JSON.stringify(posted[0]!.blocks)).toContain(':red_circle:')
  })

  it('posts to an incoming webhook, and retries after Slack answers 429', async () => {
    const s = alerting({
      channels: { hooks: { type: 'slack', webhookUrl: 'https://hooks.slack.com/services/T1/B2/abc', baseUrl: slackUrl } },
    })
    slack.faults.set({ rateLimitStorm: {} })
    s.src.circuits = [openCircuit('airtable')]
    await s.alerting.evaluate()
    const first = await s.alerting.deliver()
    expect(first.retrying).toHaveLength(1)
    expect(first.retrying[0]!.error).toContain('Slack refused the alert')
    slack.faults.replace({})
    await clock.advance(2 * MIN)
    const second = await s.alerting.deliver()
    expect(second.sent).toHaveLength(1)
    expect(slack.state.messages).toMatchObject([{ via: 'webhook', webhook: 'T1/B2/abc' }])
  })
})

describe('e-mail channel', () => {
  it('sends a critical alert at once and batches warnings into one digest at 08:30 Berlin time', async () => {
    const s = alerting({
      channels: {
        ops: {
          type: 'email',
          url: smtpUrl,
          from: 'Pipewright <hub@acme.test>',
          to: ['ops@acme.test'],
          digest: { at: '08:30', timezone: 'Europe/Berlin' },
        },
      },
    })
    // One critical, three warnings from three rules.
    s.src.circuits = [openCircuit('hubspot')]
    s.src.credentials = [
      { id: 'notion-token', connections: [], owner: 'ana@acme.test', rotateBy: T0 + 3 * 86_400_000 },
      { id: 'airtable-pat', connections: [], owner: null, rotateBy: T0 + 5 * 86_400_000 },
    ]
    s.src.conflicts = [{ sync: 'crm-hubspot', at: T0 }]
    await s.alerting.evaluate()
    await s.alerting.deliver()
    expect(smtp.messages().map((m) => m.subject)).toEqual(['[FIRING] critical · circuit-open · hubspot:default'])

    // The credential warning for airtable resolves before the digest: it is reported resolved.
    await clock.advance(MIN)
    s.src.credentials = [s.src.credentials[0]!]
    for (let m = 0; m < 7; m++) {
      await clock.advance(MIN)
      await s.alerting.evaluate()
      await s.alerting.deliver()
    }
    expect(smtp.messages()).toHaveLength(1)

    const digestAt = nextDigestAt({ at: '08:30', timezone: 'Europe/Berlin' }, T0)
    expect(new Date(digestAt).toISOString()).toBe('2026-01-06T07:30:00.000Z')
    await clock.advance(digestAt - clock.now() - 1000)
    expect((await s.alerting.deliver()).sent).toHaveLength(0)
    await clock.advance(1000)
    const r = await s.alerting.deliver()
    expect(new Set(r.sent.map((x) => x.batch)).size).toBe(1)
    const mails = smtp.messages()
    expect(mails).toHaveLength(2)
    const digest = mails[1]!
    expect(digest.to).toEqual(['ops@acme.test'])
    expect(digest.subject).toBe('Pipewright alert digest: 3 incidents, 2 still open')
    expect(digest.text).toContain('[FIRING] warning · credential-rotation · notion-token')
    expect(digest.text).toContain('[RESOLVED] warning · credential-rotation · airtable-pat')
    expect(digest.text).toContain('[FIRING] warning · sync-conflicts · crm-hubspot')
    expect(digest.text).not.toContain('circuit-open')
    // Nothing is sent twice.
    expect((await s.alerting.deliver()).sent).toHaveLength(0)
  })

  it('gives up on a recipient the server refuses for good, and says so', async () => {
    await smtp.close()
    smtp = smtpEmulator({ rejectRecipients: ['nobody@acme.test'] })
    const url = await smtp.listen({ host: '127.0.0.1', port: 0 })
    const s = alerting({
      channels: { ops: { type: 'email', url, from: 'hub@acme.test', to: 'nobody@acme.test', digest: false } },
    })
    s.src.circuits = [openCircuit('hubspot')]
    await s.alerting.evaluate()
    const r = await s.alerting.deliver()
    expect(r.failed).toHaveLength(1)
    expect(r.failed[0]!.error).toMatch(/SMTP|refused|550/)
    expect((await store.alerts.listNotifications({ status: 'failed' })).length).toBe(1)
  })
})

describe('budget levels through the gateway', () => {
  it('alerts once at each of 70, 85, 95 and 100 %, and resolves when the next month starts', async () => {
    const meter = defineConnector({
      id: 'meter',
      connection: z.object({}),
      limits: { budgets: [{ name: 'ops', period: 'month', limit: 100 }] },
      actions: { use: { run: async () => ({ ok: true }) } },
    })
    const gateway = createGateway({ connectors: [meter], connections: { meter: { default: {} } }, store, clock })
    closers.push(() => gateway.close())
    const s = alerting(
      {
        channels: {
          oncall: { type: 'slack', token: 'xoxb-alerts', baseUrl: slackUrl },
          ops: { type: 'email', url: smtpUrl, from: 'hub@acme.test', to: 'ops@acme.test', digest: false },
        },
      },
      () => gateway.usage(),
    )
    let calls = 0
    const use = async (n: number) => {
      for (let i = 0; i < n; i++) {
        calls++
        await gateway.execute({
          ref: 'meter.use',
          input: {},
          runId: `run-${calls}`,
          pipelineId: 'p',
          stepId: 's',
          attempt: 1,
          idempotencyKey: `run-${calls}:s`,
          signal: new AbortController().signal,
        })
      }
    }
    const step = async () => {
      const r = await s.alerting.evaluate()
      await s.alerting.deliver()
      return r.transitions.map((t) => t.transition)
    }
    await use(69)
    expect(await step()).toEqual([])
    await use(1) // 70
    expect(await step()).toEqual(['fired'])
    await use(14) // 84
    expect(await step()).toEqual([])
    await use(1) // 85
    expect(await step()).toEqual(['escalated'])
    await use(10) // 95
    expect(await step()).toEqual(['escalated'])
    expect(await step()).toEqual([])
    await use(5) // 100
    expect(await step()).toEqual(['escalated'])
    expect(await step()).toEqual([])

    const subjects = smtp.messages().map((m) => m.subject)
    expect(subjects).toEqual([
      '[FIRING] warning · budget · meter:default/ops@month:2026-01',
      '[ESCALATED] warning · budget · meter:default/ops@month:2026-01',
      '[ESCALATED] critical · budget · meter:default/ops@month:2026-01',
      '[ESCALATED] critical · budget · meter:default/ops@month:2026-01',
    ])
    expect(smtp.messages()[1]!.text).toContain('Now at level 85.')
    expect(slack.state.messages.map((m) => m.text.split(':')[0])).toEqual([
      '[ESCALATED] critical · budget · meter',
      '[ESCALATED] critical · budget · meter',
    ])

    // February: the January budget is no longer this period's; its incident resolves.
    await clock.advance(Date.UTC(2026, 1, 1) - clock.now() + 1000)
    const seen: string[] = []
    for (let m = 0; m < 7; m++) {
      seen.push(...(await step()))
      await clock.advance(MIN)
    }
    expect(seen).toEqual(['resolved'])
    expect(smtp.messages().at(-1)!.subject).toBe('[RESOLVED] critical · budget · meter:default/ops@month:2026-01')
    expect(slack.state.messages).toHaveLength(3)
  })
})
