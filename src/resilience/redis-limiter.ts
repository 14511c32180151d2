/**
 * Redis {@link LimiterBackend}: rate-limit windows shared by every process that uses the same
 * Redis and prefix, so two workers together never exceed one provider limit. Each operation is
 * one Lua script (atomic in Redis). Times are the caller's clock (`now`), as with the in-memory
 * backend; keep process clocks in sync with NTP (skew between workers shifts bucket stamps by
 * the skew, which the rate limiter's per-window margin absorbs for skews under that margin).
 *
 * When Redis is unreachable, `acquire` fails; the gateway treats that as a retryable error, so
 * runs wait and retry instead of calling the provider unpaced.
 *
 * @example
 * ```ts
 * const backend = createRedisLimiterBackend({ url: 'redis://127.0.0.1:6379' })
 * const gateway = createGateway({ connectors, connections, store, limiterBackend: backend })
 * ```
 * @module
 */
import { Redis, type RedisOptions } from 'ioredis'
import { type AcquireRequest, bucketMs, type LimitDecision, type LimiterBackend, type WindowRequest } from './limiter-backend.js'
import { ACQUIRE, BLOCK, CLAMP, RESTAMP } from './redis-limiter-scripts.js'

export interface RedisLimiterOptions {
  /** `redis://host:6379`. Ignored when `redis` is given. @defaultValue redis://127.0.0.1:6379 */
  url?: string
  /** ioredis options merged over the URL's. */
  connection?: RedisOptions
  /** An existing client to use (not closed by `close()`). */
  redis?: Redis
  /** Prefix of every key; processes that should share limits use the same one. @defaultValue 'pipewright' */
  prefix?: string
}

interface LimiterCommands {
  pwAcquire(...args: Array<string | number>): Promise<[number, number?, string?]>
  pwRestamp(...args: Array<string | number>): Promise<number>
  pwClamp(...args: Array<string | number>): Promise<number>
  pwBlock(...args: Array<string | number>): Promise<number>
}

export function createRedisLimiterBackend(options: RedisLimiterOptions = {}): LimiterBackend {
  const owned = !options.redis
  const redis =
    options.redis ??
    (options.url
      ? new Redis(options.url, { maxRetriesPerRequest: 2, ...(options.connection ?? {}) })
      : new Redis({ maxRetriesPerRequest: 2, ...(options.connection ?? {}) }))
  if (owned) redis.on('error', () => undefined) // failures surface on the command that hit them
  const prefix = `${options.prefix ?? 'pipewright'}:limit`
  redis.defineCommand('pwAcquire', { lua: ACQUIRE })
  redis.defineCommand('pwRestamp', { lua: RESTAMP })
  redis.defineCommand('pwClamp', { lua: CLAMP })
  redis.defineCommand('pwBlock', { lua: BLOCK })
  const cmd = redis as unknown as LimiterCommands

  const windowKey = (w: WindowRequest) => `${prefix}:w:${w.key}:${w.windowMs}`
  const blockKey = (name: string) => `${prefix}:b:${name}`

  return {
    async acquire(req: AcquireRequest): Promise<LimitDecision> {
      const keys = [blockKey(req.blockKey ?? ''), ...req.windows.map(windowKey)]
      const args: Array<string | number> = [Math.floor(req.now), req.cost ?? 1, req.blockKey === undefined ? 0 : 1, req.blockKey ?? '']
      for (const w of req.windows) args.push(w.limit, w.windowMs, bucketMs(w.windowMs), w.key)
      const [ok, waitMs, key] = await cmd.pwAcquire(keys.length, ...keys, ...args)
      return ok === 1 ? { ok: true } : { ok: false, waitMs: Number(waitMs), key: String(key) }
    },
    async restamp(windows, cost, from, to) {
      if (windows.length === 0) return
      const args: Array<string | number> = [cost, Math.floor(from), Math.floor(to)]
      for (const w of windows) args.push(w.limit, w.windowMs, bucketMs(w.windowMs))
      await cmd.pwRestamp(windows.length, ...windows.map(windowKey), ...args)
    },
    async clampRemaining(w, remaining, now) {
      await cmd.pwClamp(1, windowKey(w), w.limit, w.windowMs, bucketMs(w.windowMs), remaining, Math.floor(now))
    },
    async block(name, until) {
      await cmd.pwBlock(1, blockKey(name), Math.ceil(until))
    },
    async close() {
      if (owned) redis.disconnect()
    },
  }
}
