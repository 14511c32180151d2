/**
 * The recipe end to end, offline: the real Postgres (127.0.0.1:5432, database `test`) as the CRM
 * and the HubSpot emulator, through the real runtime (store, gateway, write runs).
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { createRuntime, type Runtime } from 'pipewright'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hubspotEmulator } from '../../src/connectors/hubspot/emulator.js'
import type { HubspotState } from '../../src/connectors/hubspot/emulator-state.js'
import type { EmulatorServer } from '../../src/sandbox/emulator.js'
import { compileSync } from '../../src/sync/compile.js'
import companies from './syncs/crm-companies.js'
import customers from './syncs/crm-customers.js'
import deals from './syncs/crm-deals.js'

const PG = 'postgres://postgres@127.0.0.1:5432/test'
const SCHEMA = 'pw_recipe_crm_hubspot'
const here = fileURLToPath(new URL('.', import.meta.url))
const SYNCS = ['crm-companies', 'crm-customers', 'crm-deals']

let pool: pg.Pool
let hs: EmulatorServer<HubspotState>
let rt: Runtime
let lastCrmEdit = 0

const q = (sql: string, values: unknown[] = []) => pool.query(sql, values)
const crm = async (sql: string, values: unknown[] = []) => {
  const r = await q(sql, values)
  lastCrmEdit = Date.now()
  return r
}
const hubspot = (type: 'contacts' | 'companies' | 'deals') => [...hs.state.objects[type].values()]
const contact = (email: string) => hubspot('contacts').find((r) => r.properties.email === email)
const associated = (fromType: string, fromId: string, toType: string) =>
  hs.state.associations.filter((a) => a.fromType === fromType && a.fromId === fromId && a.toType === toType).map((a) => a.toId)
async function hubspotPatch(type: string, id: string, properties: Record<string, string>) {
  const res = await fetch(`${hs.url}/crm/v3/objects/${type}/${id}`, {
    method: 'PATCH',
    headers: { authorization: 'Bearer pat-recipe', 'content-type': 'application/json' },
    body: JSON.stringify({ properties }),
  })
  expect(res.status).toBe(200)
}

/** Passes of the three syncs until a round writes nothing after the CRM's last edit has settled (1 s). */
async function converge(): Promise<number> {
  let writes = 0
  for (let round = 0; round < 40; round++) {
    const settled = Date.now() - lastCrmEdit > 1200
    let started = 0
    for (const id of SYNCS) {
      const r = await rt.syncs.run(id)
      expect(r.runs.dead).toBe(0)
      started += r.runs.started
    }
    writes += started
    if (settled && started === 0) return writes
    if (started === 0) await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error('the syncs did not converge')
}

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: PG, max: 2 })
  await q(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA}; SET search_path TO ${SCHEMA}`)
  const client = await pool.connect()
  try {
    await client.query(`SET search_path TO ${SCHEMA}; ${readFileSync(`${here}/schema.sql`, 'utf8')}`)
  } finally {
    client.release()
  }
  hs = hubspotEmulator({
    searchLagMs: 0,
    uniqueProperties: { contacts: ['email', 'external_id'], companies: ['external_id'], deals: ['external_id'] },
  })
  const url = await hs.listen()
  const env = {
    CRM_COMPANIES_SIDE: `postgres:crm/${SCHEMA}.companies`,
    CRM_CUSTOMERS_SIDE: `postgres:crm/${SCHEMA}.customers`,
    CRM_DEALS_SIDE: `postgres:crm/${SCHEMA}.deals`,
  }
  rt = await createRuntime({
    cwd: here,
    env,
    syncs: [companies, customers, deals].map((d) => compileSync(d, { format: 'ts', env })),
    pipelines: [],
    connections: { postgres: { crm: { url: PG, poolSize: 3 } }, hubspot: { main: { token: 'pat-recipe', baseUrl: url } } },
    allowPrivateNetwork: ['127.0.0.0/8', 'localhost'],
    databaseUrl: 'sqlite::memory:',
    scheduler: false,
    logLevel: 'silent',
  })
})
afterAll(async () => {
  await rt?.close(3000)
  await hs?.close()
  await q(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`)
  await pool.end()
})

