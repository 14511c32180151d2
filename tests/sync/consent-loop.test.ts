/**
 * The consent loop end to end: a CRM table ↔ a Mailchimp list (the emulator, real loopback
 * HTTP both ways) ↔ HubSpot's subscription status, with Mailchimp's list webhooks posted to the
 * runtime's server. Nobody is subscribed without recorded consent; an unsubscribe in Mailchimp
 * reaches the CRM and HubSpot and is never undone by the next CRM → Mailchimp pass.
 */
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { hubspotEmulator } from '../../src/connectors/hubspot/emulator.js'
import { type HubspotState, updateRecord } from '../../src/connectors/hubspot/emulator-state.js'
import { type MailchimpEmulator, mailchimpEmulator } from '../../src/connectors/mailchimp/emulator.js'
import { systemClock } from '../../src/engine/clock.js'
import { createRuntime, type Runtime } from '../../src/runtime.js'
import type { EmulatorServer } from '../../src/sandbox/emulator.js'
import { compileSync } from '../../src/sync/compile.js'
import { consentToStatus, statusToConsent } from '../../src/sync/sides/mailchimp.js'
import { MemoryTable, memoryConnector } from '../../src/sync/sides/memory.js'
import type { SyncDefinition } from '../../src/sync/types.js'
import { signHubSpotV3 } from '../../src/triggers/auth/index.js'
import { eventually, tempDir } from '../helpers/engine.js'
import { LOOPBACK_ALLOWED } from '../helpers/net.js'

const KEY = '0123456789abcdef0123456789abcdef-us6'
const LIST = 'list1'
const SECRET = 'mc-sync-secret'

const crmMailchimp: SyncDefinition = {
  id: 'crm-mailchimp',
  sides: { a: { side: 'memory:crm', matchKeys: ['email'] }, b: `mailchimp:${LIST}` },
  match: { a: 'email', b: 'email', normalize: 'email' },
  fields: [
    { a: 'email', b: 'email', owner: 'a' },
    { a: 'name', b: 'FNAME', owner: 'a' },
    { a: 'consent', b: 'status', owner: 'latest', toB: consentToStatus, toA: statusToConsent },
  ],
  create: 'a-to-b',
  schedule: { every: '1h', repair: false },
  webhooks: [{ side: 'b', path: 'mailchimp', normalize: 'mailchimp', auth: { scheme: 'url-secret', secret: SECRET } }],
}
// HubSpot: the name both ways, the subscription status (`hs_email_optout`) from the CRM's consent
const HS_SECRET = 'hubspot-app-secret'
const HS_PUBLIC = 'https://hooks.example.com'
const crmHubspot: SyncDefinition = {
  id: 'crm-hubspot',
  sides: { a: { side: 'memory:crm', matchKeys: ['email'] }, b: { side: 'hubspot:main/contacts', settleMs: 0 } },
  match: { a: 'email', b: 'email', normalize: 'email' },
  fields: [
    { a: 'email', b: 'email', owner: 'a' },
    { a: 'name', b: 'firstname', owner: 'latest' },
    {
      a: 'consent',
      b: 'hs_email_optout',
      direction: 'a-to-b',
      toB: (v: unknown) => (v === 'unsubscribed' || v === 'cleaned' ? 'true' : 'false'),
    },
  ],
  create: 'a-to-b',
  schedule: { every: '1h', repair: false },
  webhooks: [
    { side: 'b', path: 'hubspot', normalize: 'hubspot', auth: { scheme: 'hubspot-v3', secret: HS_SECRET, publicBaseUrl: HS_PUBLIC } },
  ],
}

let rt: Runtime | undefined
let emu: MailchimpEmulator | undefined
let hs: EmulatorServer<HubspotState> | undefined
let cleanup: (() => void) | undefined
afterEach(async () => {
  await rt?.close(2000)
  await emu?.close()
  await hs?.close()
  cleanup?.()
  rt = emu = hs = cleanup = undefined
})

