/**
 * In-process dispatch: a FIFO ready queue plus timers for runs due later. No polling of the
 * store in the hot path; the hub's sweeper re-dispatches anything this queue loses (a crash,
 * a timer beyond the horizon).
 * @module
 */
import type { Clock } from '../types.js'
import type { Dispatch, RunHandler } from './contract.js'

/** Timers further out than this are left to the sweeper. */
const TIMER_HORIZON_MS = 10 * 60_000

export interface MemoryDispatchOptions {
  clock: Clock
}

export function createMemoryDispatch(options: MemoryDispatchOptions): Dispatch {
  const { clock } = options
  // Ring-less FIFO: an array with a moving head, compacted occasionally.
  let queue: string[] = []
  let head = 0
  const queued = new Set<string>()
  const timers = new Map<string, unknown>()
  const inflight = new Set<Promise<void>>()
  let handler: RunHandler | null = null
  let concurrency = 0
  let running = 0
  let stopped = true
  let idle: (() => void) | null = null

  const pump = () => {
    while (!stopped && handler && running < concurrency && head < queue.length) {
      const runId = queue[head++]!
      queued.delete(runId)
      running++
      const p = handler(runId)
        .catch(() => {
          // The handler reports its own errors; a failed run is found again by the sweeper.
        })
        .finally(() => {
          running--
          inflight.delete(p)
          if (running === 0 && idle) idle()
          pump()
        })
      inflight.add(p)
    }
    if (head > 4096 && head * 2 > queue.length) {
      queue = queue.slice(head)
      head = 0
    }
  }

  const enqueueNow = (runId: string) => {
    if (queued.has(runId)) return
    queued.add(runId)
    queue.push(runId)
  }

  const dispatchOne = (runId: string, dueAt?: number) => {
    const delay = dueAt === undefined ? 0 : dueAt - clock.now()
    if (delay <= 0) {
      const t = timers.get(runId)
      if (t !== undefined) {
        clock.clearTimeout(t)
        timers.delete(runId)
      }
      enqueueNow(runId)
      return
    }
    if (delay > TIMER_HORIZON_MS || timers.has(runId)) return
    timers.set(
      runId,
      clock.setTimeout(() => {
        timers.delete(runId)
        enqueueNow(runId)
        pump()
      }, delay),
    )
  }

  return {
    kind: 'memory',
    async dispatch(runId, dueAt) {
      dispatchOne(runId, dueAt)
      pump()
    },
    async dispatchMany(items) {
      for (const { runId, dueAt } of items) dispatchOne(runId, dueAt)
      pump()
    },
    async startWorker(h, opts) {
      handler = h
      concurrency = opts.concurrency
      stopped = false
      pump()
    },
    async stopWorker(deadlineMs) {
      stopped = true
      if (running === 0) return
      await new Promise<void>((resolve) => {
        const timer = clock.setTimeout(resolve, deadlineMs)
        idle = () => {
          clock.clearTimeout(timer)
          resolve()
        }
      })
      idle = null
    },
    async depth() {
      return queue.length - head + timers.size
    },
    async close() {
      stopped = true
      for (const t of timers.values()) clock.clearTimeout(t)
      timers.clear()
      queue = []
      head = 0
      queued.clear()
    },
  }
}
