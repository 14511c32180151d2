import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { invocation } from '../src/connectors/contract.js'
import { ManualClock } from '../src/engine/clock.js'
import { replayRuns } from '../src/engine/replay.js'
import { NonRetryableError, RateLimitedError, RetryAfterError } from '../src/errors.js'
import { manual } from '../src/pipeline/define.js'
import type { Store } from '../src/store/contract.js'
import { compile, eventually, ScriptedActions, sqliteStore, startHub, tempDir } from './helpers/engine.js'

const act = (ref: string, params: Record<string, unknown> = {}) => invocation(ref, params)
const fast = { maxAttempts: 3, initialInterval: 10, maxInterval: 20 }

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

async function hubWith(pipelines: ReturnType<typeof compile>[], actions = new ScriptedActions(), extra: Record<string, unknown> = {}) {
  const hub = await startHub({ pipelines, store, actions, ...extra })
  hubs.push(hub)
  return hub
}

describe('run state machine', () => {
  it('runs map, filter, route and action steps to succeeded and stores every step result', async () => {
    const actions = new ScriptedActions().on('http.request', (c) => ({ status: 200, echoed: c.input }))
    const p = compile({
      id: 'leads',
      trigger: manual(),
      steps: [
        { id: 'lead', map: ({ event }) => ({ email: event.email, score: event.score }) },
        { id: 'has-email', filter: ({ lead }) => Boolean(lead.email) },
        {
          id: 'hot',
          route: [
            {
              when: ({ lead }) => lead.score > 80,
              steps: [{ id: 'notify', action: act('http.request', { body: ({ lead }: any) => lead.email }) }],
            },
          ],
        },
        { id: 'deliver', action: act('http.request', { url: 'http://x', body: ({ lead }: any) => lead }) },
      ],
    })
    const hub = await hubWith([p], actions)
    const [r] = await hub.ingest('leads', [{ payload: { email: 'a@b.co', score: 90 } }])
    const run = await hub.waitForRun(r!.runId)
    expect(run?.status).toBe('succeeded')
    const steps = await store.getSteps(r!.runId)
    expect(steps.map((s) => s.stepPath)).toEqual(['lead', 'has-email', 'hot', 'notify', 'deliver'])
    expect(steps.find((s) => s.stepPath === 'hot')?.output).toEqual({ branch: 0 })
    expect(actions.callsOf('http.request').map((c) => c.input)).toEqual([
      { body: 'a@b.co' },
      { url: 'http://x', body: { email: 'a@b.co', score: 90 } },
    ])
    expect(actions.calls[0]!.idempotencyKey).toBe(`${r!.runId}:notify`)
  })

  it('ends a run as filtered when a filter says no, without calling later actions', async () => {
    const actions = new ScriptedActions()
    const p = compile({
      id: 'f',
      trigger: manual(),
      steps: [
        { id: 'ok', filter: ({ event }) => event.keep },
        { id: 'send', action: act('http.request') },
      ],
    })
    const hub = await hubWith([p], actions)
    const [r] = await hub.ingest('f', [{ payload: { keep: false } }])
    expect((await hub.waitForRun(r!.runId))?.status).toBe('filtered')
    expect(actions.calls).toHaveLength(0)
  })

  it('dead-letters a permanent error at once with the step, attempts, error and last input', async () => {
    const actions = new ScriptedActions().on('http.request', () => {
      throw new NonRetryableError('422 from receiver: email blocked', { status: 422 })
    })
    const p = compile({
      id: 'd',
      trigger: manual(),
      retry: fast,
      steps: [{ id: 'send', action: act('http.request', { body: ({ event }: any) => event }) }],
    })
    const hub = await hubWith([p], actions)
    const [r] = await hub.ingest('d', [{ payload: { email: 'x@y.z' } }])
    expect((await hub.waitForRun(r!.runId))?.status).toBe('dead')
    const dl = await store.getDeadLetter(r!.runId)
    expect(dl).toMatchObject({ reason: 'permanent', stepId: 'send', attempts: 1, lastInput: { body: { email: 'x@y.z' } } })
    expect(dl?.error?.message).toContain('email blocked')
    expect(dl?.error?.status).toBe(422)
    expect(actions.calls).toHaveLength(1)
  })

  it('retries a failing step with back-off and dead-letters as retryable-exhausted after maxAttempts', async () => {
    const actions = new ScriptedActions().on('http.request', () => {
      throw new Error('socket hang up')
    })
    const p = compile({ id: 'r', trigger: manual(), retry: fast, steps: [{ id: 'send', action: act('http.request') }] })
    const hub = await hubWith([p], actions)
    const [r] = await hub.ingest('r', [{ payload: {} }])
    await eventually(async () => (await store.getRun(r!.runId))?.status === 'dead')
    expect(actions.calls).toHaveLength(3)
    expect(new Set(actions.calls.map((c) => c.idempotencyKey)).size).toBe(1)
    expect(actions.calls.map((c) => c.attempt)).toEqual([1, 2, 3])
    expect((await store.getDeadLetter(r!.runId))?.reason).toBe('retryable-exhausted')
  })

  it('replays memoized steps on retry instead of repeating their effects', async () => {
    const actions = new ScriptedActions()
      .on('crm.create', () => ({ id: 'c-1' }))
      .on('chat.post', (_c, n) => {
        if (n === 1) throw new Error('503 from chat')
        return { ok: true }
      })
    const p = compile({
      id: 'm',
      trigger: manual(),
      retry: fast,
      steps: [
        { id: 'create', action: act('crm.create') },
        { id: 'post', action: act('chat.post', { id: ({ create }: any) => create.id }) },
      ],
    })
    const hub = await hubWith([p], actions)
    const [r] = await hub.ingest('m', [{ payload: {} }])
    await eventually(async () => (await store.getRun(r!.runId))?.status === 'succeeded')
    expect(actions.callsOf('crm.create')).toHaveLength(1)
    expect(actions.callsOf('chat.post').map((c) => c.input)).toEqual([{ id: 'c-1' }, { id: 'c-1' }])
  })

  it('checkpoints forEach items on their own: a retry does not repeat finished items', async () => {
    const actions = new ScriptedActions().on('crm.upsert', (c, n) => {
      if ((c.input as { email: string }).email === 'b@x.co' && n === 2) throw new Error('timeout')
      return { ok: true }
    })
    const p = compile({
      id: 'fe',
      trigger: manual(),
      retry: fast,
      steps: [
        {
          id: 'each',
          forEach: ({ event }) => event.people,
          steps: [{ id: 'upsert', action: act('crm.upsert', { email: ({ item }: any) => item }) }],
        },
      ],
    })
    const hub = await hubWith([p], actions)
    const [r] = await hub.ingest('fe', [{ payload: { people: ['a@x.co', 'b@x.co', 'c@x.co'] } }])
    await eventually(async () => (await store.getRun(r!.runId))?.status === 'succeeded')
    expect(actions.calls.map((c) => (c.input as { email: string }).email)).toEqual(['a@x.co', 'b@x.co', 'b@x.co', 'c@x.co'])
    expect(actions.calls.map((c) => c.stepId)).toEqual(['each[0].upsert', 'each[1].upsert', 'each[1].upsert', 'each[2].upsert'])
  })

  it('parks a delayed run as waiting and resumes it when due', async () => {
    const actions = new ScriptedActions()
    const p = compile({
      id: 'dl',
      trigger: manual(),
      steps: [
        { id: 'pause', delay: 150 },
        { id: 'send', action: act('http.request') },
      ],
    })
    const hub = await hubWith([p], actions)
    const [r] = await hub.ingest('dl', [{ payload: {} }])
    await eventually(async () => (await store.getRun(r!.runId))?.status === 'waiting')
    expect((await store.getRun(r!.runId))?.waitReason).toBe('delay')
    expect(actions.calls).toHaveLength(0)
    await eventually(async () => (await store.getRun(r!.runId))?.status === 'succeeded')
    expect(actions.calls).toHaveLength(1)
  })

  it('runs with the same concurrency key never overlap; other keys run in parallel', async () => {
    let active = new Map<string, number>()
    let maxSame = 0
    let maxAll = 0
    const actions = new ScriptedActions().on('crm.upsert', async (c) => {
      const key = (c.input as { domain: string }).domain
      active.set(key, (active.get(key) ?? 0) + 1)
      maxSame = Math.max(maxSame, active.get(key)!)
      maxAll = Math.max(
        maxAll,
        [...active.values()].reduce((a, b) => a + b, 0),
      )
      await new Promise((r) => setTimeout(r, 20))
      active.set(key, active.get(key)! - 1)
      return {}
    })
    const p = compile({
      id: 'ck',
      trigger: manual(),
      concurrencyKey: ({ event }) => event.domain,
      steps: [{ id: 'up', action: act('crm.upsert', { domain: ({ event }: any) => event.domain }) }],
    })
    const hub = await hubWith([p], actions)
    const results = await hub.ingest(
      'ck',
      Array.from({ length: 12 }, (_, i) => ({ payload: { domain: i % 2 ? 'acme.com' : 'globex.com' } })),
    )
    for (const r of results) await hub.waitForRun(r.runId)
    expect(actions.calls).toHaveLength(12)
    expect(maxSame).toBe(1)
    expect(maxAll).toBe(2)
    active = new Map()
  })
})

