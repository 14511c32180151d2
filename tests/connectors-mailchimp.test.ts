import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createGateway } from '../src/connectors/gateway/index.js'
import { mailchimpConnector, subscriberHash } from '../src/connectors/mailchimp/connector.js'
import { mailchimpEmulator } from '../src/connectors/mailchimp/emulator.js'
import { metaOf } from '../src/connectors/mailchimp/emulator-state.js'
import { memoryConsent } from '../src/consent/access.js'
import { systemClock } from '../src/engine/clock.js'
import { isNonRetryable } from '../src/errors.js'
import { createSqliteStore } from '../src/store/sqlite/index.js'
import { connectorSuite, makeActionContext } from './conformance/connector-suite.js'
import { loopbackGateway } from './helpers/net.js'

const KEY = 'abc123-us6'

connectorSuite({
  name: 'mailchimp',
  connector: mailchimpConnector,
  startEmulator: async () => {
    const emulator = mailchimpEmulator({ apiKeys: [KEY] })
    return { emulator, connection: { apiKey: KEY, baseUrl: await emulator.listen() } }
  },
  cases: {
    ok: {
      action: 'members.upsert',
      input: { listId: 'l1', email: 'ann@acme.com', statusIfNew: 'subscribed', tags: ['a'], consent: { source: 'test:form' } },
      check: (out) => expect(out).toMatchObject({ status: 'subscribed', consentKept: false }),
    },
    // Mailchimp sends no Retry-After on 429: the connector waits 1 s.
    rateLimited: { action: 'members.upsert', input: { listId: 'l1', email: 'ann@acme.com', statusIfNew: 'transactional' }, waitMs: 1000 },
    permanent: {
      action: 'members.upsert',
      input: { listId: 'l1', email: 'ann@acme.com', statusIfNew: 'transactional' },
      connection: (c) => ({ ...c, apiKey: 'wrong-us6' }),
      providerCode: 'API_KEY_INVALID',
    },
  },
})

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()))
})

async function setup(options: Parameters<typeof mailchimpEmulator>[0] = {}, consented: string[] = []) {
  const emu = mailchimpEmulator({ apiKeys: [KEY], ...options })
  open.push(emu)
  const conn = mailchimpConnector.connection.parse({ apiKey: KEY, baseUrl: await emu.listen() })
  const consent = memoryConsent()
  for (const email of consented) await consent.record({ email, state: 'subscribed', source: 'test', at: 1 })
  const a = mailchimpConnector.actions['members.upsert']
  const upsert = (input: unknown) => a.run(a.input?.parse(input), makeActionContext(conn, 'mailchimp.members.upsert', new Map(), consent))
  return { emu, upsert, consent }
}

