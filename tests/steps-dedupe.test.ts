import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { invocation } from '../src/connectors/contract.js'
import { type DedupeDecision, type DedupeKeep, dedupeArrive, dedupeSettle } from '../src/engine/dedupe.js'
import { manual } from '../src/pipeline/define.js'
import type { Store } from '../src/store/contract.js'
import { compile, eventually, ScriptedActions, sqliteStore, startHub, tempDir } from './helpers/engine.js'

let tmp: ReturnType<typeof tempDir>
let store: Store
let hubs: Array<{ close(): Promise<void> }> = []

beforeEach(async () => {
  tmp = tempDir()
  store = sqliteStore(tmp.dir)
  await store.migrate()
  hubs = []
})
afterEach(async () => {
  for (const h of hubs) await h.close()
  await store.close().catch(() => {})
  tmp.cleanup()
})

function pipeline(keep: DedupeKeep, windowMs: number) {
  return compile({
    id: 'contacts',
    trigger: manual(),
    steps: [
      { id: 'once', dedupe: { key: ({ event }) => event.email, window: windowMs, keep } },
      { id: 'send', action: invocation('http.request', { body: ({ once, event }: any) => once.item ?? event }) },
    ],
  })
}

async function hubFor(keep: DedupeKeep, windowMs: number) {
  const actions = new ScriptedActions()
  const hub = await startHub({ pipelines: [pipeline(keep, windowMs)], store, actions })
  hubs.push(hub)
  return { hub, actions }
}

describe('dedupe step', () => {
  it('keep first: the first run of a key goes on and later ones in the window end filtered', async () => {
    const { hub, actions } = await hubFor('first', 60_000)
    const [a] = await hub.ingest('contacts', [{ payload: { email: 'a@x.co', n: 1 } }])
    expect((await hub.waitForRun(a!.runId))?.status).toBe('succeeded')
    const [b] = await hub.ingest('contacts', [{ payload: { email: 'a@x.co', n: 2 } }])
    expect((await hub.waitForRun(b!.runId))?.status).toBe('filtered')
    const [c] = await hub.ingest('contacts', [{ payload: { email: 'c@x.co', n: 3 } }])
    expect((await hub.waitForRun(c!.runId))?.status).toBe('succeeded')
    expect((await store.getSteps(b!.runId))[0]?.output).toMatchObject({ key: 'a@x.co', duplicate: true, duplicateOf: a!.runId })
    expect(actions.calls.map((x) => (x.input as any).body.n)).toEqual([1, 3])
  })

  it('keep latest: runs wait for the window to close and only the last one goes on', async () => {
    const { hub, actions } = await hubFor('latest', 400)
    const rs: Array<{ runId: string }> = []
    for (const n of [1, 2, 3]) rs.push((await hub.ingest('contacts', [{ payload: { email: 'a@x.co', n } }]))[0]!)
    await eventually(async () => (await store.getRun(rs[0]!.runId))?.status === 'waiting', 2000, 5)
    const ends = await Promise.all(rs.map((r) => hub.waitForRun(r.runId, 5000)))
    expect(ends.map((r) => r?.status)).toEqual(['filtered', 'filtered', 'succeeded'])
    expect(actions.calls.map((x) => (x.input as any).body.n)).toEqual([3])
    expect((await store.getSteps(rs[0]!.runId))[0]?.output).toMatchObject({ duplicate: true, duplicateOf: rs[2]!.runId })
  })

  it('keep merge: the first run goes on with every run’s non-empty fields merged, later fields winning', async () => {
    const { hub, actions } = await hubFor('merge', 400)
    const payloads = [
      { email: 'a@x.co', first: 'Ada', phone: null },
      { email: 'a@x.co', phone: '+4420', first: '' },
      { email: 'a@x.co', company: 'Acme' },
    ]
    const rs: Array<{ runId: string }> = []
    for (const payload of payloads) rs.push((await hub.ingest('contacts', [{ payload }]))[0]!)
    const ends = await Promise.all(rs.map((r) => hub.waitForRun(r.runId, 5000)))
    expect(ends.map((r) => r?.status)).toEqual(['succeeded', 'filtered', 'filtered'])
    expect(actions.calls.map((x) => (x.input as any).body)).toEqual([{ email: 'a@x.co', first: 'Ada', phone: '+4420', company: 'Acme' }])
  })

  it('keeps its window across a restart: a new hub on the same database still drops the duplicate', async () => {
    const first = await hubFor('first', 60_000)
    const [a] = await first.hub.ingest('contacts', [{ payload: { email: 'a@x.co' } }])
    await first.hub.waitForRun(a!.runId)
    await first.hub.close()
    hubs = []
    store = sqliteStore(tmp.dir)
    const second = await hubFor('first', 60_000)
    const [b] = await second.hub.ingest('contacts', [{ payload: { email: 'a@x.co' } }])
    expect((await second.hub.waitForRun(b!.runId))?.status).toBe('filtered')
  })

  it('never lets two runs of one key through within a window, in any keep mode (property)', async () => {
    let round = 0
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<DedupeKeep>('first', 'latest', 'merge'),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c'), gap: fc.integer({ min: 0, max: 30 }) }), { minLength: 1, maxLength: 25 }),
        async (keep, windowMs, arrivals) => {
          const ns = `p${round++}`
          // A discrete-event simulation: arrivals in time order, and each waiting run settles when its window closes.
          type Ev = { at: number; kind: 'arrive' | 'settle'; id: string; key: string; state?: any }
          const queue: Ev[] = []
          let t = 0
          arrivals.forEach((a, i) => {
            t += a.gap
            queue.push({ at: t, kind: 'arrive', id: `r${i}`, key: a.key })
          })
          const passes: Array<{ key: string; at: number }> = []
          const apply = (d: DedupeDecision, ev: Ev) => {
            if (d.kind === 'pass') passes.push({ key: ev.key, at: ev.at })
            if (d.kind === 'wait') queue.push({ at: d.until, kind: 'settle', id: ev.id, key: ev.key, state: d.state })
          }
          for (let guard = 0; queue.length && guard < 200; guard++) {
            queue.sort((x, y) => x.at - y.at || (x.kind === y.kind ? 0 : x.kind === 'settle' ? -1 : 1))
            const ev = queue.shift()!
            const d =
              ev.kind === 'arrive'
                ? await dedupeArrive(store, {
                    ns,
                    key: ev.key,
                    runId: ev.id,
                    memberId: ev.id,
                    item: { id: ev.id },
                    keep,
                    windowMs,
                    now: ev.at,
                  })
                : await dedupeSettle(store, ns, ev.state, keep, ev.id, ev.at)
            apply(d, ev)
          }
          for (const key of ['a', 'b', 'c']) {
            const times = passes.filter((p) => p.key === key).map((p) => p.at)
            for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(windowMs)
            if (arrivals.some((a) => a.key === key)) expect(times.length).toBeGreaterThan(0)
          }
        },
      ),
      { numRuns: 60 },
    )
  })
})
