/**
 * The real clock, and a manual one for tests (time moves only when told).
 * @module
 */
import type { Clock } from '../types.js'

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms)
    t.unref?.()
    return t
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
}

/** A clock for tests: `advance(ms)` fires due timers in order. */
export class ManualClock implements Clock {
  #now: number
  #timers: Array<{ at: number; fn: () => void; id: number }> = []
  #seq = 0

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#seq
    this.#timers.push({ at: this.#now + Math.max(0, ms), fn, id })
    return id
  }

  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle)
  }

  /** Move time forward, firing every timer that falls due, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms
    while (true) {
      this.#timers.sort((a, b) => a.at - b.at || a.id - b.id)
      const next = this.#timers[0]
      if (!next || next.at > target) break
      this.#timers.shift()
      this.#now = next.at
      next.fn()
      await new Promise((r) => setImmediate(r))
    }
    this.#now = target
  }
}

/** Wait `ms` on `clock`, or less: resolves as soon as `signal` aborts, leaving no listener behind. */
export function waitOrAbort(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clock.clearTimeout(handle)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const handle = clock.setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
