/**
 * In-process {@link LimiterBackend}: per window key, an ordered list of (stamp, count).
 * @module
 */
import { type AcquireRequest, type LimitDecision, type LimiterBackend, stampOf, type WindowRequest } from './limiter-backend.js'

interface Bucket {
  stamp: number
  n: number
}

export function createMemoryLimiterBackend(): LimiterBackend {
  const logs = new Map<string, Bucket[]>()
  const blocks = new Map<string, number>()

  function live(w: WindowRequest, now: number): Bucket[] {
    let log = logs.get(w.key)
    if (!log) {
      log = []
      logs.set(w.key, log)
    }
    let drop = 0
    while (drop < log.length && log[drop].stamp + w.windowMs <= now) drop++
    if (drop > 0) log.splice(0, drop)
    return log
  }

  function count(log: Bucket[]): number {
    let total = 0
    for (const b of log) total += b.n
    return total
  }

  function add(w: WindowRequest, log: Bucket[], n: number, now: number): void {
    const stamp = stampOf(now, w.windowMs)
    const at = log.findIndex((b) => b.stamp >= stamp)
    if (at >= 0 && log[at].stamp === stamp) log[at].n += n
    else if (at >= 0) log.splice(at, 0, { stamp, n })
    else log.push({ stamp, n })
  }

  /** Ms until `need` units fit in the window, given its live log. */
  function waitFor(w: WindowRequest, log: Bucket[], need: number, now: number): number {
    let excess = count(log) + need - w.limit
    for (const b of log) {
      excess -= b.n
      if (excess <= 0) return Math.max(1, b.stamp + w.windowMs - now)
    }
    return w.windowMs
  }

  return {
    async acquire(req: AcquireRequest): Promise<LimitDecision> {
      const { now } = req
      const blockedUntil = req.blockKey === undefined ? undefined : blocks.get(req.blockKey)
      let worst: LimitDecision = { ok: true }
      if (blockedUntil !== undefined && blockedUntil > now) worst = { ok: false, waitMs: blockedUntil - now, key: req.blockKey as string }
      const logs = req.windows.map((w) => live(w, now))
      req.windows.forEach((w, i) => {
        const cost = Math.min(req.cost ?? 1, w.limit)
        if (count(logs[i]) + cost <= w.limit) return
        const waitMs = waitFor(w, logs[i], cost, now)
        if (worst.ok || waitMs > worst.waitMs) worst = { ok: false, waitMs, key: w.key }
      })
      if (!worst.ok) return worst
      for (const [i, w] of req.windows.entries()) add(w, logs[i], Math.min(req.cost ?? 1, w.limit), now)
      return worst
    },
    async restamp(windows, cost, from, to) {
      for (const w of windows) {
        const log = live(w, to)
        const old = stampOf(from, w.windowMs)
        const bucket = log.find((b) => b.stamp === old)
        const n = Math.min(cost, w.limit, bucket?.n ?? 0)
        if (!bucket || n === 0 || old === stampOf(to, w.windowMs)) continue
        bucket.n -= n
        add(w, log, n, to)
      }
    },
    async clampRemaining(w, remaining, now) {
      const log = live(w, now)
      const phantom = w.limit - count(log) - Math.max(0, remaining)
      if (phantom > 0) add(w, log, phantom, now)
    },
    async block(blockKey, until) {
      if ((blocks.get(blockKey) ?? 0) < until) blocks.set(blockKey, until)
    },
    async close() {
      logs.clear()
      blocks.clear()
    },
  }
}
