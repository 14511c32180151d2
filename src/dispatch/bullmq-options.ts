/**
 * Options of the BullMQ dispatch, their defaults, and how they become BullMQ settings.
 * @module
 */
import type { RedisOptions } from 'bullmq'
import type { Clock } from '../types.js'

export interface BullmqDispatchOptions {
  /** `redis://[user:password@]host:6379[/db]`. @defaultValue redis://127.0.0.1:6379 */
  url?: string
  /** ioredis options, merged over what `url` says (TLS, passwords, timeouts). */
  connection?: RedisOptions
  /** BullMQ queue name. Processes that share a queue name (and prefix) share the work. @defaultValue 'pipewright-runs' */
  queueName?: string
  /** Prefix of every Redis key of the queue; lets several hubs share one Redis. @defaultValue 'pipewright' */
  prefix?: string
  /**
   * How long a job stays owned by a worker that stopped renewing it (a killed process) before
   * BullMQ hands it to another worker. Keep it equal to the hub's `leaseMs`: shorter only causes
   * deliveries the store lease refuses; longer delays recovery. @defaultValue 30000
   */
  lockDurationMs?: number
  /** How often each worker looks for jobs of dead workers. @defaultValue lockDurationMs */
  stalledIntervalMs?: number
  /**
   * Upper bound on how long `dispatch()` waits for Redis. Past it, or on any Redis error, the
   * dispatch is reported to `onError` and resolves anyway: the run is already in the store and
   * the hub's sweeper dispatches it again. @defaultValue 2000
   */
  dispatchTimeoutMs?: number
  /** Redis and worker errors (connection lost, command failed). Never thrown. @defaultValue ignore */
  onError?: (message: string, error: unknown) => void
  /** Turns `dueAt` into a delay. @defaultValue the system clock */
  clock?: Pick<Clock, 'now'>
}

export const bullmqDefaults = {
  queueName: 'pipewright-runs',
  prefix: 'pipewright',
  lockDurationMs: 30_000,
  dispatchTimeoutMs: 2_000,
  /** Same error message from one source is reported at most once per this many ms. */
  errorQuietMs: 5_000,
} as const satisfies Record<string, string | number>

/** Connection options BullMQ creates its ioredis clients from. */
export function redisConnection(options: BullmqDispatchOptions): RedisOptions {
  return { ...(options.url ? { url: options.url } : {}), ...(options.connection ?? {}) }
}

/**
 * The BullMQ job id of a dispatch. Due-now dispatches use the run id itself, so dispatching a
 * run that still waits in Redis is a no-op; a dispatch with a due time (a retry, a delay step)
 * gets its own job, because it is made while the run's current job is still active.
 * BullMQ job ids may not contain `:`.
 */
export function jobIdOf(runId: string, dueAt: number | undefined): string {
  const id = runId.replaceAll(':', '_')
  return dueAt === undefined || dueAt <= 0 ? id : `${id}@${Math.floor(dueAt)}`
}

/** Report each distinct message at most once per quiet period (a Redis outage is one line, not thousands). */
export function quietReporter(onError: BullmqDispatchOptions['onError'], now: () => number = Date.now) {
  const last = new Map<string, number>()
  return (message: string, error: unknown) => {
    if (!onError) return
    const key = `${message}|${(error as Error)?.message ?? ''}`
    const at = now()
    if ((last.get(key) ?? -Infinity) + bullmqDefaults.errorQuietMs > at) return
    last.set(key, at)
    if (last.size > 100) last.clear()
    try {
      onError(message, error)
    } catch {
      // a failing error callback must not break dispatch
    }
  }
}
