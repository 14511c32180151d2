/**
 * First sync between 1,000 pre-existing CRM rows (Postgres) and 1,000 HubSpot contacts (emulator):
 * matched by e-mail, 50 only by the fallback key (customer id ↔ external_id), 20 e-mail keys
 * ambiguous (two CRM rows differ only in case) — reported, never merged; nothing duplicated.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hubspotEmulator } from '../../src/connectors/hubspot/emulator.js'
import { createRecord, type HubspotState } from '../../src/connectors/hubspot/emulator-state.js'
import { createRuntime, type Runtime } from '../../src/runtime.js'
import type { EmulatorServer } from '../../src/sandbox/index.js'
import { compileSync } from '../../src/sync/compile.js'
import { LOOPBACK_ALLOWED } from '../helpers/net.js'

const URL = 'postgres://postgres@127.0.0.1:5432/test'
const SCHEMA = 'pw_i19_matching'
let pool: pg.Pool
let emu: EmulatorServer<HubspotState>
let runtime: Runtime
let dir: string

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: URL, max: 2 })
  await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA};
    CREATE TABLE ${SCHEMA}.customers (id serial PRIMARY KEY, email text, name text, ext int,
      updated_at timestamptz NOT NULL DEFAULT clock_timestamp())`)
  // CRM: 0..929 same e-mail as HubSpot; 930..979 a changed e-mail but the external id; 980..999 a
  // second row of 0..19's e-mail in another case (the key names two CRM rows: ambiguous)
  const rows: string[] = []
  for (let i = 0; i < 1000; i++) {
    if (i < 20) rows.push(`('u${i}@x.co', 'U${i}', NULL)`)
    else if (i < 930) rows.push(`('u${i}@x.co', 'U${i}', ${1000 + i})`)
    else if (i < 980) rows.push(`('moved${i}@y.co', 'U${i}', ${1000 + i})`)
    else rows.push(`('U${i - 980}@X.co', 'dup ${i}', NULL)`)
  }
  await pool.query(`INSERT INTO ${SCHEMA}.customers (email, name, ext) VALUES ${rows.join(', ')}`)
  emu = hubspotEmulator({ searchLagMs: 0, uniqueProperties: { contacts: ['email', 'external_id'] } })
  await emu.listen()
  // HubSpot: 0..979 pre-existing partners, 980..999 only in HubSpot
  const t0 = Date.now() - 3_600_000
  for (let i = 0; i < 1000; i++) {
    const props: Record<string, string> =
      i < 980 ? { email: `u${i}@x.co`, firstname: `U${i}`, external_id: String(1000 + i) } : { email: `hs${i}@x.co`, firstname: `H${i}` }
    createRecord(emu.state, 'contacts', props, t0 + i, 0)
  }
  dir = mkdtempSync(join(tmpdir(), 'pw-matching-'))
  const sync = compileSync(
    {
      id: 'people',
      sides: {
        a: { side: `postgres:crm/${SCHEMA}.customers`, settleMs: 0 },
        b: { side: 'hubspot:main/contacts', matchKeys: ['email', 'external_id'], settleMs: 0 },
      },
      match: { a: 'email', b: 'email', normalize: 'email', fallback: { a: 'ext', b: 'external_id' } },
      fields: [
        { a: 'email', b: 'email', owner: 'a' },
        { a: 'name', b: 'firstname', owner: 'latest' },
      ],
      schedule: { every: '1h', repair: false },
    },
    { format: 'ts' },
  )
  runtime = await createRuntime({
    cwd: dir,
    env: {},
    pipelines: [],
    syncs: [sync],
    connections: { postgres: { crm: { url: URL } }, hubspot: { main: { token: 'pat-test', baseUrl: emu.url, tier: 'professional' } } },
    allowPrivateNetwork: LOOPBACK_ALLOWED,
    databaseUrl: `sqlite:${join(dir, 'pw.db')}`,
    scheduler: false,
    logLevel: 'silent',
  })
})
afterAll(async () => {
  await runtime?.close(3000)
  await emu?.close()
  await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`)
  await pool.end()
  rmSync(dir, { recursive: true, force: true })
})

describe('initial matching of 1,000 records on each side', () => {
  it('links by e-mail and by the fallback key, reports the ambiguous, duplicates nothing', async () => {
    const r = await runtime.syncs.run('people')
    expect(r.runs.dead).toBe(0)
    // 20 keys named two CRM rows and one HubSpot contact: reported, none merged
    const ambiguous = r.ambiguous.filter((g) => g.via === 'key')
    expect(ambiguous).toHaveLength(20)
    for (const g of ambiguous) {
      expect(g.records.filter((x) => x.side === 'a')).toHaveLength(2)
      expect(g.records.filter((x) => x.side === 'b')).toHaveLength(1)
    }
    // nothing was created in HubSpot (every CRM row matched or is ambiguous); the 20 HubSpot-only became CRM rows
    expect(emu.state.objects.contacts.size).toBe(1000)
    expect(Number((await pool.query(`SELECT count(*) FROM ${SCHEMA}.customers`)).rows[0].count)).toBe(1020)
    expect(r.writes.b.create).toBe(0)
    expect(r.writes.a.create).toBe(20)
    // the 50 matched by the fallback key took the CRM's e-mail (the CRM owns it) in place
    const byExternal = new Map([...emu.state.objects.contacts.values()].map((c) => [c.properties.external_id, c]))
    for (let i = 930; i < 980; i++) expect(byExternal.get(String(1000 + i))?.properties.email).toBe(`moved${i}@y.co`)
    expect(r.writes.b.update).toBe(50)
    const counts = await runtime.hub.store.sync.countLinks('people')
    expect(counts).toMatchObject({ linked: 910 + 50 + 20 })
    // the next pass writes nothing and still reports the ambiguous keys
    const again = await runtime.syncs.run('people')
    expect(again.runs.started).toBe(0)
    expect(emu.state.objects.contacts.size).toBe(1000)
  }, 120_000)
})
