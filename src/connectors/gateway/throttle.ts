/**
 * Pacing of provider requests: the rate limiter's decision, awaited in place when the wait
 * is short (≤ `maxInPlaceWaitMs` in total), else `RateLimitedError(waitMs)` so the engine
 * parks the run as `waiting` without holding a worker. Plus an optional cap on requests in
 * flight per connection (Mailchimp: 10).
 * @module
 */
import { RateLimitedError } from '../../errors.js'
import type { RateLimiter, RateWindowSpec } from '../../resilience/rate-limiter.js'
import type { Clock } from '../../types.js'

export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = () => {
      clock.clearTimeout(handle)
      reject(signal?.reason)
    }
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

export interface ThrottleRequest {
  key: string
  specs: RateWindowSpec[]
  signal?: AbortSignal
  onWait: (info: { window: string; waitMs: number; parked: boolean }) => void
}

/** Resolves with `settle`, to be called once the provider replied (or the request failed). */
export async function throttle(
  limiter: RateLimiter,
  clock: Clock,
  maxInPlaceWaitMs: number,
  req: ThrottleRequest,
): Promise<() => Promise<void>> {
  let waited = 0
  for (;;) {
    const d = await limiter.acquire(req.key, req.specs)
    if (d.ok) return d.settle
    if (waited + d.waitMs > maxInPlaceWaitMs) {
      req.onWait({ window: d.window, waitMs: d.waitMs, parked: true })
      throw new RateLimitedError(`${req.key} ${d.window} limit reached; retry in ${d.waitMs} ms`, d.waitMs)
    }
    req.onWait({ window: d.window, waitMs: d.waitMs, parked: false })
    await sleep(clock, d.waitMs, req.signal)
    waited += d.waitMs
  }
}

/** At most `max` holders at once; others queue in arrival order. */
export function createSemaphore(max: number) {
  let active = 0
  const queue: Array<() => void> = []
  return async function withPermit<T>(fn: () => Promise<T>): Promise<T> {
    if (active >= max) await new Promise<void>((r) => queue.push(r))
    else active++
    try {
      return await fn()
    } finally {
      const nextHolder = queue.shift()
      if (nextHolder) nextHolder()
      else active--
    }
  }
}
