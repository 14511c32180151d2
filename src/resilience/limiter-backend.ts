/**
 * Where rate-limit windows are counted. The in-memory backend serves one process; the Redis
 * backend shares windows across processes. Both count with a bucketed sliding log: a request
 * is stamped at the end of its bucket (never earlier than it happened), and re-stamped when
 * its reply arrives, so the count in any window is never under-estimated and the provider
 * never sees more than `limit` per window, whatever the network latency.
 * @module
 */

/** One window to count against: at most `limit` per `windowMs`, counted under `key`. */
export interface WindowRequest {
  key: string
  limit: number
  windowMs: number
}

export type LimitDecision = { ok: true } | { ok: false; waitMs: number; key: string }

export interface AcquireRequest {
  windows: WindowRequest[]
  /** Units to count in every window. @defaultValue 1 */
  cost?: number
  /** A key a provider blocked (Retry-After); refused until the block ends. */
  blockKey?: string
  now: number
}

export interface LimiterBackend {
  /**
   * Atomically: when every window has room for `cost` and `blockKey` is not blocked, count
   * the cost in every window and return ok; else count nothing and return the longest wait.
   */
  acquire(req: AcquireRequest): Promise<LimitDecision>
  /**
   * Move `cost` units counted at `from` to `to` in every window: a request is re-stamped when
   * its reply arrives, the latest moment the provider can have counted it.
   */
  restamp(windows: WindowRequest[], cost: number, from: number, to: number): Promise<void>
  /** The provider says only `remaining` are left in this window: count phantom requests so we agree. */
  clampRemaining(window: WindowRequest, remaining: number, now: number): Promise<void>
  /** Refuse `blockKey` until `until` (epoch ms); a later block extends, an earlier one is ignored. */
  block(blockKey: string, until: number): Promise<void>
  close(): Promise<void>
}

/** Buckets per window: bounds memory (≤ 1000 entries per window) and costs ≤ 0.1 % throughput. */
export const BUCKETS_PER_WINDOW = 1000

/** Bucket width in ms for a window. */
export function bucketMs(windowMs: number): number {
  return Math.max(1, Math.ceil(windowMs / BUCKETS_PER_WINDOW))
}

/** When a request made at `now` is counted as made (end of its bucket). */
export function stampOf(now: number, windowMs: number): number {
  const g = bucketMs(windowMs)
  return g === 1 ? now : Math.floor(now / g) * g + g
}
