import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { airtableConnector } from '../src/connectors/airtable/connector.js'
import { airtableEmulator } from '../src/connectors/airtable/emulator.js'
import { airtable } from '../src/connectors/airtable/index.js'
import { isActionInvocation } from '../src/connectors/contract.js'
import { createGateway } from '../src/connectors/gateway/index.js'
import { systemClock } from '../src/engine/clock.js'
import { isNonRetryable } from '../src/errors.js'
import { createSqliteStore } from '../src/store/sqlite/index.js'
import { connectorSuite, makeActionContext } from './conformance/connector-suite.js'
import { loopbackGateway } from './helpers/net.js'

connectorSuite({
  name: 'airtable',
  connector: airtableConnector,
  startEmulator: async () => {
    const emulator = airtableEmulator({ tokens: ['pat-good'] })
    return { emulator, connection: { token: 'pat-good', baseUrl: await emulator.listen() } }
  },
  cases: {
    ok: {
      action: 'records.create',
      input: { base: 'appA', table: 'Leads', fields: { Name: 'Ann' } },
      check: (out) => expect(out).toMatchObject({ id: expect.stringMatching(/^rec/), fields: { Name: 'Ann' } }),
    },
    // Airtable sends no Retry-After; its documented wait is 30 s.
    rateLimited: { action: 'records.list', input: { base: 'appA', table: 'Leads' }, waitMs: 30_000 },
    permanent: {
      action: 'records.list',
      input: { base: 'appA', table: 'Leads' },
      connection: (c) => ({ ...c, token: 'pat-bad' }),
      providerCode: 'AUTHENTICATION_REQUIRED',
    },
  },
})

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()))
})

async function setup(options: Parameters<typeof airtableEmulator>[0] = {}) {
  const emu = airtableEmulator({ perBase: 1000, ...options })
  open.push(emu)
  const conn = airtableConnector.connection.parse({ token: 'pat-x', baseUrl: await emu.listen() })
  const ctx = () => makeActionContext(conn, 'airtable.x')
  const action = (name: string) => airtableConnector.actions[name]
  const call = (name: string, input: unknown) => action(name).run(action(name).input?.parse(input), ctx())
  const batch = (name: string, inputs: unknown[]) =>
    action(name).batch?.run(
      inputs.map((i) => action(name).input?.parse(i)),
      ctx(),
    ) as Promise<unknown[]>
  return { emu, call, batch }
}