async function setup() {
  const tmp = tempDir('pw-consent-loop-')
  cleanup = tmp.cleanup
  emu = mailchimpEmulator({ apiKeys: [KEY], lists: [LIST] })
  const mcUrl = await emu.listen()
  const crm = new MemoryTable('crm', systemClock)
  hs = hubspotEmulator({ searchLagMs: 0 })
  const hsUrl = await hs.listen()
  rt = await createRuntime({
    cwd: tmp.dir,
    env: {},
    pipelines: [],
    syncs: [crmMailchimp, crmHubspot].map((d) => compileSync(d, { format: 'ts' })),
    connectors: [memoryConnector({ crm })],
    connections: {
      memory: { default: {} },
      mailchimp: { default: { apiKey: KEY, baseUrl: mcUrl } },
      hubspot: { main: { token: 'pat-test', baseUrl: hsUrl } },
    },
    allowPrivateNetwork: LOOPBACK_ALLOWED,
    databaseUrl: `sqlite:${tmp.dir}/pw.db`,
    server: true,
    port: 0,
    scheduler: false,
    logLevel: 'silent',
  })
  const contact = (email: string) => [...hs!.state.objects.contacts.values()].find((r) => r.properties.email === email)
  return { crm, contact, hs, runtime: rt, emu, hook: `${rt.url}/hooks/mailchimp` }
}

/** Register the runtime's webhook with the Mailchimp list, as a user would (Mailchimp checks the URL with a GET first). */
async function registerHook(e: MailchimpEmulator, url: string) {
  const res = await fetch(`${e.url}/3.0/lists/${LIST}/webhooks`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`x:${KEY}`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      url,
      events: { subscribe: true, unsubscribe: true, profile: true, cleaned: true, upemail: true, campaign: false },
      sources: { user: true, admin: true, api: false },
    }),
  })
  expect(res.status).toBe(200)
}

