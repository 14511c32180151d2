/**
 * The HubSpot side and record source against the HubSpot emulator through the real runtime
 * (store, gateway, connector): search paging by moving the cursor past 10,000 results, whole
 * pages of one timestamp, batched writes, associations kept in step with foreign keys, and the
 * search index's lag creating no duplicates.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { hubspotEmulator } from '../../src/connectors/hubspot/emulator.js'
import { createRecord, type HubspotState } from '../../src/connectors/hubspot/emulator-state.js'
import { systemClock } from '../../src/engine/clock.js'
import { createRuntime, type Runtime } from '../../src/runtime.js'
import type { EmulatorServer } from '../../src/sandbox/index.js'
import type { SourceContext, SourceCursor } from '../../src/sources/contract.js'
import { createHubspotSource } from '../../src/sources/hubspot.js'
import { compileSync } from '../../src/sync/compile.js'
import { MemoryTable, memoryConnector } from '../../src/sync/sides/memory.js'
import type { SyncDefinition } from '../../src/sync/types.js'
import { LOOPBACK_ALLOWED } from '../helpers/net.js'

let emu: EmulatorServer<HubspotState>
let runtime: Runtime
let dir: string

async function start(
  opts: { lagMs?: number; defs?: SyncDefinition[]; tables?: Record<string, MemoryTable>; searchPerSecond?: number } = {},
) {
  emu = hubspotEmulator({ searchLagMs: opts.lagMs ?? 0, ...(opts.searchPerSecond ? { searchPerSecond: opts.searchPerSecond } : {}) })
  await emu.listen()
  dir = mkdtempSync(join(tmpdir(), 'pw-hsside-'))
  const search = opts.searchPerSecond
    ? { limits: { rates: [{ name: 'search', limit: opts.searchPerSecond, windowMs: 1000, actions: ['search'] }] } }
    : {}
  runtime = await createRuntime({
    cwd: dir,
    env: {},
    pipelines: [],
    syncs: (opts.defs ?? []).map((d) => compileSync(d, { format: 'ts' })),
    connectors: [memoryConnector(opts.tables ?? {})],
    connections: { memory: { default: {} }, hubspot: { main: { token: 'pat-test', baseUrl: emu.url, ...search } } },
    allowPrivateNetwork: LOOPBACK_ALLOWED,
    databaseUrl: `sqlite:${join(dir, 'pw.db')}`,
    scheduler: false,
    logLevel: 'silent',
    clock: systemClock,
  })
}

afterEach(async () => {
  await runtime?.close(3000)
  await emu?.close()
  rmSync(dir, { recursive: true, force: true })
})

function context(): SourceContext {
  let n = 0
  return {
    clock: systemClock,
    invoke: (ref, input, o) =>
      runtime.hub.actions.execute({
        ref,
        input,
        ...(o?.connection ? { connection: o.connection } : {}),
        runId: 'read',
        pipelineId: 'test',
        stepId: `read#${++n}`,
        attempt: 1,
        idempotencyKey: `read#${n}`,
        signal: o?.signal ?? new AbortController().signal,
      }),
  }
}

describe('HubSpot record source', () => {
  it('reads past 10,000 results by moving the filter, including a page-sized run of one timestamp', async () => {
    await start({ searchPerSecond: 200 })
    const t0 = Date.now() - 3_600_000
    // 10,050 contacts: 450 share one timestamp (more than two pages), the rest 3 per millisecond
    for (let i = 0; i < 10_050; i++) {
      const at = i < 450 ? t0 : t0 + 1 + Math.floor(i / 3)
      createRecord(emu.state, 'contacts', { email: `p${i}@x.co`, firstname: `P${i}` }, at, 0)
    }
    const source = createHubspotSource({ connection: 'main', object: 'contacts', properties: ['email', 'firstname'] }, context())
    const seen = new Map<string, number>()
    let cursor: SourceCursor | null = null
    let last = Number.NEGATIVE_INFINITY
    for (let guard = 0; guard < 200; guard++) {
      const page = await source.readChanges(cursor, { limit: 200 })
      for (const r of page.records) {
        expect(r.modifiedAt).toBeGreaterThanOrEqual(last)
        last = r.modifiedAt
        seen.set(r.id, (seen.get(r.id) ?? 0) + 1)
      }
      cursor = page.cursor
      if (!page.more) break
    }
    expect(seen.size).toBe(10_050)
    expect([...seen.values()].every((n) => n === 1)).toBe(true)
    // no search ever paged with `after` (the 10,000 ceiling): every page is a fresh filter
    const searches = emu.requests().filter((r) => r.path.endsWith('/search'))
    expect(searches.every((r) => (r.body as { after?: string }).after === undefined)).toBe(true)
    // a new contact after the end is read from the cursor
    createRecord(emu.state, 'contacts', { email: 'late@x.co' }, Date.now() - 60_000, 0)
    const next = await source.readChanges(cursor)
    expect(next.records.map((r) => r.fields.email)).toEqual(['late@x.co'])
  }, 60_000)

  it('keeps the cursor behind the search lag so a record indexed late is still read', async () => {
    await start({ lagMs: 1000 })
    const ctx = context()
    const source = createHubspotSource({ connection: 'main', object: 'contacts', properties: ['email'], settleMs: 5000 }, ctx)
    createRecord(emu.state, 'contacts', { email: 'first@x.co' }, Date.now() - 2000, 0)
    createRecord(emu.state, 'contacts', { email: 'lagging@x.co' }, Date.now(), 60_000) // invisible to search for a minute
    const p1 = await source.readChanges(null)
    expect(p1.records.map((r) => r.fields.email)).toEqual(['first@x.co'])
    const rec = [...emu.state.objects.contacts.values()].find((r) => r.properties.email === 'lagging@x.co')!
    rec.searchableAt = 0 // the index catches up
    const p2 = await source.readChanges(p1.cursor)
    expect(p2.records.map((r) => r.fields.email)).toContain('lagging@x.co')
  })
})

const contactsSync = (over: Partial<SyncDefinition> = {}): SyncDefinition => ({
  id: 'contacts',
  sides: { a: { side: 'memory:crm', matchKeys: ['email'] }, b: { side: 'hubspot:main/contacts', settleMs: 0 } },
  match: { a: 'email', b: 'email', normalize: 'email' },
  fields: [
    { a: 'email', b: 'email', owner: 'a' },
    { a: 'name', b: 'firstname', owner: 'latest' },
    { a: 'stage', b: 'lifecyclestage', direction: 'b-to-a' },
  ],
  schedule: { every: '1h', repair: false },
  ...over,
})

describe('hubspot:<connection>/<object> side in a sync', () => {
  it('creates in batches, reads changes back, and the search lag creates no duplicates', async () => {
    const crm = new MemoryTable('crm', systemClock)
    await start({ lagMs: 3000, defs: [contactsSync()], tables: { crm } })
    for (let i = 0; i < 150; i++) crm.put({ email: `User${i}@Acme.com`, name: `User ${i}` })
    const first = await runtime.syncs.run('contacts')
    // one write run per 100 links, each one batch upsert
    expect(first.runs).toMatchObject({ started: 2, succeeded: 2, dead: 0 })
    expect(first.writes.b.create).toBe(150)
    expect(emu.state.objects.contacts.size).toBe(150)
    const upserts = emu.requests().filter((r) => r.path === '/crm/v3/objects/contacts/batch/upsert')
    expect(upserts.length).toBeLessThanOrEqual(4) // coalesced: not one call per record
    // the new contacts are not searchable yet; passes meanwhile must not create again
    for (let i = 0; i < 3; i++) expect((await runtime.syncs.run('contacts')).runs.started).toBe(0)
    expect(emu.state.objects.contacts.size).toBe(150)
    // a HubSpot-side edit flows back; the CRM's lower-cased e-mail is not a change
    for (const r of emu.state.objects.contacts.values()) r.searchableAt = 0
    const ann = [...emu.state.objects.contacts.values()].find((r) => r.properties.email === 'user7@acme.com')!
    const res = await fetch(`${emu.url}/crm/v3/objects/contacts/${ann.id}`, {
      method: 'PATCH',
      headers: { authorization: 'Bearer pat-test', 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { lifecyclestage: 'customer' } }),
    })
    expect(res.status).toBe(200)
    const back = await runtime.syncs.run('contacts')
    expect(back.runs).toMatchObject({ started: 1, dead: 0 })
    expect(crm.find('email', 'User7@Acme.com')[0]?.fields.stage).toBe('customer')
    expect((await runtime.syncs.run('contacts')).runs.started).toBe(0)
    expect(emu.state.objects.contacts.size).toBe(150)
  }, 60_000)

  it('keeps contact → company associations in step with the CRM foreign key', async () => {
    const companies = new MemoryTable('companies', systemClock)
    const people = new MemoryTable('people', systemClock)
    const defs: SyncDefinition[] = [
      {
        id: 'companies',
        sides: {
          a: { side: 'memory:companies', matchKeys: ['external_id'] },
          b: { side: 'hubspot:main/companies', settleMs: 0, matchKeys: ['external_id'] },
        },
        match: { a: 'external_id', b: 'external_id' },
        fields: [
          { a: 'external_id', b: 'external_id', direction: 'a-to-b' },
          { a: 'name', b: 'name', owner: 'a' },
        ],
        create: 'a-to-b',
        schedule: { every: '1h', repair: false },
      },
      contactsSync({
        sides: { a: { side: 'memory:people', matchKeys: ['email'] }, b: { side: 'hubspot:main/contacts', settleMs: 0 } },
        relations: [{ field: 'company_id', sync: 'companies', relation: 'companies' }],
        create: 'a-to-b',
      }),
    ]
    await start({ defs, tables: { companies, people } })
    const acme = companies.put({ external_id: 'c-1', name: 'Acme' })
    const globex = companies.put({ external_id: 'c-2', name: 'Globex' })
    const ann = people.put({ email: 'ann@acme.com', name: 'Ann', company_id: acme })
    await runtime.syncs.run('companies')
    await runtime.syncs.run('contacts')
    const hsCompany = (ext: string) => [...emu.state.objects.companies.values()].find((c) => c.properties.external_id === ext)!.id
    const annB = [...emu.state.objects.contacts.values()][0]!.id
    const assoc = () =>
      emu.state.associations.filter((a) => a.fromType === 'contacts' && a.fromId === annB && a.toType === 'companies').map((a) => a.toId)
    expect(assoc()).toEqual([hsCompany('c-1')])
    people.patch(ann, { company_id: globex })
    await runtime.syncs.run('contacts')
    expect(assoc()).toEqual([hsCompany('c-2')])
    expect(emu.requests().some((r) => r.path === '/crm/v4/associations/contacts/companies/batch/archive')).toBe(true)
  }, 60_000)
})
