/**
 * Conformance suite for the `Dispatch` contract (src/dispatch/contract.ts), run against every
 * implementation (in-process, BullMQ). Each test gets a fresh dispatch from `create()` and
 * calls `cleanup()` afterwards, even when it fails.
 *
 * What the contract promises, and what this suite checks:
 * - every dispatched run id reaches the handler (at least once);
 * - a run id dispatched again while it still waits to be handed out is delivered once;
 * - after its handler returned, a run id can be dispatched again and is delivered again
 *   (retries and the sweeper rely on this);
 * - a run re-dispatched with a due time from inside its own handler (a retry) is delivered
 *   again at that time;
 * - a run due later is not delivered before its due time;
 * - at most `concurrency` handlers run at once, and that many do run when work is waiting;
 * - `stopWorker` waits for in-flight handlers, up to its deadline, and hands out nothing after;
 * - `depth()` counts runs waiting to be handed out, due now or later.
 * It does not promise exactly-once: a run may reach a handler twice (a delayed duplicate, a
 * stalled job); the store lease makes that harmless.
 *
 * @example
 * ```ts
 * dispatchSuite('memory', async () => ({ dispatch: createMemoryDispatch({ clock: systemClock }), cleanup: async () => {} }))
 * ```
 * @module
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Dispatch } from '../../src/dispatch/contract.js'

export interface DispatchHarness {
  dispatch: Dispatch
  cleanup(): Promise<void>
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

async function until(what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`)
    await sleep(10)
  }
}

/** Records each delivery with its time; optionally holds handlers open until released. */
function recorder(holdMs = 0) {
  const seen: Array<{ runId: string; at: number }> = []
  let running = 0
  let maxRunning = 0
  let finished = 0
  const handler = async (runId: string) => {
    seen.push({ runId, at: Date.now() })
    running++
    maxRunning = Math.max(maxRunning, running)
    try {
      if (holdMs > 0) await sleep(holdMs)
    } finally {
      running--
      finished++
    }
  }
  return {
    handler,
    seen,
    count: (runId: string) => seen.filter((s) => s.runId === runId).length,
    get maxRunning() {
      return maxRunning
    },
    get finished() {
      return finished
    },
  }
}

let unique = 0
const rid = (label: string) => `run_${label}_${process.pid}_${Date.now().toString(36)}_${++unique}`

export function dispatchSuite(name: string, create: () => Promise<DispatchHarness>): void {
  describe(`Dispatch conformance: ${name}`, () => {
    let harness: DispatchHarness | undefined
    const open = async () => {
      harness = await create()
      return harness.dispatch
    }
    afterEach(async () => {
      const h = harness
      harness = undefined
      if (!h) return
      await h.dispatch.stopWorker(1000).catch(() => undefined)
      await h.cleanup()
    })

    it('hands every dispatched run id to the handler', async () => {
      const d = await open()
      const r = recorder()
      await d.startWorker(r.handler, { concurrency: 4 })
      const one = rid('one')
      const many = [rid('a'), rid('b'), rid('c')]
      await d.dispatch(one)
      await d.dispatchMany(many.map((runId) => ({ runId })))
      await until('all four delivered', () => [one, ...many].every((id) => r.count(id) >= 1))
      expect(new Set(r.seen.map((s) => s.runId))).toEqual(new Set([one, ...many]))
    })

    it('delivers a run id dispatched twice while it waits only once, and again when dispatched after it ran', async () => {
      const d = await open()
      const r = recorder()
      const id = rid('twice')
      await d.dispatch(id)
      await d.dispatch(id)
      await d.dispatchMany([{ runId: id }])
      await d.startWorker(r.handler, { concurrency: 2 })
      await until('first delivery', () => r.finished >= 1)
      await sleep(300)
      expect(r.count(id)).toBe(1)
      await d.dispatch(id)
      await until('second delivery after the handler returned', () => r.count(id) === 2)
    })

    it('delivers a run re-dispatched with a due time from inside its own handler again at that time', async () => {
      const d = await open()
      const seen: number[] = []
      let dueAt = 0
      const id = rid('retry')
      await d.startWorker(
        async (runId) => {
          seen.push(Date.now())
          if (seen.length === 1) {
            dueAt = Date.now() + 400
            await d.dispatch(runId, dueAt)
          }
        },
        { concurrency: 1 },
      )
      await d.dispatch(id)
      await until('delivered again after its retry time', () => seen.length >= 2)
      expect(seen[1]!).toBeGreaterThanOrEqual(dueAt - 5)
    })

    it('does not deliver a run due later before its due time', async () => {
      const d = await open()
      const r = recorder()
      await d.startWorker(r.handler, { concurrency: 2 })
      const id = rid('later')
      const dueAt = Date.now() + 700
      await d.dispatch(id, dueAt)
      await sleep(450)
      expect(r.count(id)).toBe(0)
      await until('delivered once due', () => r.count(id) >= 1)
      expect(r.seen[0]!.at).toBeGreaterThanOrEqual(dueAt - 5)
    })

    it('runs at most `concurrency` handlers at once, and uses that many when work is waiting', async () => {
      const d = await open()
      const r = recorder(120)
      const ids = Array.from({ length: 12 }, (_, i) => rid(`c${i}`))
      await d.dispatchMany(ids.map((runId) => ({ runId })))
      await d.startWorker(r.handler, { concurrency: 3 })
      await until('all twelve finished', () => r.finished >= 12, 15_000)
      expect(r.maxRunning).toBe(3)
      expect(new Set(r.seen.map((s) => s.runId)).size).toBe(12)
    })

    it('stopWorker waits for in-flight handlers and hands out nothing afterwards', async () => {
      const d = await open()
      const r = recorder(400)
      await d.startWorker(r.handler, { concurrency: 2 })
      const id = rid('inflight')
      await d.dispatch(id)
      await until('handler started', () => r.seen.length === 1)
      await d.stopWorker(5000)
      expect(r.finished).toBe(1)
      const after = rid('after-stop')
      await d.dispatch(after)
      await sleep(400)
      expect(r.count(after)).toBe(0)
    })

    it('stopWorker returns at its deadline when a handler does not finish', async () => {
      const d = await open()
      let release: () => void = () => {}
      const stuck = new Promise<void>((resolve) => {
        release = resolve
      })
      let started = false
      await d.startWorker(
        async () => {
          started = true
          await stuck
        },
        { concurrency: 1 },
      )
      await d.dispatch(rid('stuck'))
      await until('handler started', () => started)
      const t0 = Date.now()
      await d.stopWorker(300)
      const took = Date.now() - t0
      release()
      expect(took).toBeGreaterThanOrEqual(250)
      expect(took).toBeLessThan(2500)
    })

    it('depth counts runs waiting to be handed out, due now or later', async () => {
      const d = await open()
      expect(await d.depth()).toBe(0)
      await d.dispatchMany([{ runId: rid('d1') }, { runId: rid('d2') }, { runId: rid('d3') }])
      await d.dispatch(rid('d4'), Date.now() + 60_000)
      expect(await d.depth()).toBe(4)
      const r = recorder()
      await d.startWorker(r.handler, { concurrency: 4 })
      await until('the three due runs delivered', () => r.finished >= 3)
      await until('only the later run still waits', async () => (await d.depth()) === 1)
    })
  })
}
