/**
 * Typed events of the connector gateway (`noun:verb`). The hub forwards them to logs,
 * metrics and alerts under `type`. Emitted through {@link safeEmit}: a failing listener
 * never breaks a call.
 * @module
 */
import type { SerializedError } from '../../types.js'

/** How a call ended, as counted in metrics. */
export type CallStatus = 'ok' | 'saved' | 'retryable' | 'rate-limited' | 'permanent' | 'quota' | 'circuit-open'

interface Where {
  connector: string
  connection: string
}

export type GatewayEvent =
  | (Where & {
      type: 'connector:call'
      action: string
      status: CallStatus
      durationMs: number
      /** HTTP status of the provider reply, when there was one. */
      httpStatus?: number
      runId: string
      stepId: string
      attempt: number
      error?: SerializedError
    })
  /** Our own pacing: a call waited (or was parked) because a rate-limit window was full. No request was refused. */
  | (Where & {
      type: 'connector:rateLimited'
      action: string
      /** The window that refused (`burst`, `daily`, …) or `provider` for a provider-imposed block. */
      window: string
      waitMs: number
      /** True when the run is parked (`RateLimitedError`); false when the wait happened in place. */
      parked: boolean
    })
  /** The provider refused a request as rate limited (HTTP 429, Slack `ratelimited`, SMTP 421). */
  | (Where & { type: 'connector:providerLimited'; action: string; httpStatus?: number; retryAfterMs: number })
  | (Where & { type: 'connector:circuit'; state: 'closed' | 'open' | 'half-open'; retryAfterMs?: number })
  | (Where & { type: 'budget:level'; budget: string; period: string; level: number; used: number; limit: number })
  | (Where & { type: 'connector:saved'; action: string; effectKey: string; runId: string; stepId: string })

export type GatewayEventType = GatewayEvent['type']

/** Call a listener, swallowing (and reporting) anything it throws. */
export function createSafeEmit(
  listener: ((e: GatewayEvent) => void) | undefined,
  onListenerError?: (error: unknown, e: GatewayEvent) => void,
) {
  return function safeEmit(e: GatewayEvent): void {
    if (!listener) return
    try {
      listener(e)
    } catch (error) {
      try {
        onListenerError?.(error, e)
      } catch {
        // a failing error reporter must not break the call either
      }
    }
  }
}
