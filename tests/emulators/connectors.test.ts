import { afterEach, describe, expect, it } from 'vitest'
import { clayConnector } from '../../src/connectors/clay/connector.js'
import { clayEmulator } from '../../src/connectors/clay/emulator.js'
import { isActionInvocation } from '../../src/connectors/contract.js'
import { hubspotConnector } from '../../src/connectors/hubspot/connector.js'
import { hubspotEmulator } from '../../src/connectors/hubspot/emulator.js'
import { hubspot } from '../../src/connectors/hubspot/index.js'
import { blocks } from '../../src/connectors/slack/blocks.js'
import { slackConnector } from '../../src/connectors/slack/connector.js'
import { slackEmulator } from '../../src/connectors/slack/emulator.js'
import type { Emulator } from '../../src/sandbox/emulator.js'
import { makeActionContext } from '../conformance/connector-suite.js'

const open: Emulator[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()))
})

async function hub(options: Parameters<typeof hubspotEmulator>[0] = {}) {
  const emu = hubspotEmulator(options)
  open.push(emu)
  const conn = hubspotConnector.connection.parse({ token: 'pat-x', baseUrl: await emu.listen() })
  const identity = new Map<string, string>()
  const call = (action: string, input: unknown) => {
    const a = hubspotConnector.actions[action]
    return a.run(a.input ? a.input.parse(input) : input, makeActionContext(conn, `hubspot.${action}`, identity))
  }
  return { emu, call, identity }
}

describe('hubspot connector actions', () => {
  it('upserts a company by domain twice within the search lag without creating a duplicate', async () => {
    const { emu, call } = await hub({ searchLagMs: 60_000 })
    const a = await call('companies.upsert', { matchOn: 'domain', properties: { domain: 'acme.com', name: 'Acme' } })
    const b = await call('companies.upsert', { matchOn: 'domain', properties: { domain: 'acme.com', name: 'Acme Inc' } })
    expect(a).toMatchObject({ created: true })
    expect(b).toEqual({ id: (a as { id: string }).id, created: false })
    expect(emu.state.objects.companies.size).toBe(1)
    expect([...emu.state.objects.companies.values()][0].properties.name).toBe('Acme Inc')
  })

  it('finds an existing company by search when the identity map does not know it', async () => {
    const { emu, call } = await hub({ searchLagMs: 0 })
    const first = await call('companies.upsert', { properties: { domain: 'acme.com' } })
    const conn = hubspotConnector.connection.parse({ token: 'pat-x', baseUrl: emu.url })
    const a = hubspotConnector.actions['companies.upsert']
    const again = await a.run(a.input?.parse({ properties: { domain: 'acme.com', name: 'Found' } }), makeActionContext(conn))
    expect(again).toEqual({ id: (first as { id: string }).id, created: false })
    expect(emu.state.objects.companies.size).toBe(1)
  })

  it('batch-upserts companies on a unique property with per-record results', async () => {
    const { call } = await hub()
    const batch = hubspotConnector.actions['companies.upsert'].batch
    const conn = hubspotConnector.connection.parse({ token: 'pat-x', baseUrl: open[0].url })
    const out = await batch?.run(
      [
        { matchOn: 'external_id', properties: { external_id: 'k1', name: 'One' } },
        { matchOn: 'external_id', properties: { external_id: 'k2', name: 'Two' } },
      ],
      makeActionContext(conn),
    )
    expect(out).toEqual([expect.objectContaining({ created: true }), expect.objectContaining({ created: true })])
    expect(await call('companies.upsert', { matchOn: 'external_id', properties: { external_id: 'k1', name: 'Uno' } })).toMatchObject({
      created: false,
    })
  })

  it('upserts a contact on 409 by updating the existing id, and associates it with a company', async () => {
    const { emu, call } = await hub({ searchLagMs: 0 })
    const company = (await call('companies.upsert', { properties: { domain: 'acme.com' } })) as { id: string }
    const conn = hubspotConnector.connection.parse({ token: 'pat-x', baseUrl: emu.url })
    const a = hubspotConnector.actions['contacts.upsert']
    await a.run(a.input?.parse({ properties: { email: 'ann@acme.com' } }), makeActionContext(conn))
    // a fresh identity map: the create answers 409 and the connector updates the existing contact
    const out = await a.run(
      a.input?.parse({ properties: { email: 'Ann@Acme.com', firstname: 'Ann' }, associate: company.id }),
      makeActionContext(conn),
    )
    expect(out).toMatchObject({ created: false, associatedCompanyId: company.id })
    expect(emu.state.objects.contacts.size).toBe(1)
    expect([...emu.state.objects.contacts.values()][0].properties.firstname).toBe('Ann')
    expect(emu.state.associations).toContainEqual(
      expect.objectContaining({ fromType: 'contacts', toType: 'companies', toId: company.id, typeId: 279 }),
    )
  })

  it('declares an effect key and builds branded invocations', () => {
    expect(hubspotConnector.actions['contacts.upsert'].effectKey?.({ properties: { email: 'A@b.co' } })).toBe('contact:a@b.co')
    const inv = hubspot.companies.upsert({ matchOn: 'domain', properties: () => ({ domain: 'x.io' }) })
    expect(isActionInvocation(inv)).toBe(true)
    expect(inv.ref).toBe('hubspot.companies.upsert')
  })
})

