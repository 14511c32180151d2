import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { invocation } from '../src/connectors/contract.js'
import { NonRetryableError } from '../src/errors.js'
import { manual } from '../src/pipeline/define.js'
import type { Store } from '../src/store/contract.js'
import { compile, ScriptedActions, sqliteStore, startHub, tempDir } from './helpers/engine.js'

let tmp: ReturnType<typeof tempDir>
let store: Store
let hubs: Array<{ close(): Promise<void> }> = []

beforeEach(() => {
  tmp = tempDir()
  store = sqliteStore(tmp.dir)
  hubs = []
})
afterEach(async () => {
  for (const h of hubs) await h.close()
  tmp.cleanup()
})

const enrich = compile({
  id: 'enrich',
  trigger: manual(),
  steps: [
    { id: 'pause', delay: ({ event }: any) => event.pauseMs ?? 0 },
    {
      id: 'fail',
      filter: ({ event }: any) => {
        if (event.boom) throw new NonRetryableError('enrichment provider refused the domain')
        return true
      },
    },
    { id: 'score', map: ({ event }: any) => ({ domain: event.domain, score: event.domain.length * 10 }) },
  ],
})

const parent = (wait: unknown) =>
  compile({
    id: 'lead',
    trigger: manual(),
    steps: [
      { id: 'enriched', call: { pipeline: 'enrich', input: ({ event }: any) => event, wait } as any },
      { id: 'save', action: invocation('http.request', { body: ({ enriched }: any) => enriched }) },
    ],
  })

async function hubWith(wait: unknown) {
  const actions = new ScriptedActions()
  const hub = await startHub({ pipelines: [parent(wait), enrich], store, actions })
  hubs.push(hub)
  return { hub, actions }
}

describe('call step', () => {
  it('without wait, returns the called run id at once', async () => {
    const { hub, actions } = await hubWith(undefined)
    const [r] = await hub.ingest('lead', [{ payload: { domain: 'acme.com' } }])
    expect((await hub.waitForRun(r!.runId))?.status).toBe('succeeded')
    const body = (actions.calls[0]!.input as any).body
    expect(Object.keys(body)).toEqual(['runId'])
    expect((await hub.waitForRun(body.runId))?.status).toBe('succeeded')
  })

  it('with wait, uses the called run’s last output, status and step outputs', async () => {
    const { hub, actions } = await hubWith(true)
    const [r] = await hub.ingest('lead', [{ payload: { domain: 'acme.com' } }])
    expect((await hub.waitForRun(r!.runId))?.status).toBe('succeeded')
    expect((actions.calls[0]!.input as any).body).toMatchObject({
      status: 'succeeded',
      output: { domain: 'acme.com', score: 80 },
      steps: { fail: true },
    })
  })

  it('with wait, parks the caller while the called run waits and resumes when it is done', async () => {
    const { hub, actions } = await hubWith({ timeout: '1m' })
    const [r] = await hub.ingest('lead', [{ payload: { domain: 'a.io', pauseMs: 2600 } }])
    const run = await hub.waitForRun(r!.runId, 15_000)
    expect(run?.status).toBe('succeeded')
    expect((actions.calls[0]!.input as any).body.output).toEqual({ domain: 'a.io', score: 40 })
  }, 20_000)

  it('with wait, fails the caller permanently when the called run dies, naming the pipeline', async () => {
    const { hub, actions } = await hubWith(true)
    const [r] = await hub.ingest('lead', [{ payload: { domain: 'acme.com', boom: true } }])
    const run = await hub.waitForRun(r!.runId)
    expect(run?.status).toBe('dead')
    expect(run?.error?.message).toMatch(
      /called pipeline enrich failed: run run_\S+ is dead \((\[PW_NON_RETRYABLE\] )?enrichment provider refused the domain\)/,
    )
    expect(actions.calls).toHaveLength(0)
  })
})