describe('recipe: CRM (Postgres) ↔ HubSpot, contacts, companies and deals', () => {
  it('first sync matches, creates both ways, associates, and then writes nothing', async () => {
    await crm(`INSERT INTO ${SCHEMA}.companies (name, domain, billing_plan, account_owner) VALUES
      ('Acme', 'acme.com', 'enterprise', 'Kim'), ('Globex', 'globex.com', 'starter', 'Lee')`)
    await crm(`INSERT INTO ${SCHEMA}.customers (email, first_name, last_name, company_id, billing_plan, account_status) VALUES
      ('ann@acme.com', 'Ann', 'Archer', 1, 'enterprise', 'active'),
      ('bob@globex.com', 'Bob', 'Baker', 2, 'starter', 'trial'),
      ('cy@acme.com', 'Cy', 'Cole', 1, 'enterprise', 'active')`)
    await crm(
      `INSERT INTO ${SCHEMA}.deals (name, amount, stage, customer_id, company_id) VALUES ('Acme renewal', 12000, 'appointmentscheduled', 1, 1)`,
    )
    // HubSpot already knows Ann (marketing set her stage) and a lead the CRM has never seen
    const { createRecord } = await import('../../src/connectors/hubspot/emulator-state.js')
    createRecord(
      hs.state,
      'contacts',
      { email: 'ann@acme.com', firstname: 'Ann', lifecyclestage: 'opportunity', hs_lead_status: 'IN_PROGRESS' },
      Date.now() - 60_000,
      0,
    )
    createRecord(hs.state, 'contacts', { email: 'dee@initech.com', firstname: 'Dee', lifecyclestage: 'lead' }, Date.now() - 60_000, 0)

    await converge()
    expect(hubspot('companies')).toHaveLength(2)
    expect(hubspot('contacts')).toHaveLength(4) // Ann matched by e-mail, not duplicated
    const ann = contact('ann@acme.com')!
    expect(ann.properties).toMatchObject({ external_id: '1', billing_plan: 'enterprise', account_status: 'active', lastname: 'Archer' })
    const acme = hubspot('companies').find((c) => c.properties.domain === 'acme.com')!
    expect(acme.properties).toMatchObject({ external_id: '1', billing_plan: 'enterprise', account_owner: 'Kim' })
    expect(associated('contacts', ann.id, 'companies')).toEqual([acme.id])
    const deal = hubspot('deals')[0]!
    expect(deal.properties).toMatchObject({ dealname: 'Acme renewal', amount: '12000', external_id: '1' })
    expect(associated('deals', deal.id, 'contacts')).toEqual([ann.id])
    expect(associated('deals', deal.id, 'companies')).toEqual([acme.id])
    // HubSpot's marketing fields reached the CRM; the HubSpot-only lead became a customer row
    const annRow = (await q(`SELECT * FROM ${SCHEMA}.customers WHERE email = 'ann@acme.com'`)).rows[0]
    expect(annRow).toMatchObject({ lifecycle_stage: 'opportunity', lead_status: 'IN_PROGRESS' })
    const dee = (await q(`SELECT * FROM ${SCHEMA}.customers WHERE email = 'dee@initech.com'`)).rows[0]
    expect(dee).toMatchObject({ first_name: 'Dee', lifecycle_stage: 'lead' })
    await converge() // …and writes back its customer_id as external_id
    expect(contact('dee@initech.com')!.properties.external_id).toBe(String(dee.customer_id))
    expect(await converge()).toBe(0)
  }, 90_000)

  it('keeps each side owning its fields, follows a company change, and settles', async () => {
    const ann = contact('ann@acme.com')!
    // marketing moves Ann on in HubSpot, and someone edits her plan there (the CRM owns it)
    await hubspotPatch('contacts', ann.id, { lifecyclestage: 'customer', billing_plan: 'free' })
    // the CRM moves her to Globex, renames her, and tries to set her lead status (HubSpot owns it)
    await crm(`UPDATE ${SCHEMA}.customers SET company_id = 2, last_name = 'Archer-Smith', lead_status = 'NEW' WHERE email = 'ann@acme.com'`)
    await converge()
    const row = (await q(`SELECT * FROM ${SCHEMA}.customers WHERE email = 'ann@acme.com'`)).rows[0]
    expect(row).toMatchObject({
      lifecycle_stage: 'customer',
      lead_status: 'IN_PROGRESS',
      billing_plan: 'enterprise',
      last_name: 'Archer-Smith',
    })
    expect(contact('ann@acme.com')!.properties).toMatchObject({
      lifecyclestage: 'customer',
      billing_plan: 'enterprise',
      lastname: 'Archer-Smith',
    })
    const globex = hubspot('companies').find((c) => c.properties.domain === 'globex.com')!
    expect(associated('contacts', ann.id, 'companies')).toEqual([globex.id])
    expect(hubspot('contacts')).toHaveLength(4)
    expect(await converge()).toBe(0)
  }, 90_000)

  it('archives in HubSpot what the CRM soft-deletes', async () => {
    await crm(`UPDATE ${SCHEMA}.customers SET deleted_at = now() WHERE email = 'cy@acme.com'`)
    await converge()
    expect(contact('cy@acme.com')).toBeUndefined()
    expect(hubspot('contacts')).toHaveLength(3)
  }, 90_000)
})
