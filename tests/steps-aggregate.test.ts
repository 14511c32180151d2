import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { invocation } from '../src/connectors/contract.js'
import { ConfigError } from '../src/errors.js'
import { manual } from '../src/pipeline/define.js'
import type { Store } from '../src/store/contract.js'
import { compile, eventually, ScriptedActions, sqliteStore, startHub, tempDir } from './helpers/engine.js'

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

const digest = (opts: Record<string, unknown>) =>
  compile({
    id: 'digest',
    trigger: manual(),
    steps: [
      { id: 'lead', map: ({ event }) => ({ email: event.email.toLowerCase() }) },
      { id: 'batch', aggregate: { item: ({ lead }: any) => lead, ...opts } as any },
      { id: 'send', action: invocation('http.request', { body: ({ batch }: any) => batch.items.map((i: any) => i.email) }) },
    ],
  })

async function hubWith(pipelines: ReturnType<typeof compile>[], actions = new ScriptedActions()) {
  const hub = await startHub({ pipelines, store, actions })
  hubs.push(hub)
  return { hub, actions }
}

describe('aggregate step', () => {
  it('starts one batch run with every item when size is reached; item runs end at the step', async () => {
    const { hub, actions } = await hubWith([digest({ size: 3 })])
    const ids: string[] = []
    for (const email of ['A@x.co', 'B@x.co', 'C@x.co', 'D@x.co']) ids.push((await hub.ingest('digest', [{ payload: { email } }]))[0]!.runId)
    for (const id of ids) expect((await hub.waitForRun(id))?.status).toBe('succeeded')
    await eventually(() => actions.calls.length === 1)
    // Runs execute concurrently, so which three reach the step first is not fixed.
    const sent = (actions.calls[0]!.input as any).body as string[]
    expect(sent).toHaveLength(3)
    expect(new Set(sent).size).toBe(3)
    for (const e of sent) expect(['a@x.co', 'b@x.co', 'c@x.co', 'd@x.co']).toContain(e)
    const outputs = await Promise.all(
      ids.map(async (id) => (await store.getSteps(id)).map((s) => ({ path: s.stepPath, output: s.output as any }))),
    )
    for (const steps of outputs) expect(steps.map((s) => s.path)).toEqual(['lead', 'batch'])
    const closer = outputs.find((steps) => steps[1]!.output?.batchRunId)!
    const batchRunId = closer[1]!.output.batchRunId as string
    const batchRun = await hub.waitForRun(batchRunId)
    expect(batchRun?.status).toBe('succeeded')
    // The batch run starts at the aggregate step: `lead` ran per item, not for the batch.
    expect((await store.getSteps(batchRunId)).map((s) => s.stepPath)).toEqual(['batch', 'send'])
    // The item left over opened the next batch and waits for two more.
    const leftover = outputs.filter((steps) => !sent.includes(steps[0]!.output.email))
    expect(leftover).toHaveLength(1)
    expect(leftover[0]![1]!.output.position).toBe(0)
  })

  it('flushes a batch when its window closes even if it is not full', async () => {
    const { hub, actions } = await hubWith([digest({ size: 100, window: 300 })])
    const ids: string[] = []
    for (const email of ['a@x.co', 'b@x.co']) ids.push((await hub.ingest('digest', [{ payload: { email } }]))[0]!.runId)
    expect((await hub.waitForRun(ids[1]!))?.status).toBe('succeeded')
    expect(actions.calls).toHaveLength(0)
    expect((await hub.waitForRun(ids[0]!, 5000))?.status).toBe('succeeded')
    await eventually(() => actions.calls.length === 1)
    expect((actions.calls[0]!.input as any).body).toEqual(['a@x.co', 'b@x.co'])
  })

  it('keeps a batch across a restart: the window timer fires in a new hub on the same database', async () => {
    const first = await hubWith([digest({ window: 400 })])
    const [a] = await first.hub.ingest('digest', [{ payload: { email: 'a@x.co' } }])
    await eventually(async () => (await store.getRun(a!.runId))?.status === 'waiting')
    await first.hub.close()
    hubs = []
    store = sqliteStore(tmp.dir)
    const second = await hubWith([digest({ window: 400 })])
    expect((await second.hub.waitForRun(a!.runId, 5000))?.status).toBe('succeeded')
    await eventually(() => second.actions.calls.length === 1, 5000)
    expect((second.actions.calls[0]!.input as any).body).toEqual(['a@x.co'])
  })

  it('sends batches to a target pipeline with { items, key, count } and keeps keys apart', async () => {
    const source = compile({
      id: 'signups',
      trigger: manual(),
      steps: [{ id: 'collect', aggregate: { key: ({ event }: any) => event.team, size: 2, target: 'team-digest' } }],
    })
    const target = compile({
      id: 'team-digest',
      trigger: manual(),
      steps: [{ id: 'post', action: invocation('http.request', { body: ({ event }: any) => event }) }],
    })
    const { hub, actions } = await hubWith([source, target])
    for (const [team, n] of [
      ['red', 1],
      ['blue', 2],
      ['red', 3],
      ['blue', 4],
    ] as const)
      await hub.ingest('signups', [{ payload: { team, n } }])
    await eventually(() => actions.calls.length === 2)
    const bodies = actions.calls.map((c) => (c.input as any).body).sort((x, y) => x.key.localeCompare(y.key))
    expect(bodies).toMatchObject([
      {
        key: 'blue',
        count: 2,
        items: [
          { team: 'blue', n: 2 },
          { team: 'blue', n: 4 },
        ],
      },
      {
        key: 'red',
        count: 2,
        items: [
          { team: 'red', n: 1 },
          { team: 'red', n: 3 },
        ],
      },
    ])
  })

  it('rejects an aggregate without size or window, and one nested in a route', () => {
    expect(() => compile({ id: 'x', trigger: manual(), steps: [{ id: 'b', aggregate: {} }] })).toThrow(/aggregate needs size/)
    try {
      compile({ id: 'x', trigger: manual(), steps: [{ id: 'r', route: [{ when: true, steps: [{ id: 'b', aggregate: { size: 2 } }] }] }] })
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError)
      expect((e as ConfigError).problems).toMatchObject([
        { step: 'b', field: 'aggregate', message: 'aggregate must be a top-level step (not inside route or forEach)' },
      ])
    }
  })
})
