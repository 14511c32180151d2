/**
 * `pipewright status` and `/api/v1/status`: each pipeline, sync and connection as Active,
 * Paused, Degraded or Failing, from what the store holds — run totals, firing incidents,
 * circuit gauges — on a real SQLite store and a real runtime with a sync.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main } from '../src/cli/main.js'
import { invocation } from '../src/connectors/contract.js'
import { systemClock } from '../src/engine/clock.js'
import { formatLabels } from '../src/observe/labels.js'
import { SERIES } from '../src/observe/series-recorder.js'
import { gatherStatus } from '../src/observe/status-sources.js'
import { manual } from '../src/pipeline/define.js'
import { createRuntime, type Runtime } from '../src/runtime.js'
import type { Store } from '../src/store/contract.js'
import { createStore } from '../src/store/index.js'
import { compileSync } from '../src/sync/compile.js'
import { MemoryTable, memoryConnector } from '../src/sync/sides/memory.js'
import { recordingIo } from './helpers/cli.js'
import { compile, tempDir } from './helpers/engine.js'
import { people } from './sync/helpers.js'

let tmp: ReturnType<typeof tempDir>
let db: string

const minute = (t: number) => t - (t % 60_000)

/** Runs that ended in the last minutes, a firing conflict incident, an open HubSpot circuit. */
async function seed(store: Store, now: number) {
  const runs = (pipeline: string, status: string, value: number) => ({
    series: SERIES.runs,
    labels: formatLabels({ pipeline, status }),
    minute: minute(now - 120_000),
    value,
  })
  await store.series.addSamples([
    runs('leads', 'dead', 4),
    runs('leads', 'succeeded', 1),
    runs('orders', 'succeeded', 30),
    runs('orders', 'dead', 1),
    runs('sync:people', 'succeeded', 5),
  ])
  await store.series.setGauges(
    'w1',
    [{ series: SERIES.circuit, labels: formatLabels({ connector: 'hubspot', connection: 'default' }), value: 2 }],
    now,
    600_000,
  )
  await store.alerts.observeFiring(
    {
      rule: 'sync-conflicts',
      subject: 'people',
      severity: 'warning',
      level: 0,
      summary: 'people: 3 conflicts in the last hour',
      value: 3,
      details: { sync: 'people', conflicts: 3 },
    },
    { now, forMs: 0, deliveries: [] },
  )
}

beforeEach(async () => {
  tmp = tempDir('pw-status-')
  db = `sqlite:${join(tmp.dir, 'pw.db')}`
})
afterEach(() => tmp.cleanup())

