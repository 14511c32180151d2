import Airtable from 'airtable'
import { afterEach, describe, expect, it } from 'vitest'
import { type AirtableEmulatorOptions, airtableEmulator } from '../../src/connectors/airtable/emulator.js'

let emu: ReturnType<typeof airtableEmulator> | null = null
afterEach(async () => {
  await emu?.close()
  emu = null
})

async function start(options: AirtableEmulatorOptions = {}, apiKey = 'pat-good') {
  emu = airtableEmulator({ tokens: ['pat-good'], ...options })
  const endpointUrl = await emu.listen()
  const base = new Airtable({ apiKey, endpointUrl, noRetryIfRateLimited: true }).base('appBASE')
  return { emu, base, endpointUrl }
}

async function thrown(p: Promise<unknown>): Promise<Record<string, any>> {
  try {
    await p
  } catch (e) {
    return e as Record<string, any>
  }
  throw new Error('expected a rejection')
}

describe('Airtable emulator through the airtable SDK', () => {
  it('creates records in a batch and reads them back with their fields', async () => {
    const { base } = await start()
    const created = await base('Leads').create([
      { fields: { Name: 'Ann', Email: 'ann@acme.com' } },
      { fields: { Name: 'Bob', Email: 'bob@acme.com' } },
    ])
    expect(created.map((r) => r.get('Name'))).toEqual(['Ann', 'Bob'])
    expect(created[0].id).toMatch(/^rec[0-9a-z]{14}$/)
    const one = await base('Leads').find(created[1].id)
    expect(one.get('Email')).toBe('bob@acme.com')
  })

  it('filters with filterByFormula (AND/OR of equality tests) and selects fields', async () => {
    const { base } = await start()
    await base('Leads').create([
      { fields: { Name: 'Ann', Stage: 'hot', Score: 90 } },
      { fields: { Name: 'Bob', Stage: 'cold', Score: 10 } },
      { fields: { Name: 'Cy', Stage: 'warm', Score: 60 } },
    ])
    const hot = await base('Leads')
      .select({ filterByFormula: 'OR({Stage}=\'hot\', AND({Stage}="warm", {Score}>50))', fields: ['Name'] })
      .all()
    expect(hot.map((r) => r.fields)).toEqual([{ Name: 'Ann' }, { Name: 'Cy' }])
  })

  it('pages with offset through eachPage', async () => {
    const { base } = await start({ perBase: 1000 })
    for (let i = 0; i < 25; i += 10)
      await base('T').create(Array.from({ length: Math.min(10, 25 - i) }, (_, j) => ({ fields: { N: i + j } })))
    const pages: number[] = []
    await base('T')
      .select({ pageSize: 10 })
      .eachPage((records, next) => {
        pages.push(records.length)
        next()
      })
    expect(pages).toEqual([10, 10, 5])
  })

  it('upserts with performUpsert: one create, then an update of the same record', async () => {
    const { base, emu } = await start()
    const first = await base('Leads').update(
      [{ fields: { Email: 'ann@acme.com', Name: 'Ann' } }] as never,
      { performUpsert: { fieldsToMergeOn: ['Email'] } } as never,
    )
    const again = await base('Leads').update(
      [{ fields: { Email: 'ann@acme.com', Name: 'Ann B' } }] as never,
      { performUpsert: { fieldsToMergeOn: ['Email'] } } as never,
    )
    expect((again as unknown as Array<{ id: string }>)[0].id).toBe((first as unknown as Array<{ id: string }>)[0].id)
    expect(emu.records('appBASE', 'Leads')).toHaveLength(1)
    expect(emu.records('appBASE', 'Leads')[0].fields).toMatchObject({ Name: 'Ann B' })
  })

  it('refuses an unknown select option without typecast, and adds it with typecast', async () => {
    const { base } = await start({
      bases: { appBASE: { Leads: { fields: { Name: { type: 'text' }, Stage: { type: 'singleSelect', options: ['hot'] } } } } },
    })
    const e = await thrown(base('Leads').create({ Name: 'Ann', Stage: 'lukewarm' }))
    expect(e).toMatchObject({ error: 'INVALID_MULTIPLE_CHOICE_OPTIONS', statusCode: 422 })
    const r = await base('Leads').create({ Name: 'Ann', Stage: 'lukewarm' }, { typecast: true })
    expect(r.get('Stage')).toBe('lukewarm')
    const unknown = await thrown(base('Leads').create({ Nope: 1 }))
    expect(unknown).toMatchObject({ error: 'UNKNOWN_FIELD_NAME', statusCode: 422, message: 'Unknown field name: "Nope"' })
  })

  it('surfaces a bad token as AUTHENTICATION_REQUIRED and an unknown record as NOT_FOUND', async () => {
    const { endpointUrl } = await start()
    const bad = new Airtable({ apiKey: 'pat-bad', endpointUrl, noRetryIfRateLimited: true }).base('appBASE')
    expect(await thrown(bad('Leads').select().firstPage())).toMatchObject({ error: 'AUTHENTICATION_REQUIRED', statusCode: 401 })
    const good = new Airtable({ apiKey: 'pat-good', endpointUrl, noRetryIfRateLimited: true }).base('appBASE')
    expect(await thrown(good('Leads').find('recNOPE00000000000'))).toMatchObject({ error: 'NOT_FOUND', statusCode: 404 })
  })

  it('answers a sixth request in one second on a base with 429, and keeps the base blocked for the penalty', async () => {
    let now = 1_000_000
    const { base } = await start({ clock: { now: () => now }, penaltyMs: 30_000 })
    for (let i = 0; i < 5; i++) await base('T').select().firstPage()
    expect(await thrown(base('T').select().firstPage())).toMatchObject({ error: 'TOO_MANY_REQUESTS', statusCode: 429 })
    now += 2000
    expect(await thrown(base('T').select().firstPage())).toMatchObject({ statusCode: 429 })
    now += 30_000
    await expect(base('T').select().firstPage()).resolves.toEqual([])
  })

  it('rejects more than 10 records in one request', async () => {
    const { base } = await start()
    const e = await thrown(base('T').create(Array.from({ length: 11 }, (_, i) => ({ fields: { N: i } }))))
    expect(e).toMatchObject({ error: 'INVALID_RECORDS', statusCode: 422 })
  })

  it('keeps a modification time per record: LAST_MODIFIED_TIME() filters and a lastModifiedTime field sorts and reads it', async () => {
    let now = Date.parse('2026-03-01T10:00:00.000Z')
    const { base } = await start({
      clock: { now: () => now },
      perBase: 1000,
      bases: {
        appBASE: {
          Leads: { fields: { Name: { type: 'text' }, Score: { type: 'number' }, 'Last Modified': { type: 'lastModifiedTime' } } },
        },
      },
    })
    const [ann, bob] = await base('Leads').create([{ fields: { Name: 'Ann' } }, { fields: { Name: 'Bob' } }])
    expect(ann.get('Last Modified')).toBe('2026-03-01T10:00:00.000Z')
    now += 60_000
    await base('Leads').update(ann.id, { Score: 5 })
    now += 60_000
    await base('Leads').update(bob.id, { Name: 'Bob' }) // no value changed: the time stays
    const listWhere = (f: string) =>
      base('Leads')
        .select({ filterByFormula: f, sort: [{ field: 'Last Modified', direction: 'asc' }] })
        .all()
    const changed = await listWhere("IS_AFTER(LAST_MODIFIED_TIME(), '2026-03-01T10:00:30.000Z')")
    expect(changed.map((r) => [r.get('Name'), r.get('Last Modified')])).toEqual([['Ann', '2026-03-01T10:01:00.000Z']])
    expect((await listWhere("NOT(IS_BEFORE(LAST_MODIFIED_TIME(), '2026-03-01T10:00:00.000Z'))")).map((r) => r.get('Name'))).toEqual([
      'Bob',
      'Ann',
    ])
    expect((await listWhere(`RECORD_ID() = '${bob.id}'`)).map((r) => r.get('Name'))).toEqual(['Bob'])
    const computed = await thrown(base('Leads').update(ann.id, { 'Last Modified': '2020-01-01T00:00:00.000Z' }))
    expect(computed).toMatchObject({ statusCode: 422, error: 'INVALID_VALUE_FOR_COLUMN' })
    const bad = await thrown(listWhere("IS_AFTER(LAST_MODIFIED_TIME(), 'yesterday')"))
    expect(bad).toMatchObject({ statusCode: 422, error: 'INVALID_FILTER_BY_FORMULA' })
  })

  it('deletes one record, or up to 10 in one request; an unknown id refuses the request', async () => {
    const { base, emu } = await start()
    const made = await base('T').create(Array.from({ length: 4 }, (_, i) => ({ fields: { N: i } })))
    const gone = await base('T').destroy([made[0].id, made[1].id])
    expect(gone.map((r) => r.id)).toEqual([made[0].id, made[1].id])
    await base('T').destroy(made[2].id)
    expect(emu.records('appBASE', 'T').map((r) => r.id)).toEqual([made[3].id])
    const e = await thrown(base('T').destroy([made[3].id, made[0].id]))
    expect(e).toMatchObject({ statusCode: 404 })
    expect(emu.records('appBASE', 'T')).toHaveLength(1)
  })
})