describe('mailchimp members.upsert: consent', () => {
  it('refuses to subscribe anyone without recorded consent, and sends Mailchimp nothing', async () => {
    const { emu, upsert } = await setup()
    const e = await upsert({ listId: 'l1', email: 'Lead@Acme.com', statusIfNew: 'subscribed' }).catch((x) => x)
    expect(e.code).toBe('PW_CONSENT_REQUIRED')
    expect(isNonRetryable(e)).toBe(true)
    expect(e.message).toContain('Lead@Acme.com (no consent recorded)')
    expect(emu.requests()).toHaveLength(0)
  })

  it('refuses a subscribe when the recorded consent is an opt-out, naming who recorded it', async () => {
    const { emu, upsert, consent } = await setup()
    await consent.record({ email: 'out@acme.com', state: 'unsubscribed', source: 'mailchimp:webhook', at: 5 })
    const e = await upsert({ listId: 'l1', email: 'out@acme.com', statusIfNew: 'subscribed', status: 'subscribed' }).catch((x) => x)
    expect(e.code).toBe('PW_CONSENT_REQUIRED')
    expect(e.message).toContain('recorded unsubscribed by mailchimp:webhook')
    expect(emu.requests()).toHaveLength(0)
  })

  it('allows a double opt-in request (pending) with pending consent, but not a direct subscribe', async () => {
    const { emu, upsert, consent } = await setup()
    await consent.record({ email: 'p@acme.com', state: 'pending', source: 'form', at: 5 })
    expect(await upsert({ listId: 'l1', email: 'p@acme.com', statusIfNew: 'pending' })).toMatchObject({ status: 'pending' })
    const e = await upsert({ listId: 'l1', email: 'p@acme.com', statusIfNew: 'pending', status: 'subscribed' }).catch((x) => x)
    expect(e.code).toBe('PW_CONSENT_REQUIRED')
    expect(emu.member('l1', 'p@acme.com')?.status).toBe('pending')
  })

  it('needs no consent to keep someone transactional or unsubscribed', async () => {
    const { emu, upsert } = await setup()
    await upsert({ listId: 'l1', email: 't@acme.com', statusIfNew: 'transactional', mergeFields: { FNAME: 'T' } })
    await upsert({ listId: 'l1', email: 'u@acme.com', statusIfNew: 'unsubscribed', status: 'unsubscribed' })
    expect(emu.member('l1', 't@acme.com')).toMatchObject({ status: 'transactional', merge_fields: { FNAME: 'T' } })
    expect(emu.member('l1', 'u@acme.com')?.status).toBe('unsubscribed')
  })

  it('records consent evidence given with the call, then subscribes', async () => {
    const { emu, upsert, consent } = await setup()
    const out = await upsert({
      listId: 'l1',
      email: 'form@acme.com',
      statusIfNew: 'subscribed',
      consent: { source: 'webform:signup', at: '2026-02-01T09:00:00Z', evidence: { ip: '203.0.113.5' } },
    })
    expect(out).toMatchObject({ status: 'subscribed' })
    expect(await consent.get('form@acme.com')).toMatchObject({
      state: 'subscribed',
      source: 'webform:signup',
      at: Date.parse('2026-02-01T09:00:00Z'),
      evidence: { ip: '203.0.113.5' },
    })
    expect(emu.member('l1', 'form@acme.com')?.status).toBe('subscribed')
  })

  it('sends interests with the member', async () => {
    const { emu, upsert } = await setup({}, ['i@acme.com'])
    const interests = new Map([
      ['abc123', { id: 'abc123', name: 'News', display_order: 1 }],
      ['def456', { id: 'def456', name: 'Events', display_order: 2 }],
    ])
    metaOf(emu.state, 'l1').categories.set('cat1', { id: 'cat1', title: 'Topics', type: 'checkboxes', interests })
    await upsert({ listId: 'l1', email: 'i@acme.com', statusIfNew: 'subscribed', interests: { abc123: true, def456: false } })
    expect(emu.requests().find((r) => r.method === 'PUT')?.body).toMatchObject({ interests: { abc123: true, def456: false } })
    expect(emu.member('l1', 'i@acme.com')?.interests).toEqual({ abc123: true, def456: false })
  })
})

