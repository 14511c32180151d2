import { afterEach, describe, expect, it } from 'vitest'
import { createEmailConnector, smtpFailure } from '../src/connectors/email/connector.js'
import { smtpEmulator } from '../src/connectors/email/emulator.js'
import { memoryConsent } from '../src/consent/access.js'
import { isNonRetryable, retryAfterOf } from '../src/errors.js'
import { makeActionContext } from './conformance/connector-suite.js'

// SMTP is not HTTP, so the HTTP conformance suite (which asserts HTTP statuses) does not
// apply; these tests cover the same outcomes: ok, rate limited, permanent, temporary, reset.
const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()))
})

async function setup(emuOptions: Parameters<typeof smtpEmulator>[0] = {}, connection: Record<string, unknown> = {}) {
  const emu = smtpEmulator(emuOptions)
  const connector = createEmailConnector()
  open.push(emu, { close: async () => connector.close?.() })
  const conn = connector.connection.parse({
    url: 'smtp://ops:secret@mail.example.com:587',
    baseUrl: await emu.listen(),
    from: 'Pipewright <ops@example.com>',
    ...connection,
  })
  const a = connector.actions.send
  const consent = memoryConsent()
  const send = (input: unknown) => a.run(a.input?.parse(input), makeActionContext(conn, 'email.send', new Map(), consent))
  return { emu, send, connector, consent }
}

describe('email.send: marketing needs consent', () => {
  it('refuses a marketing send unless every recipient has recorded consent, and sends nothing', async () => {
    const { emu, send, consent } = await setup()
    await consent.record({ email: 'yes@acme.com', state: 'subscribed', source: 'form', at: 1 })
    await consent.record({ email: 'tx@acme.com', state: 'transactional-only', source: 'crm', at: 1 })
    const e = await rejection(
      send({
        to: ['Yes <YES@acme.com>', 'tx@acme.com'],
        bcc: 'nobody@acme.com',
        subject: 'Spring offer',
        text: 'Hi',
        category: 'marketing',
      }),
    )
    expect(e.code).toBe('PW_CONSENT_REQUIRED')
    expect(isNonRetryable(e)).toBe(true)
    expect(e.message).toContain('tx@acme.com (recorded transactional-only by crm)')
    expect(e.message).toContain('nobody@acme.com (no consent recorded)')
    expect(e.message).not.toContain('YES@acme.com (')
    expect(emu.messages()).toHaveLength(0)
  })

  it('sends a marketing mail when everyone consented, and a transactional one to anyone', async () => {
    const { emu, send, consent } = await setup()
    await consent.record({ email: 'yes@acme.com', state: 'subscribed', source: 'form', at: 1 })
    await consent.record({ email: 'out@acme.com', state: 'unsubscribed', source: 'mailchimp', at: 1 })
    await send({ to: 'yes@acme.com', subject: 'Offer', text: 'Hi', category: 'marketing' })
    await send({ to: 'out@acme.com', subject: 'Your receipt', text: 'Thanks' })
    expect(emu.messages().map((m) => m.subject)).toEqual(['Offer', 'Your receipt'])
  })
})

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e) => e,
  )