describe('slack connector actions', () => {
  it('posts Block Kit messages through the Web API', async () => {
    const emu = slackEmulator()
    open.push(emu)
    const conn = slackConnector.connection.parse({ token: 'xoxb-1', baseUrl: await emu.listen() })
    const a = slackConnector.actions.postMessage
    const body = [blocks.section('*Hot lead*'), blocks.fields('Score: 91', 'Owner: Ann'), blocks.context('via Pipewright')]
    const out = await a.run(a.input?.parse({ channel: '#leads', text: 'Hot lead', blocks: body }), makeActionContext(conn))
    expect(out).toMatchObject({ channel: expect.stringMatching(/^C/), ts: expect.any(String) })
    expect(emu.state.messages[0].blocks).toEqual(body)
  })

  it('sends to a hooks.slack.com webhook URL through the sandbox base URL', async () => {
    const emu = slackEmulator()
    open.push(emu)
    const conn = slackConnector.connection.parse({ webhookUrl: 'https://hooks.slack.com/services/T9/B9/abc', baseUrl: await emu.listen() })
    await slackConnector.actions.webhook.run({ text: 'hello' }, makeActionContext(conn))
    expect(emu.state.messages[0]).toMatchObject({ text: 'hello', webhook: 'T9/B9/abc' })
  })
})

describe('clay connector actions', () => {
  it('rotates to the next webhook URL when one is used up, then reports the quota exhausted', async () => {
    const emu = clayEmulator({ submissionLimit: 2 })
    open.push(emu)
    await emu.listen()
    const conn = clayConnector.connection.parse({ webhookUrls: [emu.webhookUrl('a'), emu.webhookUrl('b')], submissionLimit: 3 })
    const identity = new Map<string, string>()
    const send = (n: number) => clayConnector.actions.sendRow.run({ row: { n } }, makeActionContext(conn, 'clay.sendRow', identity))
    const results = []
    for (let n = 1; n <= 4; n++) results.push(await send(n))
    // the emulator refuses the third row on `a` (limit 2): the connector moves to `b`
    expect(results.map((r) => (r as { webhook: number }).webhook)).toEqual([0, 0, 1, 1])
    expect(emu.rows('a').map((r) => r.n)).toEqual([1, 2])
    expect(emu.rows('b').map((r) => r.n)).toEqual([3, 4])
    await expect(send(5)).rejects.toMatchObject({ name: 'QuotaExhaustedError' })
    expect(emu.rows()).toHaveLength(4)
  })

  it('reads comma-separated webhook URLs from the environment', () => {
    expect(
      clayConnector.fromEnv?.({
        CLAY_WEBHOOK_URL: 'https://api.clay.com/v3/sources/webhook/a, https://api.clay.com/v3/sources/webhook/b',
        CLAY_WEBHOOK_TOKEN: 't',
      }),
    ).toMatchObject({
      webhookUrls: ['https://api.clay.com/v3/sources/webhook/a', 'https://api.clay.com/v3/sources/webhook/b'],
      token: 't',
      // 50,000 lifetime submissions per webhook URL, two URLs configured.
      limits: { budgets: [{ name: 'submissions', period: 'lifetime', limit: 100_000 }] },
    })
  })
})
