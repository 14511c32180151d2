/**
 * A sliding-window request counter for emulators: at most `limit` requests per `windowMs`
 * per key. Emulators turn a refusal into their vendor's own 429 reply.
 * @module
 */
export interface WindowDecision {
  allowed: boolean
  limit: number
  /** Requests left in the window after this one (0 when refused). */
  remaining: number
  /** Milliseconds until a request would be allowed again (0 when allowed). */
  retryAfterMs: number
  windowMs: number
}

export class WindowLimiter {
  readonly #hits = new Map<string, number[]>()

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Count one request for `key` at `now`; refused requests are not counted. */
  take(key: string, now: number): WindowDecision {
    const hits = this.#prune(key, now)
    if (hits.length >= this.limit) {
      const retryAfterMs = Math.max(1, hits[0] + this.windowMs - now)
      return { allowed: false, limit: this.limit, remaining: 0, retryAfterMs, windowMs: this.windowMs }
    }
    hits.push(now)
    return { allowed: true, limit: this.limit, remaining: this.limit - hits.length, retryAfterMs: 0, windowMs: this.windowMs }
  }

  /** Requests counted for `key` in the current window. */
  used(key: string, now: number): number {
    return this.#prune(key, now).length
  }

  reset(): void {
    this.#hits.clear()
  }

  #prune(key: string, now: number): number[] {
    let hits = this.#hits.get(key)
    if (!hits) {
      hits = []
      this.#hits.set(key, hits)
    }
    const cutoff = now - this.windowMs
    let drop = 0
    while (drop < hits.length && hits[drop] <= cutoff) drop++
    if (drop > 0) hits.splice(0, drop)
    return hits
  }
}