describe('retry schedule under an injected clock', () => {
  it('waits exponential back-off with jitter from the injected random, and exactly Retry-After when given', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 23, 12))
    const actions = new ScriptedActions().on('http.request', (_c, n) => {
      if (n === 1) throw new Error('boom')
      if (n === 2) throw new Error('boom again')
      if (n === 3) throw new RetryAfterError('429', 42_000)
      return { ok: true }
    })
    const p = compile({
      id: 'bk',
      trigger: manual(),
      retry: { maxAttempts: 5, initialInterval: '1s', maxInterval: '10m' },
      steps: [{ id: 'send', action: act('http.request') }],
    })
    const hub = await hubWith([p], actions, { clock, random: () => 1 })
    const t0 = clock.now()
    const [r] = await hub.ingest('bk', [{ payload: {} }])
    const waitFor = async (attempts: number) =>
      eventually(async () => actions.calls.length === attempts && (await store.getRun(r!.runId))?.status === 'waiting')
    await waitFor(1)
    expect((await store.getRun(r!.runId))?.dueAt).toBe(t0 + 1000) // random()=1 → the ceiling, 1 s
    await clock.advance(1000)
    await waitFor(2)
    expect((await store.getRun(r!.runId))?.dueAt).toBe(t0 + 1000 + 2000) // ceiling doubles
    await clock.advance(2000)
    await waitFor(3)
    const run = await store.getRun(r!.runId)
    expect(run?.dueAt).toBe(t0 + 3000 + 42_000) // exactly the provider's wait
    expect(run?.attempt).toBe(3)
    await clock.advance(42_000)
    await eventually(async () => (await store.getRun(r!.runId))?.status === 'succeeded')
  })

  it('does not count rate-limit waits as attempts', async () => {
    const actions = new ScriptedActions().on('http.request', (_c, n) => {
      if (n <= 4) throw new RateLimitedError('429', 5)
      return { ok: true }
    })
    const p = compile({
      id: 'rl',
      trigger: manual(),
      retry: { maxAttempts: 2, initialInterval: 10, maxInterval: 10 },
      steps: [{ id: 'send', action: act('http.request') }],
    })
    const hub = await hubWith([p], actions)
    const [r] = await hub.ingest('rl', [{ payload: {} }])
    await eventually(async () => (await store.getRun(r!.runId))?.status === 'succeeded')
    expect(actions.calls).toHaveLength(5)
  })
})

