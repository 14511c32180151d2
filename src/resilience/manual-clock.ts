/**
 * Clocks for tests and benchmarks: a manual clock whose time moves only when told, and a
 * warped clock that runs real time faster (so a 10-second window passes in one second while
 * real I/O still happens).
 *
 * @example
 * ```ts
 * const clock = createManualClock(Date.UTC(2026, 10, 23))
 * clock.advance(10_000) // fires timers due by then, in order
 * ```
 * @module
 */
import type { Clock } from '../types.js'

export interface ManualClock extends Clock {
  /** Move time forward, firing due timers in order. */
  advance(ms: number): void
  /** Set the time (never backwards), firing due timers. */
  set(now: number): void
  /** Timers not yet fired. */
  pending(): number
}

export function createManualClock(start = 0): ManualClock {
  let now = start
  let seq = 0
  const timers = new Map<number, { at: number; fn: () => void }>()
  const fireDue = (): void => {
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined
      for (const entry of timers) if (entry[1].at <= now && (!next || entry[1].at < next[1].at)) next = entry
      if (!next) return
      timers.delete(next[0])
      next[1].fn()
    }
  }
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq
      timers.set(id, { at: now + Math.max(0, ms), fn })
      return id
    },
    clearTimeout(handle) {
      timers.delete(handle as number)
    },
    advance(ms) {
      now += ms
      fireDue()
    },
    set(t) {
      now = Math.max(now, t)
      fireDue()
    },
    pending: () => timers.size,
  }
}

/** Real time sped up `factor` times, starting at `start`. Timers use real `setTimeout`. */
export function createWarpedClock(factor: number, start = Date.now()): Clock {
  const realStart = performance.now()
  return {
    now: () => Math.floor(start + (performance.now() - realStart) * factor),
    setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms) / factor),
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  }
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
}
