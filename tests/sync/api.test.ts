/**
 * `/api/v1/syncs…` over real HTTP on a running runtime with a sync over in-memory sides: list,
 * status, plan (writes nothing), run (a state change: JSON body type required by the request
 * guard), conflicts — and every answer matches what /api/v1/openapi.json documents for it.
 */
import { Ajv2020 } from 'ajv/dist/2020.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type MemoryHarness, memoryHarness, people } from './helpers.js'

let h: MemoryHarness
let base: string
let spec: any
const ajv = new Ajv2020({ strict: false, allErrors: true })

beforeAll(async () => {
  h = await memoryHarness(
    [
      people({
        fields: [
          { a: 'email', b: 'email', owner: 'a' },
          { a: 'name', b: 'fullname', owner: 'b' },
          { a: 'plan', b: 'plan', direction: 'a-to-b' },
        ],
      }),
    ],
    ['crm', 'hub'],
    { server: true },
  )
  base = `${h.runtime.url}/api/v1`
  spec = await (await fetch(`${base}/openapi.json`)).json()
})
afterAll(async () => {
  await h?.close()
})

/** Call the API and check the answer against the documented schema of its status. */
async function call(method: 'GET' | 'POST', path: string, docPath: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const json = (await res.json()) as any
  const op = spec.paths[`/api/v1${docPath}`]?.[method.toLowerCase()]
  expect(op, `${method} ${docPath} is documented`).toBeTruthy()
  const documented = op.responses[String(res.status)]
  expect(documented, `${method} ${path} answered ${res.status}, not documented: ${JSON.stringify(json)}`).toBeTruthy()
  const validate = ajv.compile(documented.content['application/json'].schema)
  expect(
    validate(json),
    `${method} ${path} → ${res.status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(json).slice(0, 800)}`,
  ).toBe(true)
  return { status: res.status, body: json }
}

