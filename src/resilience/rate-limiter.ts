/**
 * The gateway's rate limiter: several windows at once per connection and scope (HubSpot
 * 100 per 10 s AND 250,000 per day; search 5 per s), a safety margin per window so clock skew
 * and network jitter between us and the provider never produce a 429, and adjustment from
 * what providers report (`Retry-After`, `X-RateLimit-*`, `X-HubSpot-RateLimit-*`).
 *
 * @example
 * ```ts
 * const limiter = createRateLimiter({ clock })
 * const d = await limiter.acquire('hubspot:default', [{ name: 'burst', limit: 100, windowMs: 10_000 }])
 * if (!d.ok) throw new RateLimitedError('burst limit', d.waitMs)
 * ```
 * @module
 */
import type { Clock } from '../types.js'
import type { LimiterBackend, WindowRequest } from './limiter-backend.js'
import { createMemoryLimiterBackend } from './limiter-memory.js'
import { type HeaderBag, headerValue, waitFromHeaders } from './retry-after.js'

/** A window to respect: `limit` calls per `windowMs`; `scopeKey` splits it (per channel, per base). */
export interface RateWindowSpec {
  name: string
  limit: number
  windowMs: number
  scopeKey?: string
}

export type AcquireResult =
  | {
      ok: true
      /** Call when the provider's reply arrived: re-stamps the request at that moment. */
      settle(): Promise<void>
    }
  | { ok: false; waitMs: number; window: string }

export interface RateLimiterOptions {
  clock: Clock
  /** Shared counting (Redis) for many processes. @defaultValue in-process memory */
  backend?: LimiterBackend
  /**
   * Extra ms added to every window, covering network jitter and clock skew between us and the
   * provider. Trade-off: larger is safer and slower. @defaultValue 2 % of the window, 25 ms–1 s
   */
  marginMs?: (windowMs: number) => number
}

export interface RateLimiter {
  /** Take `cost` units from every window of `key`, or learn how long to wait (nothing is taken then). */
  acquire(key: string, specs: readonly RateWindowSpec[], cost?: number): Promise<AcquireResult>
  /** Adjust from a provider reply's headers. Returns the block in ms it applied, if any. */
  observe(key: string, specs: readonly RateWindowSpec[], headers: HeaderBag): Promise<number | undefined>
  /** Refuse `key` for `ms` (a provider's Retry-After). */
  block(key: string, ms: number): Promise<void>
  close(): Promise<void>
}

export const defaultMarginMs = (windowMs: number): number => Math.min(1000, Math.max(25, Math.round(windowMs * 0.02)))

const DAY_MS = 86_400_000

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const backend = options.backend ?? createMemoryLimiterBackend()
  const margin = options.marginMs ?? defaultMarginMs
  const { clock } = options

  const windowOf = (key: string, s: RateWindowSpec): WindowRequest => ({
    key: `${key}:${s.name}${s.scopeKey === undefined ? '' : `:${s.scopeKey}`}`,
    limit: s.limit,
    windowMs: s.windowMs + margin(s.windowMs),
  })

  async function block(key: string, ms: number): Promise<void> {
    if (ms > 0) await backend.block(key, clock.now() + ms)
  }

  return {
    async acquire(key, specs, cost = 1) {
      const windows = specs.map((s) => windowOf(key, s))
      const at = clock.now()
      const d = await backend.acquire({ windows, cost, blockKey: key, now: at })
      if (d.ok) return { ok: true, settle: () => (windows.length ? backend.restamp(windows, cost, at, clock.now()) : Promise.resolve()) }
      const spec = specs.find((s) => windowOf(key, s).key === d.key)
      return { ok: false, waitMs: d.waitMs, window: spec?.name ?? 'provider' }
    },
    async observe(key, specs, headers) {
      const now = clock.now()
      const hsRemaining = headerValue(headers, 'x-hubspot-ratelimit-remaining')
      const hsInterval = Number(headerValue(headers, 'x-hubspot-ratelimit-interval-milliseconds'))
      if (hsRemaining !== undefined) {
        const spec =
          specs.find((s) => s.scopeKey === undefined && (s.windowMs === hsInterval || !hsInterval)) ??
          specs.find((s) => s.windowMs < DAY_MS)
        if (spec) await backend.clampRemaining(windowOf(key, spec), Number(hsRemaining), now)
      }
      const hsDaily = headerValue(headers, 'x-hubspot-ratelimit-daily-remaining')
      const daily = specs.find((s) => s.windowMs === DAY_MS && s.scopeKey === undefined)
      if (hsDaily !== undefined && daily) await backend.clampRemaining(windowOf(key, daily), Number(hsDaily), now)
      const waitMs = waitFromHeaders(headers, now)
      if (waitMs !== undefined && waitMs > 0) {
        await block(key, waitMs)
        return waitMs
      }
      return undefined
    },
    block,
    close: () => backend.close(),
  }
}
