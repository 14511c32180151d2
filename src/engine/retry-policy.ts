/**
 * Retry back-off: exponential growth capped at `maxIntervalMs`, with full jitter from an
 * injected random source (so tests can pin it). A provider's own wait (`Retry-After`) is used
 * exactly instead.
 * @module
 */
import type { Random, RetryPolicy } from '../types.js'

/** Upper bound of the wait after failed attempt `attempt` (1-based). */
export function backoffCeilingMs(policy: RetryPolicy, attempt: number): number {
  const exp = policy.initialIntervalMs * policy.backoffCoefficient ** Math.max(0, attempt - 1)
  return Math.min(policy.maxIntervalMs, exp)
}

/**
 * Wait before the next attempt: uniformly random in [floor, ceiling], where the floor is a tenth
 * of the initial interval so a retry never spins immediately.
 */
export function nextBackoffMs(policy: RetryPolicy, attempt: number, random: Random): number {
  const ceiling = backoffCeilingMs(policy, attempt)
  const floor = Math.min(ceiling, Math.ceil(policy.initialIntervalMs / 10))
  return Math.round(floor + random() * (ceiling - floor))
}