describe('/api/v1/syncs', () => {
  it('lists syncs, plans without writing, runs, and shows status and conflicts', async () => {
    const { crm, hub } = h.tables
    const ann = crm!.put({ email: 'ann@acme.com', name: 'Ann', plan: 'pro' })
    hub!.put({ email: 'bob@acme.com', fullname: 'Bob' })

    const list = await call('GET', '/syncs', '/syncs')
    expect(list.body.syncs).toEqual([
      expect.objectContaining({
        id: 'people',
        sides: { a: 'memory:default/crm', b: 'memory:default/hub' },
        links: { linked: 0, unmatched: 0, ambiguous: 0, deleted: 0 },
        lastPass: null,
      }),
    ])

    const plan = await call('GET', '/syncs/people/plan', '/syncs/{id}/plan')
    expect(plan.body).toMatchObject({ dryRun: true, writes: { a: { create: 1 }, b: { create: 1 } } })
    expect(plan.body.planned).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ side: 'b', op: 'create', fields: expect.objectContaining({ email: 'ann@acme.com', fullname: 'Ann' }) }),
        expect.objectContaining({ side: 'a', op: 'create', fields: expect.objectContaining({ email: 'bob@acme.com', name: 'Bob' }) }),
      ]),
    )
    // A plan writes nothing: no provider write, no link, no cursor.
    expect(hub!.writes).toHaveLength(0)
    expect(crm!.writes).toHaveLength(0)
    expect((await call('GET', '/syncs/people', '/syncs/{id}')).body).toMatchObject({
      links: { linked: 0, unmatched: 0 },
      cursors: { a: null, b: null },
      lastPass: null,
    })

    // A state change without a JSON body type is refused by the request guard.
    const bare = await fetch(`${base}/syncs/people/run`, { method: 'POST' })
    expect(bare.status).toBe(415)
    expect(hub!.writes).toHaveLength(0)

    const run = await call('POST', '/syncs/people/run', '/syncs/{id}/run', {})
    expect(run.body).toMatchObject({ dryRun: false, runs: { started: 2, succeeded: 2, dead: 0, pending: 0 } })
    expect(hub!.find('email', 'ann@acme.com')).toHaveLength(1)
    expect(crm!.find('email', 'bob@acme.com')).toHaveLength(1)

    const status = await call('GET', '/syncs/people', '/syncs/{id}')
    expect(status.body).toMatchObject({
      id: 'people',
      links: { linked: 2 },
      lastPass: { mode: 'incremental', runs: { succeeded: 2 } },
      fields: expect.arrayContaining([{ a: 'name', b: 'fullname', direction: 'both', owner: 'b' }]),
    })
    expect(status.body.cursors.a).not.toBeNull()

    // Both sides change one field: a conflict, owner b wins.
    const annB = hub!.find('email', 'ann@acme.com')[0]!.id
    crm!.patch(ann, { name: 'Ann (crm)' })
    hub!.patch(annB, { fullname: 'Ann (hub)' })
    const second = await call('POST', '/syncs/people/run', '/syncs/{id}/run', { mode: 'incremental' })
    expect(second.body.conflicts).toBe(1)
    const conflicts = await call('GET', '/syncs/people/conflicts?limit=10', '/syncs/{id}/conflicts')
    expect(conflicts.body.conflicts).toEqual([
      expect.objectContaining({ field: 'name ↔ fullname', aValue: 'Ann (crm)', bValue: 'Ann (hub)', winner: 'b', reason: 'owner b' }),
    ])
    expect(crm!.read(ann)?.name).toBe('Ann (hub)')

    const repair = await call('POST', '/syncs/people/run', '/syncs/{id}/run', { mode: 'repair' })
    expect(repair.body).toMatchObject({ mode: 'repair', repaired: 0, fixed: [] })
    expect((await call('GET', '/syncs/people', '/syncs/{id}')).body.lastRepair).toMatchObject({ mode: 'repair', read: { a: 2, b: 2 } })
    expect((await call('GET', '/syncs', '/syncs')).body.syncs[0]).toMatchObject({ conflicts: 1, links: { linked: 2 } })
  })

  it('answers 404 for an unknown sync and 400 for a bad mode or limit', async () => {
    const missing = await call('GET', '/syncs/nope', '/syncs/{id}')
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'PW_SYNC_NOT_FOUND' } } })
    expect(missing.body.error.message).toContain('known: people')
    expect((await call('POST', '/syncs/nope/run', '/syncs/{id}/run', {})).status).toBe(404)
    expect((await call('GET', '/syncs/nope/plan', '/syncs/{id}/plan')).status).toBe(404)
    expect((await call('GET', '/syncs/nope/conflicts', '/syncs/{id}/conflicts')).status).toBe(404)
    const bad = await call('POST', '/syncs/people/run', '/syncs/{id}/run', { mode: 'sideways' })
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'PW_BAD_REQUEST' } } })
    expect((await call('GET', '/syncs/people/plan?mode=full', '/syncs/{id}/plan')).status).toBe(400)
    expect((await call('GET', '/syncs/people/conflicts?limit=0', '/syncs/{id}/conflicts')).status).toBe(400)
  })
  it('pauses and resumes a sync: a run is refused with 409 while paused unless forced; audited; listed as paused', async () => {
    const { crm, hub } = h.tables
    const plain = await fetch(`${base}/syncs/people/pause`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })
    expect(plain.status).toBe(415)
    const paused = await call('POST', '/syncs/people/pause', '/syncs/{id}/pause', { reason: 'CRM migration' })
    expect(paused).toMatchObject({ status: 200, body: { sync: 'people', paused: true, changed: true, pausedBy: 'local' } })
    expect((await call('GET', '/paused', '/paused')).body.paused).toEqual([
      expect.objectContaining({ kind: 'sync', id: 'people', pausedBy: 'local', reason: 'CRM migration' }),
    ])
    const status = await call('GET', '/status', '/status')
    expect(status.body.syncs.find((x: any) => x.id === 'people')).toMatchObject({ status: 'paused' })
    crm!.put({ email: 'cy@acme.com', name: 'Cy' })
    const refused = await call('POST', '/syncs/people/run', '/syncs/{id}/run', {})
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'PW_SYNC_PAUSED' } } })
    expect(hub!.find('email', 'cy@acme.com')).toHaveLength(0)
    const forced = await call('POST', '/syncs/people/run', '/syncs/{id}/run', { force: true })
    expect(forced.body.writes.b.create).toBe(1)
    expect((await call('POST', '/syncs/people/run', '/syncs/{id}/run', { force: 'yes' })).status).toBe(400)
    expect((await call('POST', '/syncs/nope/pause', '/syncs/{id}/pause', {})).status).toBe(404)
    const resumed = await call('POST', '/syncs/people/resume', '/syncs/{id}/resume', {})
    expect(resumed.body).toEqual({ sync: 'people', paused: false, changed: true })
    expect((await call('GET', '/status', '/status')).body.syncs.find((x: any) => x.id === 'people')?.status).not.toBe('paused')
    expect((await call('POST', '/syncs/people/run', '/syncs/{id}/run', {})).status).toBe(200)
    const audit = await call('GET', '/audit?target=sync:', '/audit')
    expect(audit.body.entries.map((e: any) => [e.actor, e.action, e.target])).toEqual([
      ['local', 'resume', 'sync:people'],
      ['local', 'pause', 'sync:people'],
    ])
  })
})