describe('pipewright status', () => {
  it('prints each pipeline and connection with its status and why, and exits 1 when something fails', async () => {
    await mkdir(join(tmp.dir, 'pipelines'))
    const yaml = (id: string, action: string) =>
      `id: ${id}\ntrigger: { webhook: { path: ${id} } }\nsteps:\n  - id: write\n    action: ${action}\n    with: { email: "{{ event.email }}" }\n`
    await writeFile(join(tmp.dir, 'pipelines', 'leads.yaml'), yaml('leads', 'hubspot.upsertContact'))
    await writeFile(join(tmp.dir, 'pipelines', 'orders.yaml'), yaml('orders', 'slack.postMessage'))
    await writeFile(join(tmp.dir, 'pipelines', 'quiet.yaml'), yaml('quiet', 'slack.postMessage'))
    const store = await createStore(db)
    await store.migrate()
    await seed(store, Date.now())
    await store.close()

    const io = recordingIo(tmp.dir, { PIPEWRIGHT_DATABASE_URL: db })
    expect(await main(['status'], io)).toBe(1)
    const out = io.stdout.join('\n')
    expect(out).toMatch(/leads\s+✗ Failing\s+4 of 5 runs died in the last 15 min/)
    expect(out).toMatch(/orders\s+! Degraded\s+1 of 31 runs died/)
    expect(out).toMatch(/quiet\s+✓ Active/)
    expect(out).toMatch(/hubspot:default\s+✗ Failing\s+circuit open/)
    expect(out).toContain('3 active, 1 degraded, 2 failing, 0 paused') // quiet, slack:default, http:default

    const json = recordingIo(tmp.dir, { PIPEWRIGHT_DATABASE_URL: db })
    await main(['status', '--json'], json)
    const report = JSON.parse(json.stdout.join(''))
    expect(report.pipelines.map((p: { id: string; status: string }) => `${p.id}=${p.status}`)).toEqual([
      'leads=failing',
      'orders=degraded',
      'quiet=active',
    ])
    expect(report.pipelines[0].reasons).toContain('uses hubspot:default, which is failing')
    expect(report.connections.map((c: { id: string; status: string }) => `${c.id}=${c.status}`)).toEqual([
      'http:default=active',
      'hubspot:default=failing',
      'slack:default=active',
    ])
  })

  it('reads what is paused from the store’s pause registry (pipewright pause) when it has one', async () => {
    const store = await createStore(db)
    await store.migrate()
    try {
      // The registry as `store.pauses` offers it (rows of kind and id); here attached by hand.
      const withPauses = Object.assign(Object.create(store) as Store, {
        pauses: { list: async () => [{ kind: 'pipeline', id: 'leads', pausedAt: 1, pausedBy: 'cli:ann', reason: null }] },
      })
      await seed(store, Date.now())
      const report = await gatherStatus({
        store: withPauses,
        now: Date.now(),
        pipelines: [
          compile({ id: 'leads', trigger: manual(), steps: [{ id: 'm', map: () => ({}) }] }),
          compile({ id: 'orders', trigger: manual(), steps: [{ id: 'm', map: () => ({}) }] }),
        ],
      })
      expect(report.pipelines.map((p) => `${p.id}=${p.status}`)).toEqual(['leads=paused', 'orders=degraded'])
      expect(report.pipelines[0]!.reasons).toContain('paused by an operator')
    } finally {
      await store.close()
    }
  })

  it('exits 0 when nothing is failing', async () => {
    const io = recordingIo(tmp.dir, { PIPEWRIGHT_DATABASE_URL: db })
    expect(await main(['status'], io)).toBe(0)
    expect(io.stdout.join('\n')).toContain('none loaded (./pipelines)')
  })
})

describe('/api/v1/status', () => {
  let runtime: Runtime | null = null
  afterEach(async () => {
    await runtime?.close(2000)
    runtime = null
  })

  it('reports pipelines, the runtime’s syncs and connections, with the incidents about them', async () => {
    const tables = { crm: new MemoryTable('crm', systemClock), hub: new MemoryTable('hub', systemClock) }
    runtime = await createRuntime({
      cwd: tmp.dir,
      env: {},
      pipelines: [
        compile({ id: 'leads', trigger: manual(), steps: [{ id: 'write', action: invocation('hubspot.upsertContact', {}) }] }),
        compile({ id: 'orders', trigger: manual(), steps: [{ id: 'm', map: () => ({}) }] }),
      ],
      syncs: [compileSync(people(), { format: 'ts' })],
      connectors: [memoryConnector(tables)],
      connections: { memory: { default: {} } },
      databaseUrl: db,
      scheduler: false,
      server: true,
      port: 0,
      logLevel: 'silent',
    })
    await seed(runtime.hub.store, Date.now())
    const res = await fetch(`${runtime.url}/api/v1/status`)
    expect(res.status).toBe(200)
    const body = (await res.json()) as Record<string, Array<{ id: string; status: string; reasons: string[]; incidents: string[] }>>
    expect(body.pipelines!.map((p) => `${p.id}=${p.status}`)).toEqual(['leads=failing', 'orders=degraded'])
    expect(body.syncs).toHaveLength(1)
    expect(body.syncs![0]).toMatchObject({
      id: 'people',
      status: 'degraded',
      reasons: ['warning alert sync-conflicts: people: 3 conflicts in the last hour'],
    })
    expect(body.syncs![0]!.incidents).toHaveLength(1)
    expect(body.connections!.map((c) => `${c.id}=${c.status}`)).toEqual([
      'http:default=active',
      'hubspot:default=failing',
      'memory:default=active',
    ])
    expect(body.counts).toEqual({ active: 2, paused: 0, degraded: 2, failing: 2 })
  })
})
