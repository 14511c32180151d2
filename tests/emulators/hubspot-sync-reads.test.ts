/**
 * What the HubSpot side and record source need of the emulator, checked through the official
 * SDK (@hubspot/api-client): search filters on the modification date (epoch ms) ORed in filter
 * groups with one sort, deals, batch read / archive, and v4 default associations in batches.
 */
import { Client } from '@hubspot/api-client'
import { afterEach, describe, expect, it } from 'vitest'
import { hubspotEmulator } from '../../src/connectors/hubspot/emulator.js'
import { createRecord, type HubspotState } from '../../src/connectors/hubspot/emulator-state.js'
import type { EmulatorServer } from '../../src/sandbox/index.js'

let emu: EmulatorServer<HubspotState> | null = null
afterEach(async () => {
  await emu?.close()
  emu = null
})

async function start() {
  emu = hubspotEmulator({ searchLagMs: 0, searchPerSecond: 100 })
  const url = await emu.listen()
  return { state: emu.state, client: new Client({ accessToken: 'pat-sdk', basePath: url }) }
}

describe('HubSpot emulator reads for syncs and poll triggers, through @hubspot/api-client', () => {
  it('searches contacts changed after a cursor, sorted by lastmodifieddate, OR of (GT t) and (EQ t AND id GT)', async () => {
    const { state, client } = await start()
    const t0 = Date.UTC(2026, 0, 1)
    const ids = [0, 1, 1, 2].map((dt, i) => createRecord(state, 'contacts', { email: `c${i}@x.co` }, t0 + dt * 1000, 0).id)
    const res = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'lastmodifieddate', operator: 'GT' as never, value: String(t0 + 1000) }] },
        {
          filters: [
            { propertyName: 'lastmodifieddate', operator: 'EQ' as never, value: String(t0 + 1000) },
            { propertyName: 'hs_object_id', operator: 'GT' as never, value: ids[1]! },
          ],
        },
      ],
      sorts: [{ propertyName: 'lastmodifieddate', direction: 'DESCENDING' } as never],
      properties: ['email'],
      limit: 10,
      after: '0',
    })
    expect(res.results.map((r) => r.properties.email)).toEqual(['c3@x.co', 'c2@x.co'])
    const asc = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE' as never, value: new Date(t0).toISOString() }] }],
      sorts: ['lastmodifieddate'],
      properties: ['email'],
      limit: 2,
      after: '0',
    })
    expect(asc.total).toBe(4)
    expect(asc.results.map((r) => r.properties.email)).toEqual(['c0@x.co', 'c1@x.co'])
    expect(asc.paging?.next?.after).toBe('2')
  })

  it('serves deals, batch read and archive, and v4 default associations in batches', async () => {
    const { state, client } = await start()
    const deal = await client.crm.deals.basicApi.create({ properties: { dealname: 'Renewal', amount: '1200' }, associations: [] })
    const found = await client.crm.deals.searchApi.doSearch({
      filterGroups: [{ filters: [{ propertyName: 'dealname', operator: 'EQ' as never, value: 'Renewal' }] }],
      properties: ['dealname', 'amount', 'hs_lastmodifieddate'],
      limit: 10,
      after: '0',
    } as never)
    expect(found.results[0]?.properties).toMatchObject({ dealname: 'Renewal', amount: '1200' })
    expect(Date.parse(found.results[0]!.properties.hs_lastmodifieddate!)).toBeGreaterThan(0)

    const contact = createRecord(state, 'contacts', { email: 'ann@x.co' }, Date.now(), 0)
    const read = await client.crm.contacts.batchApi.read({
      inputs: [{ id: contact.id }, { id: '999' }],
      properties: ['email'],
      propertiesWithHistory: [],
    })
    expect(read.results.map((r) => r.properties.email)).toEqual(['ann@x.co'])

    const made = await client.crm.associations.v4.batchApi.createDefault('deals', 'contacts', {
      inputs: [{ _from: { id: deal.id }, to: { id: contact.id } }],
    })
    expect(made.results[0]).toMatchObject({ associationSpec: { associationTypeId: 3 } })
    expect(
      state.associations.some((a) => a.fromType === 'contacts' && a.fromId === contact.id && a.toType === 'deals' && a.typeId === 4),
    ).toBe(true)
    await client.crm.associations.v4.batchApi.archive('deals', 'contacts', {
      inputs: [{ _from: { id: deal.id }, to: [{ id: contact.id }] }],
    })
    expect(state.associations).toHaveLength(0)

    await client.crm.contacts.batchApi.archive({ inputs: [{ id: contact.id }] })
    expect(state.objects.contacts.size).toBe(0)
  })
})
