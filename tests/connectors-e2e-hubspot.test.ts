/**
 * The seed recipe through the real runtime (store, engine, gateway, HubSpot connector) against
 * the HubSpot emulator with its search-index lag on: no duplicate companies, and the effect
 * ledger skipping identical writes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sandboxEnv } from '../src/cli/commands/sandbox.js'
import { hubspotEmulator } from '../src/connectors/hubspot/emulator.js'
import type { HubspotState } from '../src/connectors/hubspot/emulator-state.js'
import { hubspot } from '../src/connectors/hubspot/index.js'
import { manual } from '../src/pipeline/define.js'
import type { PipelineDefinition } from '../src/pipeline/types.js'
import { createRuntime, type Runtime } from '../src/runtime.js'
import type { EmulatorServer } from '../src/sandbox/index.js'
import { compile, eventually, tempDir } from './helpers/engine.js'
import { LOOPBACK_ALLOWED } from './helpers/net.js'

let tmp: ReturnType<typeof tempDir>
let emulator: EmulatorServer<HubspotState>
let runtime: Runtime | null = null

beforeEach(async () => {
  tmp = tempDir('pw-e2e-hubspot-')
  emulator = hubspotEmulator({ searchLagMs: 2000 })
  await emulator.listen()
})
afterEach(async () => {
  await runtime?.close(3000)
  runtime = null
  await emulator.close()
  tmp.cleanup()
})

function leadsPipeline(options: { concurrencyKey: boolean }): PipelineDefinition {
  return {
    id: 'leads',
    trigger: manual(),
    retry: { maxAttempts: 3, initialInterval: 50, maxInterval: 200 },
    steps: [
      {
        id: 'company',
        ...(options.concurrencyKey ? { concurrencyKey: ({ event }: any) => event.domain } : {}),
        action: hubspot.companies.upsert({
          matchOn: 'domain',
          properties: ({ event }: any) => ({ domain: event.domain, name: event.company }),
        }),
      },
      {
        id: 'contact',
        action: hubspot.contacts.upsert({
          properties: ({ event }: any) => ({ email: event.email }),
          associate: ({ company }: any) => company.id,
        }),
      },
    ],
  }
}

async function start(def: PipelineDefinition, server = false): Promise<Runtime> {
  runtime = await createRuntime({
    cwd: tmp.dir,
    env: {},
    connectionOverrides: sandboxEnv({ hubspot: emulator.url }),
    allowPrivateNetwork: LOOPBACK_ALLOWED,
    pipelines: [compile(def)],
    databaseUrl: `sqlite:${tmp.dir}/pw.db`,
    server,
    port: 0,
    logLevel: 'silent',
  })
  return runtime
}

async function settled(rt: Runtime, n: number) {
  return eventually(
    async () => {
      const c = await rt.hub.store.countRuns({ pipelineId: 'leads' })
      return c.succeeded + c.dead + c.filtered === n ? c : null
    },
    20_000,
    25,
  )
}

const DOMAINS = ['acme.com', 'globex.com', 'initech.io', 'umbrella-corp.com']
const leads = (n: number) =>
  Array.from({ length: n }, (_, i) => {
    const domain = DOMAINS[i % DOMAINS.length]!
    return { payload: { email: `person${i}@${domain}`, domain, company: domain.split('.')[0] } }
  })

describe('HubSpot end to end: duplicates and the effect ledger', () => {
  it('20 concurrent leads of 4 domains create exactly 4 companies while search lags, each contact associated', async () => {
    const rt = await start(leadsPipeline({ concurrencyKey: true }))
    await rt.hub.ingest('leads', leads(20))
    const counts = await settled(rt, 20)
    expect(counts?.succeeded).toBe(20)
    const companies = [...emulator.state.objects.companies.values()]
    expect(companies.map((c) => c.properties.domain).sort()).toEqual([...DOMAINS].sort())
    expect(emulator.state.objects.contacts.size).toBe(20)
    for (const contact of emulator.state.objects.contacts.values()) {
      const link = emulator.state.associations.find((a) => a.fromType === 'contacts' && a.fromId === contact.id)
      const company = emulator.state.objects.companies.get(link?.toId ?? '')
      expect(company?.properties.domain, contact.properties.email).toBe(contact.properties.email!.split('@')[1])
    }
    // Later leads of a domain found their company through the identity map: search could not
    // see it yet (2 s lag), so searching alone would have created duplicates.
    const searches = emulator.requests().filter((r) => r.path === '/crm/v3/objects/companies/search')
    expect(searches).toHaveLength(4)
    const creates = emulator.requests().filter((r) => r.method === 'POST' && r.path === '/crm/v3/objects/companies')
    expect(creates).toHaveLength(4)
  })

  it('skips an identical second write, answers from the ledger and counts a saved call in /metrics', async () => {
    const rt = await start(leadsPipeline({ concurrencyKey: true }), true)
    const lead = { email: 'ann@acme.com', domain: 'acme.com', company: 'Acme' }
    await rt.hub.ingest('leads', [{ payload: lead }])
    await settled(rt, 1)
    const before = emulator.requests().length
    const [second] = await rt.hub.ingest('leads', [{ payload: lead }])
    await settled(rt, 2)
    // Neither the company nor the contact write reached HubSpot again.
    expect(emulator.requests().length).toBe(before)
    const steps = await rt.hub.store.getSteps(second!.runId)
    const first = (await rt.hub.store.listRuns({ pipelineId: 'leads' })).find((r) => r.id !== second!.runId)!
    const firstSteps = await rt.hub.store.getSteps(first.id)
    expect(steps.find((s) => s.stepPath === 'company')?.output).toEqual(firstSteps.find((s) => s.stepPath === 'company')?.output)
    const metrics = await (await fetch(`${rt.url}/metrics`)).text()
    expect(metrics).toMatch(/pipewright_saved_calls_total\{connector="hubspot",connection="default"\} 2/)
    // A changed payload is written.
    await rt.hub.ingest('leads', [{ payload: { ...lead, company: 'Acme Corp' } }])
    await settled(rt, 3)
    const patch = emulator.requests().filter((r) => r.method === 'PATCH' && r.path.startsWith('/crm/v3/objects/companies/'))
    expect(patch).toHaveLength(1)
    expect([...emulator.state.objects.companies.values()][0]!.properties.name).toBe('Acme Corp')
  })
})