describe('consent loop: CRM ↔ Mailchimp ↔ HubSpot', () => {
  it('an unsubscribe in Mailchimp reaches the CRM row and HubSpot, and the next CRM → Mailchimp pass does not re-subscribe', async () => {
    const { crm, contact, runtime, emu, hook } = await setup()
    await registerHook(emu, `${hook}?secret=${SECRET}`)
    await runtime.hub.store.recordConsent(
      { email: 'ann@acme.com', state: 'subscribed', source: 'webform:newsletter', at: Date.now() - 60_000 },
      Date.now(),
    )
    const ann = crm.put({ email: 'ann@acme.com', name: 'Ann', consent: 'subscribed' })
    crm.put({ email: 'bob@acme.com', name: 'Bob', consent: 'subscribed' }) // says so, but no consent was recorded
    const first = await runtime.syncs.run('crm-mailchimp')
    expect(first.runs).toMatchObject({ started: 1, succeeded: 1, dead: 0 })
    expect(first.writes.b.create).toBe(2)
    expect(emu.member(LIST, 'ann@acme.com')).toMatchObject({ status: 'subscribed', merge_fields: { FNAME: 'Ann' } })
    expect(emu.member(LIST, 'bob@acme.com')?.status).toBe('transactional')
    await runtime.syncs.run('crm-mailchimp') // Bob's real status flows back to the CRM
    expect(crm.read(ann)?.consent).toBe('subscribed')
    expect(crm.find('email', 'bob@acme.com')[0]?.fields.consent).toBe('transactional-only')
    await runtime.syncs.run('crm-hubspot')
    expect(contact('ann@acme.com')?.properties).toMatchObject({ firstname: 'Ann', hs_email_optout: 'false' })

    // Ann clicks "unsubscribe" in a campaign: Mailchimp posts the webhook to the runtime
    emu.userUnsubscribes(LIST, 'ann@acme.com')
    await emu.flushWebhooks()
    expect(emu.webhookDeliveries().map((d) => [d.type, d.status])).toEqual([['unsubscribe', 202]])
    await eventually(async () => (crm.read(ann)?.consent === 'unsubscribed' ? true : null), 20_000)
    expect(await runtime.hub.store.getConsent('ann@acme.com')).toMatchObject({ state: 'unsubscribed', source: `mailchimp:${LIST}` })
    await runtime.syncs.run('crm-hubspot')
    expect(contact('ann@acme.com')?.properties.hs_email_optout).toBe('true')

    // a sales rep sets the CRM back to subscribed: the next pass keeps Mailchimp's opt-out
    crm.patch(ann, { consent: 'subscribed', name: 'Ann Smith' })
    await runtime.syncs.run('crm-mailchimp')
    expect(emu.member(LIST, 'ann@acme.com')).toMatchObject({ status: 'unsubscribed', merge_fields: { FNAME: 'Ann Smith' } })
    await runtime.syncs.run('crm-mailchimp')
    expect(crm.read(ann)?.consent).toBe('unsubscribed')
    expect(emu.member(LIST, 'ann@acme.com')?.status).toBe('unsubscribed')
  })

  it('writes many members as a few batch subscribe requests instead of one PUT each, consent still deciding each status', async () => {
    const { crm, runtime, emu } = await setup()
    for (let i = 0; i < 40; i++) {
      const email = `p${i}@acme.com`
      if (i % 4 === 0)
        await runtime.hub.store.recordConsent({ email, state: 'subscribed', source: 'webform', at: Date.now() - 1000 }, Date.now())
      crm.put({ email, name: `P${i}`, consent: 'subscribed' })
    }
    const r = await runtime.syncs.run('crm-mailchimp')
    expect(r.runs).toMatchObject({ started: 1, succeeded: 1, dead: 0 })
    expect(r.writes.b.create).toBe(40)
    const writes = emu.requests().filter((q) => q.method !== 'GET')
    const batches = writes.filter((q) => q.method === 'POST' && q.path === `/3.0/lists/${LIST}`)
    expect(batches.length).toBeGreaterThan(0)
    expect(batches.length).toBeLessThanOrEqual(10)
    expect(writes.filter((q) => q.method === 'PUT').length).toBeLessThan(40 - batches.length)
    for (let i = 0; i < 40; i++) expect(emu.member(LIST, `p${i}@acme.com`)?.status).toBe(i % 4 === 0 ? 'subscribed' : 'transactional')
    console.log(`40 members: ${batches.length} batch subscribe requests, ${writes.filter((q) => q.method === 'PUT').length} single PUTs`)
  })

  it('answers the Mailchimp GET URL check, and refuses a forged or unsigned POST without touching consent', async () => {
    const { runtime, hook } = await setup()
    expect((await fetch(`${hook}?secret=${SECRET}`)).status).toBe(200)
    const body = new URLSearchParams({
      type: 'unsubscribe',
      fired_at: '2026-03-26 21:40:57',
      'data[action]': 'unsub',
      'data[list_id]': LIST,
      'data[email]': 'ann@acme.com',
    }).toString()
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    expect((await fetch(hook, { method: 'POST', headers: form, body })).status).toBe(401)
    expect((await fetch(`${hook}?secret=wrong`, { method: 'POST', headers: form, body })).status).toBe(401)
    expect(await runtime.hub.store.getConsent('ann@acme.com')).toBeNull()
    const ok = await fetch(`${hook}?secret=${SECRET}`, { method: 'POST', headers: form, body })
    expect(ok.status).toBe(202)
    await eventually(async () => (await runtime.hub.store.getConsent('ann@acme.com')) ?? null, 10_000)
  })

  it('a v3-signed HubSpot contact.propertyChange nudges the CRM ↔ HubSpot sync (no pass asked for); a forged one is refused', async () => {
    const { crm, contact, runtime } = await setup()
    const ann = crm.put({ email: 'ann@acme.com', name: 'Ann', consent: null })
    await runtime.syncs.run('crm-hubspot')
    const rec = contact('ann@acme.com')!
    updateRecord(hs!.state, 'contacts', rec, { firstname: 'Annie' }, Date.now()) // edited in HubSpot
    const body = JSON.stringify([
      {
        eventId: 11,
        subscriptionId: 1,
        portalId: 1,
        appId: 1,
        occurredAt: Date.now(),
        subscriptionType: 'contact.propertyChange',
        attemptNumber: 0,
        objectId: Number(rec.id),
        propertyName: 'firstname',
        propertyValue: 'Annie',
        changeSource: 'CRM',
      },
      {
        eventId: 12,
        subscriptionId: 2,
        portalId: 1,
        appId: 1,
        occurredAt: Date.now(),
        subscriptionType: 'deal.creation',
        attemptNumber: 0,
        objectId: 9,
        changeSource: 'CRM',
      },
    ])
    const url = `${HS_PUBLIC}/hooks/hubspot`
    const json = { 'content-type': 'application/json' }
    const forged = await fetch(`${runtime.url}/hooks/hubspot`, {
      method: 'POST',
      headers: { ...json, ...signHubSpotV3('not-the-secret', 'POST', url, body, Date.now()) },
      body,
    })
    expect(forged.status).toBe(401)
    expect((await fetch(`${runtime.url}/hooks/hubspot`, { method: 'POST', headers: json, body })).status).toBe(401)
    const signed = await fetch(`${runtime.url}/hooks/hubspot`, {
      method: 'POST',
      headers: { ...json, ...signHubSpotV3(HS_SECRET, 'POST', url, body, Date.now()) },
      body,
    })
    expect(signed.status).toBe(202)
    await eventually(async () => (crm.read(ann)?.name === 'Annie' ? true : null), 20_000)
  })
})

