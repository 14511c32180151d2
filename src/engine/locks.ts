/**
 * In-process key locks and per-pipeline slots: runs that share a concurrency key never
 * overlap, and a pipeline never runs more than its `concurrency` at once. Waiters are served
 * first come, first served.
 * @module
 */
export class KeyLocks {
  readonly #held = new Map<string, Array<() => void>>()

  /** Resolves once the caller holds `key`. */
  acquire(key: string): Promise<void> {
    const queue = this.#held.get(key)
    if (!queue) {
      this.#held.set(key, [])
      return Promise.resolve()
    }
    return new Promise((resolve) => queue.push(resolve))
  }

  /** Try without waiting; true when the caller now holds `key`. */
  tryAcquire(key: string): boolean {
    if (this.#held.has(key)) return false
    this.#held.set(key, [])
    return true
  }

  release(key: string): void {
    const queue = this.#held.get(key)
    if (!queue) return
    const next = queue.shift()
    if (next) next()
    else this.#held.delete(key)
  }

  isHeld(key: string): boolean {
    return this.#held.has(key)
  }

  get size(): number {
    return this.#held.size
  }
}

/** Counting slots per name (pipeline concurrency). */
export class Slots {
  readonly #used = new Map<string, number>()

  tryTake(name: string, limit: number): boolean {
    const used = this.#used.get(name) ?? 0
    if (used >= limit) return false
    this.#used.set(name, used + 1)
    return true
  }

  give(name: string): void {
    const used = (this.#used.get(name) ?? 1) - 1
    if (used <= 0) this.#used.delete(name)
    else this.#used.set(name, used)
  }
}