describe('replay', () => {
  it('replays a dead letter from the failed step without repeating finished effects, and from the trigger with all of them', async () => {
    let broken = true
    const actions = new ScriptedActions()
      .on('crm.create', () => ({ id: 'c-9' }))
      .on('chat.post', () => {
        if (broken) throw new NonRetryableError('channel_not_found')
        return { ok: true }
      })
    const p = compile({
      id: 'rp',
      trigger: manual(),
      steps: [
        { id: 'create', action: act('crm.create') },
        { id: 'post', action: act('chat.post') },
      ],
    })
    const hub = await hubWith([p], actions)
    const [r] = await hub.ingest('rp', [{ payload: { n: 1 } }])
    await eventually(async () => (await store.getRun(r!.runId))?.status === 'dead')
    broken = false
    const res = await replayRuns(hub, [r!.runId], { from: 'failed-step' })
    expect(res.replayed).toHaveLength(1)
    const newId = res.replayed[0]!.newRunId
    await eventually(async () => (await store.getRun(newId))?.status === 'succeeded')
    expect(actions.callsOf('crm.create')).toHaveLength(1)
    expect(actions.callsOf('chat.post')).toHaveLength(2)
    expect((await store.getRun(newId))?.replayOf).toBe(r!.runId)
    expect((await store.getDeadLetter(r!.runId))?.replayedBy).toBe(newId)

    const again = await replayRuns(hub, [newId], { from: 'trigger' })
    await eventually(async () => (await store.getRun(again.replayed[0]!.newRunId))?.status === 'succeeded')
    expect(actions.callsOf('crm.create')).toHaveLength(2)
  })
})

describe('recovery', () => {
  it('a second hub resumes a run whose worker vanished once its lease expires', async () => {
    const p = compile({ id: 'rc', trigger: manual(), steps: [{ id: 'send', action: act('http.request') }] })
    const first = await startHub({ pipelines: [p], store, worker: false })
    const [r] = await first.ingest('rc', [{ payload: {} }])
    // Lease it as a worker that then disappears without finishing.
    expect(await store.leaseRun({ runId: r!.runId, owner: 'ghost', now: Date.now(), leaseMs: 100 })).not.toBeNull()
    await first.close()
    const store2 = sqliteStore(tmp.dir)
    const actions = new ScriptedActions()
    const second = await startHub({ pipelines: [p], store: store2, actions, leaseMs: 5000 })
    hubs.push(second)
    await eventually(async () => (await store2.getRun(r!.runId))?.status === 'succeeded', 5000)
    expect(actions.calls).toHaveLength(1)
  })
})