describe('airtable connector actions', () => {
  it('creates 12 records as two requests of at most 10 with one result per record, in order', async () => {
    const { emu, batch } = await setup()
    const out = await batch(
      'records.create',
      Array.from({ length: 12 }, (_, i) => ({ base: 'appA', table: 'Leads', fields: { N: i } })),
    )
    expect(out.map((r) => (r as { fields: { N: number } }).fields.N)).toEqual([...Array(12).keys()])
    expect(emu.requests().map((r) => (r.body as { records: unknown[] }).records.length)).toEqual([10, 2])
  })

  it('fails only the invalid record when Airtable rejects a whole batch with 422', async () => {
    const { batch, emu } = await setup({ bases: { appA: { Leads: { fields: { Name: { type: 'text' }, Score: { type: 'number' } } } } } })
    const out = await batch('records.create', [
      { base: 'appA', table: 'Leads', fields: { Name: 'Ann', Score: 1 } },
      { base: 'appA', table: 'Leads', fields: { Name: 'Bad', Score: 'high' } },
      { base: 'appA', table: 'Leads', fields: { Name: 'Cy', Score: 3 } },
    ])
    expect(out[0]).toMatchObject({ fields: { Name: 'Ann' } })
    expect(isNonRetryable(out[1])).toBe(true)
    expect((out[1] as { providerCode: string }).providerCode).toBe('INVALID_VALUE_FOR_COLUMN')
    expect(out[2]).toMatchObject({ fields: { Name: 'Cy' } })
    expect(emu.records('appA', 'Leads').map((r) => r.fields.Name)).toEqual(['Ann', 'Cy'])
  })

  it('upserts on a merge field: created first, updated after, one record', async () => {
    const { call, emu } = await setup()
    const a = await call('records.upsert', {
      base: 'appA',
      table: 'Leads',
      fieldsToMergeOn: ['Email'],
      fields: { Email: 'a@x.co', Name: 'A' },
    })
    const b = await call('records.upsert', {
      base: 'appA',
      table: 'Leads',
      fieldsToMergeOn: ['Email'],
      fields: { Email: 'a@x.co', Name: 'A2' },
    })
    expect(a).toMatchObject({ created: true })
    expect(b).toMatchObject({ created: false, id: (a as { id: string }).id, fields: { Name: 'A2' } })
    expect(emu.records('appA', 'Leads')).toHaveLength(1)
  })

  it('updates a record by id (PATCH merges) and converts values with typecast', async () => {
    const { call } = await setup({ bases: { appA: { T: { fields: { Name: { type: 'text' }, Score: { type: 'number' } } } } } })
    const r = (await call('records.create', { base: 'appA', table: 'T', fields: { Name: 'A' } })) as { id: string }
    const u = await call('records.update', { base: 'appA', table: 'T', id: r.id, fields: { Score: '42' }, typecast: true })
    expect(u).toMatchObject({ id: r.id, fields: { Name: 'A', Score: 42 } })
  })

  it('lists one page with an offset, or every page with all: true, filtered by formula', async () => {
    const { batch, call } = await setup()
    await batch(
      'records.create',
      Array.from({ length: 25 }, (_, i) => ({ base: 'appA', table: 'T', fields: { N: i, Kind: i % 5 === 0 ? 'five' : 'other' } })),
    )
    const first = (await call('records.list', { base: 'appA', table: 'T', pageSize: 10 })) as { records: unknown[]; offset?: string }
    expect(first.records).toHaveLength(10)
    expect(first.offset).toEqual(expect.any(String))
    const all = (await call('records.list', { base: 'appA', table: 'T', pageSize: 10, all: true })) as {
      records: unknown[]
      offset?: string
    }
    expect(all.records).toHaveLength(25)
    expect(all.offset).toBeUndefined()
    const fives = (await call('records.list', { base: 'appA', table: 'T', filterByFormula: "{Kind}='five'", fields: ['N'] })) as {
      records: Array<{ fields: unknown }>
    }
    expect(fives.records.map((r) => r.fields)).toEqual([{ N: 0 }, { N: 5 }, { N: 10 }, { N: 15 }, { N: 20 }])
  })

  it('names an invalid formula as a permanent INVALID_FILTER_BY_FORMULA', async () => {
    const { call } = await setup()
    const e = await call('records.list', { base: 'appA', table: 'T', filterByFormula: 'SWIRL({A})' }).catch((x) => x)
    expect(isNonRetryable(e)).toBe(true)
    expect(e.providerCode).toBe('INVALID_FILTER_BY_FORMULA')
  })

  it('typed factories build branded invocations', () => {
    const inv = airtable.records.upsert({
      base: 'appA',
      table: 'Leads',
      fieldsToMergeOn: ['Email'],
      fields: ({ lead }: { lead: { email: string } }) => ({ Email: lead.email }),
    })
    expect(isActionInvocation(inv)).toBe(true)
    expect(inv.ref).toBe('airtable.records.upsert')
  })
})

describe('airtable through the gateway', () => {
  it('coalesces 25 concurrent creates into 3 requests and keeps each base under 5 requests per second', async () => {
    const emu = airtableEmulator({ tokens: ['pat-good'], penaltyMs: 30_000 })
    open.push(emu)
    const dir = mkdtempSync(join(tmpdir(), 'pw-airtable-'))
    const store = createSqliteStore({ path: join(dir, 'pw.db') })
    await store.migrate()
    const gateway = createGateway({
      ...loopbackGateway,
      connectors: [airtableConnector],
      connections: { airtable: { default: { token: 'pat-good', baseUrl: await emu.listen() } } },
      store,
      clock: systemClock,
      maxInPlaceWaitMs: 5000,
    })
    try {
      const calls = Array.from({ length: 25 }, (_, i) =>
        gateway.execute({
          ref: 'airtable.records.create',
          input: { base: 'appA', table: 'Leads', fields: { N: i } },
          runId: `r${i}`,
          pipelineId: 'p',
          stepId: 's',
          attempt: 1,
          idempotencyKey: `r${i}:s`,
          signal: new AbortController().signal,
        }),
      )
      const out = (await Promise.all(calls)) as Array<{ fields: { N: number } }>
      expect(out.map((o) => o.fields.N)).toEqual([...Array(25).keys()])
      expect(emu.requests().map((r) => r.status)).toEqual([200, 200, 200])
      // Seven more single calls on one base, sent at once: paced, never a 429.
      await Promise.all(
        Array.from({ length: 7 }, (_, i) =>
          gateway.execute({
            ref: 'airtable.records.list',
            input: { base: 'appA', table: 'Leads', maxRecords: 1 },
            runId: `l${i}`,
            pipelineId: 'p',
            stepId: 's',
            attempt: 1,
            idempotencyKey: `l${i}:s`,
            signal: new AbortController().signal,
          }),
        ),
      )
      expect(emu.requests().filter((r) => r.status === 429)).toHaveLength(0)
    } finally {
      await gateway.close()
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 20_000)
})