describe('mailchimp members.upsert', () => {
  it('never re-subscribes a member who unsubscribed, even when asked to (and even where Mailchimp would allow it)', async () => {
    const { emu, upsert } = await setup({ complianceState: false }, ['gone@acme.com'])
    emu.seedMember('l1', 'gone@acme.com', 'unsubscribed')
    const out = await upsert({
      listId: 'l1',
      email: 'Gone@Acme.com',
      statusIfNew: 'subscribed',
      status: 'subscribed',
      mergeFields: { FNAME: 'Gone' },
      tags: ['webinar'],
    })
    expect(out).toMatchObject({ status: 'unsubscribed', consentKept: true })
    expect(emu.member('l1', 'gone@acme.com')).toMatchObject({ status: 'unsubscribed', merge_fields: { FNAME: 'Gone' }, tags: ['webinar'] })
    const put = emu.requests().find((r) => r.method === 'PUT')
    expect(put?.body).not.toHaveProperty('status')
    expect(emu.requests().some((r) => (r.body as { status?: string } | undefined)?.status === 'subscribed')).toBe(false)
  })

  it('keeps a cleaned member cleaned', async () => {
    const { emu, upsert } = await setup({ complianceState: false }, ['bounced@acme.com'])
    emu.seedMember('l1', 'bounced@acme.com', 'cleaned')
    await upsert({ listId: 'l1', email: 'bounced@acme.com', statusIfNew: 'pending', status: 'pending' })
    expect(emu.member('l1', 'bounced@acme.com')?.status).toBe('cleaned')
  })

  it('creates a new member with status_if_new at the lower-case MD5 path, and updates a subscribed member in place', async () => {
    const { emu, upsert } = await setup({}, ['new@acme.com'])
    const a = await upsert({ listId: 'l1', email: 'New@Acme.com', statusIfNew: 'pending', mergeFields: { FNAME: 'N' } })
    expect(a).toMatchObject({ status: 'pending', id: subscriberHash('new@acme.com') })
    expect(emu.requests().at(-1)?.path).toBe(`/3.0/lists/l1/members/${(a as { id: string }).id}`)
    const b = await upsert({ listId: 'l1', email: 'new@acme.com', statusIfNew: 'pending', status: 'subscribed' })
    expect(b).toMatchObject({ status: 'subscribed', consentKept: false })
  })

  it('fails permanently with RESOURCE_NOT_FOUND for an unknown list', async () => {
    const { upsert } = await setup({ lists: ['l1'] })
    const e = await upsert({ listId: 'nope', email: 'ok@acme.com', statusIfNew: 'transactional' }).catch((x) => x)
    expect(isNonRetryable(e)).toBe(true)
    expect(e.providerCode).toBe('RESOURCE_NOT_FOUND')
    expect(e.message).toContain('Resource Not Found')
  })

  it('treats the HTML 503 throttle page as retryable', async () => {
    const { emu, upsert } = await setup()
    emu.faults.set({ errorRate: 1, errorStatus: 503 })
    const e = await upsert({ listId: 'l1', email: 'ok@acme.com', statusIfNew: 'transactional' }).catch((x) => x)
    expect(e.name).toBe('RetryableError')
    expect(e.message).toContain('HTML page')
  })

  it('keeps at most 10 calls in flight through the gateway, so 30 concurrent upserts meet no 429', async () => {
    const emu = mailchimpEmulator({ apiKeys: [KEY], latencyMs: 40 })
    open.push(emu)
    const dir = mkdtempSync(join(tmpdir(), 'pw-mailchimp-'))
    const store = createSqliteStore({ path: join(dir, 'pw.db') })
    await store.migrate()
    for (let i = 0; i < 30; i += 2) await store.recordConsent({ email: `u${i}@acme.com`, state: 'subscribed', source: 'test', at: 1 }, 1)
    const gateway = createGateway({
      ...loopbackGateway,
      connectors: [mailchimpConnector],
      connections: { mailchimp: { default: { apiKey: KEY, baseUrl: await emu.listen() } } },
      store,
      clock: systemClock,
    })
    try {
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          gateway.execute({
            ref: 'mailchimp.members.upsert',
            input: { listId: 'l1', email: `u${i}@acme.com`, statusIfNew: i % 2 === 0 ? 'subscribed' : 'transactional' },
            runId: `r${i}`,
            pipelineId: 'p',
            stepId: 's',
            attempt: 1,
            idempotencyKey: `r${i}:s`,
            signal: new AbortController().signal,
          }),
        ),
      )
      expect(emu.requests().filter((r) => r.status === 429)).toHaveLength(0)
      expect(emu.state.lists.get('l1')?.size).toBe(30)
      expect([...emu.state.lists.get('l1')!.values()].filter((m) => m.status === 'subscribed')).toHaveLength(15)
    } finally {
      await gateway.close()
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