describe('ingest-only hubs', () => {
  it('store accepted runs as queued for workers elsewhere and keep no in-memory queue of them', async () => {
    const p = compile({ id: 'api', trigger: manual(), steps: [{ id: 'send', action: act('http.request') }] })
    const hub = await startHub({ pipelines: [p], store, worker: false })
    hubs.push(hub)
    const results = await hub.ingest(
      'api',
      Array.from({ length: 50 }, (_, i) => ({ payload: { i } })),
    )
    expect(await hub.dispatch.depth()).toBe(0)
    const counts = await store.countRuns({ pipelineId: 'api' })
    expect(counts.queued).toBe(50)
    expect((await store.getRun(results[0]!.runId))?.leaseOwner).toBeNull()
  })
})

describe('expression failures', () => {
  it('dead-letters a failing expression at once (reason invalid) instead of retrying it', async () => {
    const tmp2 = tempDir()
    const store2 = sqliteStore(tmp2.dir)
    const { compilePipelineYaml } = await import('../src/pipeline/yaml.js')
    const p = compilePipelineYaml('id: ex\ntrigger: { manual: {} }\nsteps:\n  - id: bad\n    map: "{{ $number(event.n) + 1 }}"\n')
    const hub = await startHub({ pipelines: [p], store: store2 })
    try {
      const [r] = await hub.ingest('ex', [{ payload: { n: 'not a number' } }])
      expect((await hub.waitForRun(r!.runId))?.status).toBe('dead')
      const dl = await store2.getDeadLetter(r!.runId)
      expect(dl).toMatchObject({ reason: 'invalid', stepId: 'bad', attempts: 1 })
      expect(dl?.error?.code).toBe('PW_EXPRESSION')
      expect(dl?.error?.message).toContain('$number(event.n) + 1')
    } finally {
      await hub.close()
      tmp2.cleanup()
    }
  })
})

describe('code steps and timeouts', () => {
  it('runs a code step whose helpers.action calls are idempotent per call and checkpointed as one step', async () => {
    const tmp3 = tempDir()
    const store3 = sqliteStore(tmp3.dir)
    let failOnce = true
    const actions = new ScriptedActions()
      .on('crm.write', (c) => ({ wrote: c.input }))
      .on('chat.post', () => {
        if (failOnce) {
          failOnce = false
          throw new Error('503')
        }
        return { ok: true }
      })
    const p = compile({
      id: 'code',
      trigger: manual(),
      retry: fast,
      steps: [
        {
          id: 'sync',
          code: async ({ event }, h) => {
            const a = await h.action(act('crm.write', { email: event.email }))
            const b = await h.action(act('crm.write', { email: event.email.toUpperCase() }))
            return { a, b, attempt: h.attempt }
          },
        },
        { id: 'notify', action: act('chat.post') },
      ],
    })
    const hub = await startHub({ pipelines: [p], store: store3, actions })
    try {
      const [r] = await hub.ingest('code', [{ payload: { email: 'a@b.co' } }])
      await eventually(async () => (await store3.getRun(r!.runId))?.status === 'succeeded')
      // The code step ran once (its result was stored before notify retried).
      expect(actions.callsOf('crm.write').map((c) => c.idempotencyKey)).toEqual([`${r!.runId}:sync#1`, `${r!.runId}:sync#2`])
      const steps = await store3.getSteps(r!.runId)
      expect(steps.find((s) => s.stepPath === 'sync')?.output).toEqual({
        a: { wrote: { email: 'a@b.co' } },
        b: { wrote: { email: 'A@B.CO' } },
        attempt: 1,
      })
    } finally {
      await hub.close()
      tmp3.cleanup()
    }
  })

  it('aborts a step that exceeds its timeout and retries it', async () => {
    const tmp4 = tempDir()
    const store4 = sqliteStore(tmp4.dir)
    const signals: AbortSignal[] = []
    const actions = new ScriptedActions().on('slow.call', (c, n) => {
      signals.push(c.signal)
      if (n === 1) return new Promise(() => {}) // never answers
      return { ok: true }
    })
    const p = compile({ id: 'to', trigger: manual(), retry: fast, steps: [{ id: 'call', timeout: 50, action: act('slow.call') }] })
    const hub = await startHub({ pipelines: [p], store: store4, actions })
    try {
      const [r] = await hub.ingest('to', [{ payload: {} }])
      await eventually(async () => (await store4.getRun(r!.runId))?.status === 'succeeded')
      expect(signals[0]!.aborted).toBe(true)
      expect(String(signals[0]!.reason)).toContain('PW_STEP_TIMEOUT')
      expect(actions.calls).toHaveLength(2)
    } finally {
      await hub.close()
      tmp4.cleanup()
    }
  })
})
