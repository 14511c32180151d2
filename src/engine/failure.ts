/**
 * Decide what a step failure means for the run: wait and retry (and why), or dead letter
 * (and why). Control-flow errors are recognised by brand/name/code, never by message.
 * @module
 */
import { ErrorCodes, isNonRetryable, isPipewrightError, retryAfterOf } from '../errors.js'
import type { DeadReason, Random, RetryPolicy, WaitReason } from '../types.js'
import { nextBackoffMs } from './retry-policy.js'

export type FailureDecision =
  | { kind: 'wait'; reason: WaitReason; delayMs: number; countsAsAttempt: boolean }
  | { kind: 'dead'; reason: DeadReason }

function codeOf(e: unknown): string | undefined {
  if (isPipewrightError(e)) return e.code
  const c = (e as { code?: unknown } | null)?.code
  return typeof c === 'string' ? c : undefined
}

/**
 * @param attempt the attempt that just failed (1-based)
 */
export function decideFailure(e: unknown, policy: RetryPolicy, attempt: number, random: Random): FailureDecision {
  const code = codeOf(e)
  const after = retryAfterOf(e)
  // Waiting on a provider limit or an open circuit is not the step's fault: it does not use up attempts.
  if (code === ErrorCodes.RATE_LIMITED) return { kind: 'wait', reason: 'rate-limit', delayMs: after ?? 1000, countsAsAttempt: false }
  if (code === ErrorCodes.CIRCUIT_OPEN) return { kind: 'wait', reason: 'circuit', delayMs: after ?? 30_000, countsAsAttempt: false }
  if (code === ErrorCodes.QUOTA_EXHAUSTED) {
    return after === undefined
      ? { kind: 'dead', reason: 'quota' }
      : { kind: 'wait', reason: 'quota', delayMs: after, countsAsAttempt: false }
  }
  // A failing expression fails the same way on every attempt: no retry can fix it.
  if (isNonRetryable(e) || code === ErrorCodes.PIPELINE_INVALID || code === ErrorCodes.CONFIG_INVALID || code === ErrorCodes.EXPRESSION)
    return { kind: 'dead', reason: isNonRetryable(e) ? 'permanent' : 'invalid' }
  if (attempt >= policy.maxAttempts) return { kind: 'dead', reason: code === ErrorCodes.STEP_TIMEOUT ? 'timeout' : 'retryable-exhausted' }
  return { kind: 'wait', reason: 'retry', delayMs: after ?? nextBackoffMs(policy, attempt, random), countsAsAttempt: true }
}