describe('email.send', () => {
  it('delivers a templated mail with the right headers and both parts, HTML-escaping data in the HTML part', async () => {
    const { emu, send } = await setup(
      { users: { ops: 'secret' } },
      {
        templates: {
          hot: {
            subject: 'Hot lead: {{ company }}',
            text: 'Score {{ lead.score }} for {{ company }}',
            html: '<h1>{{ company }}</h1><p>Score {{ lead.score }}</p>',
          },
        },
      },
    )
    const out = await send({
      to: ['owner@acme.com'],
      cc: 'boss@acme.com',
      template: 'hot',
      data: { company: 'Acme <Tools>', lead: { score: 91 } },
    })
    expect(out).toMatchObject({ accepted: ['owner@acme.com', 'boss@acme.com'], rejected: [] })
    const [m] = emu.messages()
    expect(m.subject).toBe('Hot lead: Acme <Tools>')
    expect(m.headers.to).toBe('owner@acme.com')
    expect(m.headers.cc).toBe('boss@acme.com')
    expect(m.headers.from).toBe('Pipewright <ops@example.com>')
    expect(m.headers['x-pipewright-idempotency-key']).toBe('run_1:step')
    expect(m.text).toBe('Score 91 for Acme <Tools>')
    expect(m.html).toBe('<h1>Acme &lt;Tools&gt;</h1><p>Score 91</p>')
  })

  it('sends pre-rendered subject, text and html', async () => {
    const { emu, send } = await setup()
    await send({ to: 'a@acme.com', subject: 'Hi', text: 'plain', html: '<b>rich</b>' })
    expect(emu.messages()[0]).toMatchObject({ subject: 'Hi', text: 'plain', html: '<b>rich</b>' })
  })

  it('refuses a template placeholder without data, naming it, and sends nothing', async () => {
    const { emu, send } = await setup({}, { templates: { t: { subject: 'Hi {{ name }}', text: 'x' } } })
    const e = await rejection(send({ to: 'a@acme.com', template: 't', data: {} }))
    expect(isNonRetryable(e)).toBe(true)
    expect(e.message).toContain('{{ name }}')
    expect(emu.messages()).toHaveLength(0)
  })

  it('maps a 421 storm to RateLimitedError (60 s), 451 to retryable, 550 to permanent SMTP_550, bad auth to permanent', async () => {
    const { emu, send } = await setup({ users: { ops: 'secret' }, rejectRecipients: ['gone@acme.com'] })
    emu.faults.set({ rateLimitStorm: {} })
    const limited = await rejection(send({ to: 'a@acme.com', subject: 's', text: 't' }))
    expect(limited.name).toBe('RateLimitedError')
    expect(retryAfterOf(limited)).toBe(60_000)
    emu.faults.replace({ errorRate: 1 })
    const temp = await rejection(send({ to: 'a@acme.com', subject: 's', text: 't' }))
    expect(temp.name).toBe('RetryableError')
    expect(temp.providerCode).toBe('SMTP_451')
    emu.faults.clear()
    const gone = await rejection(send({ to: 'gone@acme.com', subject: 's', text: 't' }))
    expect(isNonRetryable(gone)).toBe(true)
    expect(gone.providerCode).toBe('SMTP_550')
  })

  it('maps bad credentials to a permanent auth error', async () => {
    const { send } = await setup({ users: { ops: 'other' } })
    const e = await rejection(send({ to: 'a@acme.com', subject: 's', text: 't' }))
    expect(isNonRetryable(e)).toBe(true)
    expect(e.code).toBe('PW_CONNECTOR_AUTH')
  })

  it('maps a dropped connection to a retryable network error', async () => {
    const { emu, send } = await setup()
    emu.faults.set({ resetRate: 1 })
    const e = await rejection(send({ to: 'a@acme.com', subject: 's', text: 't' }))
    expect(isNonRetryable(e)).toBe(false)
    expect(e.name).toBe('RetryableError')
  })

  it('declares a budget of 500 a day by default, configurable', () => {
    expect(createEmailConnector().limits?.budgets).toEqual([{ name: 'daily', period: 'day', limit: 500 }])
    expect(createEmailConnector({ dailyLimit: 2000 }).limits?.budgets?.[0].limit).toBe(2000)
    expect(createEmailConnector().fromEnv?.({ SMTP_URL: 'smtp://h:25', SMTP_DAILY_LIMIT: '100' })).toMatchObject({
      limits: { budgets: [{ name: 'daily', limit: 100 }] },
    })
  })

  it('classifies connection errors by nodemailer code', () => {
    expect(smtpFailure({ code: 'ECONNECTION', message: 'refused' })).toMatchObject({ name: 'RetryableError', code: 'PW_CONNECTOR_NETWORK' })
    expect(smtpFailure({ code: 'EENVELOPE', message: 'No recipients defined' }).name).toBe('NonRetryableError')
    expect(smtpFailure({ responseCode: 452, response: '452 4.5.3 Too many recipients' }).name).toBe('RateLimitedError')
  })
})