type Step =
  | { kind: 'crm'; who: number; consent: string | null }
  | { kind: 'optIn'; who: number }
  | { kind: 'optOut'; who: number }
  | { kind: 'mcUnsubscribe'; who: number }
  | { kind: 'mcSubscribe'; who: number }
  | { kind: 'bounce'; who: number }
  | { kind: 'pass' }

describe('consent property', () => {
  it('over random status histories, a member is only ever subscribed by a write while consent to it is recorded', async () => {
    const who = fc.integer({ min: 0, max: 2 })
    const step: fc.Arbitrary<Step> = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant('crm' as const),
          who,
          consent: fc.constantFrom('subscribed', 'subscribed', 'unsubscribed', 'pending', null),
        }),
      },
      { weight: 2, arbitrary: fc.constant<Step>({ kind: 'pass' }) },
      fc.record({ kind: fc.constant('optIn' as const), who }),
      fc.record({ kind: fc.constant('optOut' as const), who }),
      fc.record({ kind: fc.constant('mcUnsubscribe' as const), who }),
      fc.record({ kind: fc.constant('mcSubscribe' as const), who }),
      fc.record({ kind: fc.constant('bounce' as const), who }),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 10 }), async (steps) => {
        const { crm, runtime, emu: mc, hook } = await setup()
        try {
          await registerHook(mc, `${hook}?secret=${SECRET}`)
          const emails = ['p0@x.io', 'p1@x.io', 'p2@x.io']
          const ids = emails.map((email) => crm.put({ email, name: email, consent: null }))
          for (const s of [...steps, { kind: 'pass' } as Step]) {
            const email = 'who' in s ? emails[s.who]! : ''
            switch (s.kind) {
              case 'crm':
                crm.patch(ids[s.who]!, { consent: s.consent })
                break
              case 'optIn':
              case 'optOut':
                await runtime.hub.store.recordConsent(
                  { email, state: s.kind === 'optIn' ? 'subscribed' : 'unsubscribed', source: 'test', at: Date.now() },
                  Date.now(),
                )
                break
              case 'mcUnsubscribe':
                if (mc.member(LIST, email)) mc.userUnsubscribes(LIST, email)
                break
              case 'mcSubscribe':
                mc.userSubscribes(LIST, email) // the person signs up on Mailchimp's own form: their consent
                break
              case 'bounce':
                if (mc.member(LIST, email)) mc.bounces(LIST, email)
                break
              case 'pass':
                await mc.flushWebhooks()
                await runtime.syncs.run('crm-mailchimp')
                break
            }
          }
          await mc.flushWebhooks()
          // every write that made someone subscribed came from us through the API, with recorded consent at that moment
          type Write = { status?: string; status_if_new?: string; email_address?: string }
          for (const r of mc.requests()) {
            if (!(r.method === 'PUT' || r.method === 'PATCH' || r.method === 'POST')) continue
            // single member writes, and each member of a batch subscribe
            const body = r.body as (Write & { members?: Write[] }) | null
            for (const b of body?.members ?? (body ? [body] : [])) {
              if (!b.email_address || (b.status !== 'subscribed' && b.status_if_new !== 'subscribed')) continue
              const history = await runtime.hub.store.consentHistory(b.email_address)
              // the state in force then: the last change applied before the request
              const before = history.filter((h) => h.applied && h.recordedAt <= r.receivedAt).sort((x, y) => x.recordedAt - y.recordedAt)
              expect(before.at(-1)?.state, `${b.email_address} subscribed at ${r.receivedAt}`).toBe('subscribed')
            }
          }
        } finally {
          await rt?.close(2000)
          await emu?.close()
          cleanup?.()
          rt = emu = cleanup = undefined
        }
      }),
      {
        numRuns: 10,
        examples: [
          [[{ kind: 'crm', who: 0, consent: 'subscribed' }, { kind: 'pass' }]],
          [
            [
              { kind: 'optIn', who: 1 },
              { kind: 'crm', who: 1, consent: 'subscribed' },
              { kind: 'pass' },
              { kind: 'mcUnsubscribe', who: 1 },
              { kind: 'pass' },
              { kind: 'crm', who: 1, consent: 'subscribed' },
            ],
          ],
        ],
      },
    )
  })
})
