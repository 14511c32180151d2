import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import pg from 'pg'
import { createTestHub, runPipeline, type TestHub } from 'pipewright/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pipeline, { uShapedCredit } from './pipeline.js'

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test'
const TABLE = `attribution_${process.pid}`
const TOUCHES: Record<string, unknown[]> = {
  v1: [
    { channel: 'linkedin', at: '2026-03-03T10:00:00Z' },
    { channel: 'paid-search', at: '2026-03-01T09:00:00Z' },
    { channel: 'webinar', at: '2026-03-05T16:00:00Z' },
    { channel: 'email', at: '2026-03-07T08:00:00Z' },
  ],
}

let t: TestHub
let touchpoints: Server
let db: pg.Client
beforeAll(async () => {
  // The touchpoint API: a loopback stand-in for your analytics store.
  touchpoints = createServer((req, res) => {
    const id = new URL(req.url!, 'http://x').searchParams.get('visitor') ?? ''
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ touchpoints: TOUCHES[id] ?? [] }))
  })
  await new Promise<void>((r) => touchpoints.listen(0, '127.0.0.1', r))
  db = new pg.Client({ connectionString: PG_URL })
  await db.connect()
  await db.query(`DROP TABLE IF EXISTS ${TABLE}`)
  await db.query(
    `CREATE TABLE ${TABLE} (email text, touch_index int, channel text, touched_at timestamptz, credit numeric, contact_id text, converted_at timestamptz, PRIMARY KEY (email, touch_index))`,
  )
  t = await createTestHub({
    pipelines: [pipeline],
    sandbox: ['hubspot'],
    // The touchpoints fixture runs on loopback: let the pipeline call it (and nothing else local).
    allowPrivateNetwork: [`127.0.0.1:${(touchpoints.address() as AddressInfo).port}`],
    env: {
      TOUCHPOINTS_URL: `http://127.0.0.1:${(touchpoints.address() as AddressInfo).port}/touchpoints`,
      POSTGRES_URL: PG_URL,
      POSTGRES_TABLE: TABLE,
      POSTGRES_KEY: 'email,touch_index',
    },
  })
})
afterAll(async () => {
  await t?.close()
  await db?.query(`DROP TABLE IF EXISTS ${TABLE}`)
  await db?.end()
  touchpoints?.close()
})

describe('recipe: multi-touch attribution', () => {
  it('credits first and last 40 % and shares 20 % between the middle touches', () => {
    expect(uShapedCredit([{ channel: 'a', at: '1' }]).map((x) => x.credit)).toEqual([1])
    expect(
      uShapedCredit([
        { channel: 'a', at: '1' },
        { channel: 'b', at: '2' },
      ]).map((x) => x.credit),
    ).toEqual([0.5, 0.5])
    expect(uShapedCredit(['a', 'b', 'c', 'd', 'e'].map((channel, i) => ({ channel, at: String(i) }))).map((x) => x.credit)).toEqual([
      0.4, 0.0667, 0.0667, 0.0667, 0.3999,
    ])
  })

  it('always hands out exactly 100 % of the credit (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), (n) => {
        const credits = uShapedCredit(Array.from({ length: n }, (_, i) => ({ channel: `c${i}`, at: String(i) }))).map((x) => x.credit)
        expect(Math.round(credits.reduce((a, b) => a + b, 0) * 10_000)).toBe(10_000)
      }),
    )
  })

  it('updates the contact with its channels and writes one warehouse row per touch, idempotently', async () => {
    const event = { email: 'Ada@Acme.com', visitor_id: 'v1', submitted_at: '2026-03-08T12:00:00Z' }
    const { run, steps } = await runPipeline(t, 'attribution', event)
    expect(run.status).toBe('succeeded')
    expect((steps.credit as any).channels).toEqual({ 'paid-search': 0.4, email: 0.4, linkedin: 0.1, webinar: 0.1 })
    const upserts = t.effects('hubspot').filter((r) => r.method === 'POST' && JSON.stringify(r.body).includes('first_touch_channel'))
    expect(JSON.stringify(upserts.at(-1)!.body)).toContain('"first_touch_channel":"paid-search"')
    const rows = await db.query(`SELECT channel, credit::float AS credit FROM ${TABLE} WHERE email = 'ada@acme.com' ORDER BY touch_index`)
    expect(rows.rows).toEqual([
      { channel: 'paid-search', credit: 0.4 },
      { channel: 'linkedin', credit: 0.1 },
      { channel: 'webinar', credit: 0.1 },
      { channel: 'email', credit: 0.4 },
    ])
    await runPipeline(t, 'attribution', event)
    expect((await db.query(`SELECT count(*)::int AS n FROM ${TABLE}`)).rows[0].n).toBe(4)
  })

  it('updates the contact but writes no warehouse rows when the visitor has no touchpoints', async () => {
    const { run } = await runPipeline(t, 'attribution', { email: 'bo@acme.com', visitor_id: 'unknown' })
    expect(run.status).toBe('filtered')
    expect((await db.query(`SELECT count(*)::int AS n FROM ${TABLE} WHERE email = 'bo@acme.com'`)).rows[0].n).toBe(0)
  })
})
