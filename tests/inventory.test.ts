/**
 * `pipewright inventory` against every emulator that serves an account's structure as its
 * vendor does — Airtable's metadata API, HubSpot properties and pipelines, Mailchimp lists and
 * merge fields, Notion data sources (search) and properties, Make scenarios — into the store;
 * then `validate` flags a misspelt Airtable field (and a HubSpot property, and a sync's field)
 * against it, with a "did you mean".
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../src/cli/main.js'
import { airtableEmulator } from '../src/connectors/airtable/emulator.js'
import { automationEmulator } from '../src/connectors/automation/emulator.js'
import { hubspotEmulator } from '../src/connectors/hubspot/emulator.js'
import { mailchimpEmulator } from '../src/connectors/mailchimp/emulator.js'
import { DEFAULT_DATA_SOURCE_ID, notionEmulator } from '../src/connectors/notion/emulator.js'
import type { EmulatorServer } from '../src/sandbox/emulator.js'
import { createStore } from '../src/store/index.js'
import { recordingIo } from './helpers/cli.js'
import { tempDir } from './helpers/engine.js'

let tmp: ReturnType<typeof tempDir>
let env: Record<string, string>
const emulators: EmulatorServer<unknown>[] = []

beforeAll(async () => {
  tmp = tempDir('pw-inventory-')
  const airtable = airtableEmulator({
    baseNames: { appSales: 'Sales' },
    bases: {
      appSales: {
        Leads: {
          fields: {
            Email: { type: 'text' },
            Name: { type: 'text' },
            Score: { type: 'number' },
            Stage: { type: 'singleSelect', options: ['new', 'won'] },
          },
        },
        Companies: { fields: { Domain: { type: 'text' } } },
      },
    },
  })
  const hubspot = hubspotEmulator()
  const mailchimp = mailchimpEmulator({ lists: ['list0001'] })
  const notion = notionEmulator()
  const make = automationEmulator('make', {
    apiToken: 'make-api-token-secret',
    scenarios: [
      { id: 11, name: 'Leads to Sheets', teamId: 7, isActive: true },
      { id: 12, name: 'Old import', teamId: 7, isActive: false },
      { id: 99, name: 'Other team', teamId: 8, isActive: true },
    ],
  })
  const urls = await Promise.all([airtable, hubspot, mailchimp, notion, make].map((e) => e.listen({ host: '127.0.0.1', port: 0 })))
  emulators.push(...([airtable, hubspot, mailchimp, notion, make] as EmulatorServer<unknown>[]))
  env = {
    AIRTABLE_TOKEN: 'pat-airtable-secret',
    AIRTABLE_BASE_URL: urls[0]!,
    HUBSPOT_TOKEN: 'pat-na1-hubspot-secret',
    HUBSPOT_BASE_URL: urls[1]!,
    MAILCHIMP_API_KEY: 'mc-secret-us6',
    MAILCHIMP_BASE_URL: urls[2]!,
    NOTION_TOKEN: 'ntn_notion_secret',
    NOTION_BASE_URL: urls[3]!,
    MAKE_API_TOKEN: 'make-api-token-secret',
    PIPEWRIGHT_DATABASE_URL: `sqlite:${join(tmp.dir, 'pw.db')}`,
  }
  await mkdir(join(tmp.dir, 'connections'))
  await writeFile(
    join(tmp.dir, 'connections', 'make.yaml'),
    `id: make:ops\nsettings:\n  webhookUrl: ${urls[4]}/hook1\n  apiToken: { env: MAKE_API_TOKEN }\n  teamId: 7\n  apiUrl: ${urls[4]}\n`,
  )
})
afterAll(async () => {
  await Promise.all(emulators.map((e) => e.close()))
  tmp.cleanup()
})

async function cli(...argv: string[]) {
  const io = recordingIo(tmp.dir, env)
  const code = await main(argv, io)
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') }
}

describe('pipewright inventory', () => {
  it('reads every service’s structure into the store, as each vendor serves it', async () => {
    const r = await cli('inventory')
    expect(r.err).toBe('')
    expect(r.out).toMatch(/airtable:default\s+1 base, 2 tables, 5 fields/)
    expect(r.out).toMatch(/hubspot:default\s+3 objects, \d+ propertys?, 2 pipelines, 11 stages/)
    expect(r.out).toMatch(/mailchimp:default\s+1 list, \d+ merge_fields/)
    expect(r.out).toMatch(/make:ops\s+2 scenarios/)
    expect(r.out).toMatch(/notion:default\s+1 data_source, \d+ propertys?/)
    expect(r.code).toBe(0)
    for (const secret of ['pat-airtable-secret', 'pat-na1-hubspot-secret', 'mc-secret-us6', 'ntn_notion_secret', 'make-api-token-secret'])
      expect(r.out + r.err).not.toContain(secret)

    const store = await createStore(env.PIPEWRIGHT_DATABASE_URL!)
    await store.migrate()
    try {
      const byConn = new Map((await store.inventory.list()).map((s) => [s.connection, s]))
      const airtable = byConn.get('airtable:default')!
      expect(airtable.items.find((i) => i.path === 'appSales')).toMatchObject({ kind: 'base', name: 'Sales' })
      expect(airtable.items.find((i) => i.path === 'appSales/Leads/Stage')).toMatchObject({
        kind: 'field',
        type: 'singleSelect',
        parent: 'appSales/Leads',
      })
      const hubspot = byConn.get('hubspot:default')!
      expect(hubspot.items.find((i) => i.path === 'contacts/email')).toMatchObject({ kind: 'property', type: 'string' })
      expect(hubspot.items.find((i) => i.path === 'pipelines/deals/default/closedwon')).toMatchObject({ kind: 'stage', name: 'Closed Won' })
      expect(byConn.get('mailchimp:default')!.items.find((i) => i.path === 'list0001/FNAME')).toMatchObject({
        kind: 'merge_field',
        type: 'text',
      })
      const notion = byConn.get('notion:default')!
      expect(notion.items.find((i) => i.path === DEFAULT_DATA_SOURCE_ID)).toMatchObject({ kind: 'data_source' })
      expect(notion.items.filter((i) => i.kind === 'property').length).toBeGreaterThan(0)
      expect(byConn.get('make:ops')!.items.map((i) => `${i.name}:${(i.details as { isActive: boolean }).isActive}`)).toEqual([
        'Leads to Sheets:true',
        'Old import:false',
      ])
    } finally {
      await store.close()
    }
    // One service only, and JSON.
    const one = await cli('inventory', 'airtable', '--json')
    expect(JSON.parse(one.out)).toEqual([{ service: 'airtable', connection: 'airtable:default', counts: { base: 1, field: 5, table: 2 } }])
  })

  it('names an unknown service, and reports a connection it cannot read without failing the others', async () => {
    const bad = await cli('inventory', 'salesforce')
    expect(bad.code).toBe(2)
    expect(bad.err).toContain('no inventory for salesforce; services with one: airtable, hubspot, mailchimp, make, notion')
    const saved = env.HUBSPOT_TOKEN
    env.HUBSPOT_BASE_URL = 'http://127.0.0.1:9/' // nothing listens on the discard port
    try {
      const r = await cli('inventory', 'hubspot', 'airtable')
      expect(r.code).toBe(1)
      expect(r.out).toMatch(/hubspot:default\s+✗ hubspot:default: GET \/crm\/v3\/properties\/contacts failed/)
      expect(r.out).toMatch(/airtable:default\s+1 base/)
      expect(r.out).not.toContain(saved!)
    } finally {
      env.HUBSPOT_BASE_URL = emulators[1]!.url!
    }
  })

  it('lets validate flag a misspelt Airtable field, HubSpot property and table after inventory', async () => {
    await cli('inventory')
    await mkdir(join(tmp.dir, 'pipelines'), { recursive: true })
    await writeFile(
      join(tmp.dir, 'pipelines', 'leads.yaml'),
      [
        'id: leads',
        'trigger: { webhook: { path: leads } }',
        'steps:',
        '  - id: save',
        '    action: airtable.records.create',
        '    with: { base: appSales, table: Leads, fields: { Emial: "{{ event.email }}", Name: "{{ event.name }}" } }',
        '  - id: company',
        '    action: airtable.records.create',
        '    with: { base: appSales, table: Compnies, fields: { Domain: "{{ event.domain }}" } }',
        '  - id: crm',
        '    action: hubspot.contacts.upsert',
        '    with: { properties: { email: "{{ event.email }}", fristname: "{{ event.name }}" } }',
        '',
      ].join('\n'),
    )
    const r = await cli('validate')
    expect(r.code).toBe(1)
    expect(r.err).toContain('3 problems')
    expect(r.err).toMatch(
      /pipeline leads.*step save.*with\.fields\.Emial.*field "Emial" does not exist in airtable:default appSales\/Leads .*did you mean "Email"\?/,
    )
    expect(r.err).toMatch(
      /step company.*with\.table.*table "Compnies" does not exist in airtable:default appSales .*did you mean "Companies"\?/,
    )
    expect(r.err).toMatch(
      /step crm.*with\.properties\.fristname.*property "fristname" does not exist in hubspot:default contacts .*did you mean "firstname"\?/,
    )
    // Spelt right, it validates.
    await writeFile(
      join(tmp.dir, 'pipelines', 'leads.yaml'),
      'id: leads\ntrigger: { webhook: { path: leads } }\nsteps:\n  - id: save\n    action: airtable.records.create\n    with: { base: appSales, table: Leads, fields: { Email: "{{ event.email }}" } }\n',
    )
    expect((await cli('validate')).code).toBe(0)
  })
})
