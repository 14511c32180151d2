import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { createRuntime, type Runtime } from 'pipewright'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hubspotEmulator } from '../../src/connectors/hubspot/emulator.js'
import { type MailchimpEmulator, mailchimpEmulator } from '../../src/connectors/mailchimp/emulator.js'
import type { EmulatorServer } from '../../src/sandbox/emulator.js'
import { compileSync } from '../../src/sync/compile.js'
import crmHubspot from './syncs/crm-hubspot.js'
import crmMailchimp from './syncs/crm-mailchimp.js'

const PG = 'postgres://postgres@127.0.0.1:5432/test'
const SCHEMA = 'pw_recipe_crm_mailchimp'
const KEY = '0123456789abcdef0123456789abcdef-us6'
const SECRET = 'recipe-hook-secret'
const here = fileURLToPath(new URL('.', import.meta.url))

let pool: pg.Pool
let mc: MailchimpEmulator
let hs: EmulatorServer<any>
let rt: Runtime

const row = async (email: string) => (await pool.query(`SELECT * FROM ${SCHEMA}.contacts WHERE email = $1`, [email])).rows[0]
const hubspotContact = (email: string) => [...hs.state.objects.contacts.values()].find((r: any) => r.properties.email === email) as any
async function until<T>(fn: () => Promise<T | null>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v !== null) return v
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** A pass that has read the CRM's latest rows (the Postgres side leaves rows younger than 1 s to the next pass). */
const passOverCrm = (id: string) =>
  until(async () => {
    const r = await rt.syncs.run(id)
    return r.read.a > 0 ? r : null
  })

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: PG, max: 2 })
  await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA};
    CREATE TABLE ${SCHEMA}.contacts (id serial PRIMARY KEY, email text UNIQUE NOT NULL, first_name text, last_name text,
      consent text, lifecycle_stage text, updated_at timestamptz NOT NULL DEFAULT clock_timestamp())`)
  mc = mailchimpEmulator({ apiKeys: [KEY], lists: ['list1'] })
  hs = hubspotEmulator({ searchLagMs: 0 })
  const [mcUrl, hsUrl] = [await mc.listen(), await hs.listen()]
  const env = {
    CRM_CONTACTS_SIDE: `postgres:crm/${SCHEMA}.contacts`,
    MAILCHIMP_AUDIENCE_SIDE: 'mailchimp:main/list1',
    MAILCHIMP_HOOK_SECRET: SECRET,
    HUBSPOT_APP_SECRET: 'hs-secret',
  }
  rt = await createRuntime({
    cwd: here,
    env,
    syncs: [crmMailchimp, crmHubspot].map((d) => compileSync(d, { format: 'ts', env })),
    pipelines: [],
    connections: {
      postgres: { crm: { url: PG, poolSize: 2 } },
      mailchimp: { main: { apiKey: KEY, baseUrl: mcUrl } },
      hubspot: { main: { token: 'pat-test', baseUrl: hsUrl } },
    },
    allowPrivateNetwork: ['127.0.0.0/8', 'localhost'],
    databaseUrl: `sqlite::memory:`,
    server: true,
    port: 0,
    scheduler: false,
    logLevel: 'silent',
  })
})
afterAll(async () => {
  await rt?.close(3000)
  await mc?.close()
  await hs?.close()
  await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`)
  await pool.end()
})

describe('recipe: CRM → Mailchimp with consent, opt-outs back to the CRM and HubSpot', () => {
  it('subscribes only with recorded consent, and an unsubscribe in Mailchimp reaches the CRM and HubSpot for good', async () => {
    await rt.hub.store.recordConsent(
      { email: 'ann@acme.com', state: 'subscribed', source: 'webform:newsletter', at: Date.now() - 60_000 },
      Date.now(),
    )
    await pool.query(`INSERT INTO ${SCHEMA}.contacts (email, first_name, last_name, consent, lifecycle_stage) VALUES
      ('ann@acme.com', 'Ann', 'Lee', 'subscribed', 'customer'), ('bob@acme.com', 'Bob', 'Ray', 'subscribed', 'lead')`)
    const first = await passOverCrm('crm-mailchimp')
    expect(first.runs).toMatchObject({ started: 1, succeeded: 1, dead: 0 })
    expect(mc.member('list1', 'ann@acme.com')).toMatchObject({
      status: 'subscribed',
      merge_fields: { FNAME: 'Ann', LNAME: 'Lee' },
      tags: ['customer'],
    })
    // Bob's "subscribed" in the CRM is not recorded consent: kept transactional, and the CRM is told
    expect(mc.member('list1', 'bob@acme.com')).toMatchObject({ status: 'transactional', tags: ['prospect'] })
    await rt.syncs.run('crm-mailchimp')
    expect((await row('bob@acme.com')).consent).toBe('transactional-only')
    await passOverCrm('crm-hubspot')
    expect(hubspotContact('ann@acme.com')?.properties).toMatchObject({ firstname: 'Ann', hs_email_optout: 'false' })

    // Mailchimp's webhook: registered by the user; Mailchimp checks the URL with a GET first
    const res = await fetch(`${mc.url}/3.0/lists/list1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`x:${KEY}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        url: `${rt.url}/hooks/mailchimp?secret=${SECRET}`,
        events: { unsubscribe: true, cleaned: true, profile: true, upemail: true, subscribe: true },
        sources: { user: true, admin: true, api: false },
      }),
    })
    expect(res.status).toBe(200)
    mc.userUnsubscribes('list1', 'ann@acme.com')
    await mc.flushWebhooks()
    await until(async () => ((await row('ann@acme.com')).consent === 'unsubscribed' ? true : null))
    expect(await rt.hub.store.getConsent('ann@acme.com')).toMatchObject({ state: 'unsubscribed', source: 'mailchimp:list1' })
    await until(async () => {
      await rt.syncs.run('crm-hubspot')
      return hubspotContact('ann@acme.com')?.properties.hs_email_optout === 'true' ? true : null
    })

    // someone sets the CRM back to subscribed: Mailchimp keeps the opt-out, and says so back
    await pool.query(`UPDATE ${SCHEMA}.contacts SET consent = 'subscribed', updated_at = clock_timestamp() WHERE email = 'ann@acme.com'`)
    await until(async () => ((await rt.syncs.run('crm-mailchimp')).writes.b.update ? true : null))
    expect(mc.member('list1', 'ann@acme.com')?.status).toBe('unsubscribed')
    await until(async () => {
      await rt.syncs.run('crm-mailchimp')
      return (await row('ann@acme.com')).consent === 'unsubscribed' ? true : null
    })
  })
})
