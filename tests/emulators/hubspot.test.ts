import { Client } from '@hubspot/api-client'
import { afterEach, describe, expect, it } from 'vitest'
import { hubspotEmulator } from '../../src/connectors/hubspot/emulator.js'
import type { EmulatorServer } from '../../src/sandbox/index.js'

let emu: EmulatorServer<unknown> | null = null
afterEach(async () => {
  await emu?.close()
  emu = null
})

async function start(options: Parameters<typeof hubspotEmulator>[0] = {}) {
  const e = hubspotEmulator({ searchLagMs: 0, ...options })
  emu = e as EmulatorServer<unknown>
  const url = await e.listen()
  return { emu: e, client: new Client({ accessToken: 'pat-good', basePath: url }) }
}

async function apiError(p: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown>; headers: Record<string, string> }> {
  try {
    await p
  } catch (e) {
    return e as never
  }
  throw new Error('expected the SDK to throw')
}

describe('HubSpot emulator through @hubspot/api-client', () => {
  it('creates, reads, updates and lists companies', async () => {
    const { client } = await start()
    const created = await client.crm.companies.basicApi.create({ properties: { domain: 'acme.com', name: 'Acme' }, associations: [] })
    expect(created.id).toMatch(/^\d+$/)
    expect(created.properties.domain).toBe('acme.com')
    const updated = await client.crm.companies.basicApi.update(created.id, { properties: { name: 'Acme Inc' } })
    expect(updated.properties.name).toBe('Acme Inc')
    const read = await client.crm.companies.basicApi.getById(created.id, ['name', 'domain'])
    expect(read.properties).toMatchObject({ name: 'Acme Inc', domain: 'acme.com' })
    await client.crm.companies.basicApi.create({ properties: { domain: 'b.com' }, associations: [] })
    await client.crm.companies.basicApi.create({ properties: { domain: 'c.com' }, associations: [] })
    const page1 = await client.crm.companies.basicApi.getPage(2)
    expect(page1.results).toHaveLength(2)
    const page2 = await client.crm.companies.basicApi.getPage(2, page1.paging?.next?.after)
    expect(page2.results.map((r) => r.properties.domain)).toEqual(['c.com'])
    expect(page2.paging).toBeUndefined()
  })

  it('searches by domain with EQ, only after the search-index lag has passed', async () => {
    let now = Date.UTC(2026, 0, 5)
    const { client } = await start({ searchLagMs: 3000, clock: { now: () => now } })
    await client.crm.companies.basicApi.create({ properties: { domain: 'acme.com' }, associations: [] })
    const req = {
      filterGroups: [{ filters: [{ propertyName: 'domain', operator: 'EQ' as never, value: 'ACME.com' }] }],
      properties: ['domain'],
      limit: 10,
      after: '0',
      sorts: [],
    }
    expect((await client.crm.companies.searchApi.doSearch(req)).total).toBe(0)
    now += 3000
    const found = await client.crm.companies.searchApi.doSearch(req)
    expect(found.total).toBe(1)
    expect(found.results[0].properties.domain).toBe('acme.com')
  })

  it('pages search results with after', async () => {
    const { client } = await start()
    for (const d of ['a.io', 'b.io', 'c.io'])
      await client.crm.companies.basicApi.create({ properties: { domain: d, tier: 'x' }, associations: [] })
    const req = {
      filterGroups: [{ filters: [{ propertyName: 'tier', operator: 'EQ' as never, value: 'x' }] }],
      properties: ['domain'],
      limit: 2,
      after: '0',
      sorts: [],
    }
    const p1 = await client.crm.companies.searchApi.doSearch(req)
    expect(p1.total).toBe(3)
    const p2 = await client.crm.companies.searchApi.doSearch({ ...req, after: p1.paging?.next?.after as string })
    expect(p2.results.map((r) => r.properties.domain)).toEqual(['c.io'])
  })

  it('answers a duplicate contact e-mail with 409 and the existing id, as the SDK ApiException', async () => {
    const { client } = await start()
    const first = await client.crm.contacts.basicApi.create({ properties: { email: 'ann@acme.com' }, associations: [] })
    const err = await apiError(client.crm.contacts.basicApi.create({ properties: { email: 'Ann@Acme.com' }, associations: [] }))
    expect(err.code).toBe(409)
    expect(err.body).toMatchObject({ status: 'error', category: 'CONFLICT', message: `Contact already exists. Existing ID: ${first.id}` })
    expect(err.body.correlationId).toEqual(expect.any(String))
  })

  it('rejects a bad token with 401 INVALID_AUTHENTICATION', async () => {
    const { emu: e } = await start({ tokens: ['pat-good'] })
    const bad = new Client({ accessToken: 'pat-bad', basePath: e.url })
    const err = await apiError(bad.crm.companies.basicApi.getPage(1))
    expect(err.code).toBe(401)
    expect(err.body.category).toBe('INVALID_AUTHENTICATION')
  })

  it('batch-upserts contacts by email and reports new vs existing', async () => {
    const { client } = await start()
    await client.crm.contacts.basicApi.create({ properties: { email: 'old@acme.com', firstname: 'O' }, associations: [] })
    const res = await client.crm.contacts.batchApi.upsert({
      inputs: [
        { id: 'old@acme.com', idProperty: 'email', properties: { firstname: 'Old' } },
        { id: 'new@acme.com', idProperty: 'email', properties: { firstname: 'New' } },
      ],
    })
    const byEmail = Object.fromEntries(res.results.map((r) => [r.properties.email, r]))
    expect(byEmail['old@acme.com']).toMatchObject({ _new: false })
    expect(byEmail['new@acme.com']).toMatchObject({ _new: true })
    expect(byEmail['old@acme.com'].properties.firstname).toBe('Old')
  })

  it('answers a batch with some bad inputs with 207 and per-input errors', async () => {
    const { client } = await start()
    const res = await client.crm.contacts.batchApi.create({
      inputs: [
        { properties: { email: 'ok@acme.com' }, associations: [] },
        { properties: { email: 'not-an-email' }, associations: [] },
      ],
    })
    expect(res.results).toHaveLength(1)
    expect('errors' in res && res.errors).toHaveLength(1)
    expect('numErrors' in res && res.numErrors).toBe(1)
  })

  it('refuses upsert on a property that is not unique (company domain)', async () => {
    const { client } = await start()
    const err = await apiError(client.crm.companies.batchApi.upsert({ inputs: [{ id: 'acme.com', idProperty: 'domain', properties: {} }] }))
    expect(err.code).toBe(400)
    expect(err.body.category).toBe('VALIDATION_ERROR')
  })

  it('associates a contact with a company by default association, both ways', async () => {
    const { client } = await start()
    const co = await client.crm.companies.basicApi.create({ properties: { domain: 'acme.com' }, associations: [] })
    const ct = await client.crm.contacts.basicApi.create({ properties: { email: 'ann@acme.com' }, associations: [] })
    const res = await client.crm.associations.v4.basicApi.createDefault('contacts', ct.id, 'companies', co.id)
    expect(res.results[0].associationSpec.associationTypeId).toBe(279)
    const back = await client.crm.associations.v4.basicApi.getPage('companies', co.id, 'contacts')
    expect(back.results.map((r) => String(r.toObjectId))).toEqual([ct.id])
    const missing = await apiError(client.crm.associations.v4.basicApi.createDefault('contacts', ct.id, 'companies', '999'))
    expect(missing.code).toBe(404)
  })

  it('enforces the ten-secondly limit with the real 429 body and rate-limit headers', async () => {
    const { client } = await start({ tenSecondlyLimit: 2 })
    const ok = await client.crm.companies.basicApi.getPageWithHttpInfo(1)
    expect(ok.headers['x-hubspot-ratelimit-max']).toBe('2')
    expect(ok.headers['x-hubspot-ratelimit-remaining']).toBe('1')
    await client.crm.companies.basicApi.getPage(1)
    const err = await apiError(client.crm.companies.basicApi.getPage(1))
    expect(err.code).toBe(429)
    expect(err.body).toMatchObject({
      policyName: 'TEN_SECONDLY_ROLLING',
      errorType: 'RATE_LIMIT',
      message: 'You have reached your ten_secondly_rolling limit.',
    })
  })

  it('limits search to 5 per second with the secondly message', async () => {
    // Time stands still for the emulator: the six searches fall in one second however slowly
    // this machine sends them.
    const { client } = await start({ clock: { now: () => Date.UTC(2026, 11, 8, 12) } })
    const req = { filterGroups: [], properties: [], limit: 1, after: '0', sorts: [] }
    for (let i = 0; i < 5; i++) await client.crm.companies.searchApi.doSearch(req)
    const err = await apiError(client.crm.companies.searchApi.doSearch(req))
    expect(err.code).toBe(429)
    expect(err.body.message).toBe('You have reached your secondly limit.')
  })

  it('surfaces injected 5xx errors as ApiException', async () => {
    const { client, emu: e } = await start()
    e.faults.set({ errorRate: 1, errorStatus: 502 })
    const err = await apiError(client.crm.companies.basicApi.getPage(1))
    expect(err.code).toBe(502)
  })
})
