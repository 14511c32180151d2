/**
 * A circuit breaker per connection. cockatiel's breakers (`ConsecutiveBreaker` by default, or
 * `CountBreaker`) decide when failures should open the circuit; the open → half-open → closed
 * timing runs on the injected clock (cockatiel's own policy reads `Date.now()` and makes
 * callers queue behind the half-open probe, while Pipewright wants them to park as `waiting`).
 *
 * - closed: calls pass; failures feed the breaker, which may open the circuit.
 * - open: calls fail fast with `CircuitOpenError(retryAfterMs)` until `halfOpenAfterMs` passed.
 * - half-open: exactly one probe call passes; success closes, failure re-opens. Others get
 *   `CircuitOpenError` with a short wait.
 *
 * @example
 * ```ts
 * const circuit = createCircuitBreaker({ name: 'hubspot:default', clock })
 * const ticket = circuit.enter() // throws CircuitOpenError when open
 * try { await call(); circuit.record(ticket, 'success') } catch (e) { circuit.record(ticket, 'failure'); throw e }
 * ```
 * @module
 */
import { CircuitState, ConsecutiveBreaker, type IBreaker } from 'cockatiel'
import { CircuitOpenError } from '../errors.js'
import type { Clock } from '../types.js'

export type CircuitStateName = 'closed' | 'open' | 'half-open'

export interface CircuitBreakerOptions {
  /** Shown in errors and events, e.g. `hubspot:default`. */
  name: string
  clock: Clock
  /** Decides when to open. @defaultValue new ConsecutiveBreaker(5) */
  breaker?: IBreaker
  /** How long the circuit stays open before one probe is let through. @defaultValue 30000 */
  halfOpenAfterMs?: number
  /** Wait given to calls that arrive while the probe is in flight. @defaultValue 1000 */
  probeWaitMs?: number
  onStateChange?: (state: CircuitStateName, info: { retryAfterMs?: number }) => void
}

/** Returned by `enter`; hand it back to `record`. */
export interface CircuitTicket {
  probe: boolean
}

export type CallOutcome = 'success' | 'failure' | 'neutral'

export interface CircuitBreaker {
  readonly name: string
  state(): CircuitStateName
  /** Ms until a call may pass again (0 when closed). */
  retryAfterMs(): number
  /** Admit a call, or throw `CircuitOpenError`. */
  enter(): CircuitTicket
  /** Report how an admitted call went; `neutral` = it never reached the provider (or a 4xx). */
  record(ticket: CircuitTicket, outcome: CallOutcome): void
}

export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const { clock, name } = options
  const breaker = options.breaker ?? new ConsecutiveBreaker(5)
  const halfOpenAfterMs = options.halfOpenAfterMs ?? 30_000
  const probeWaitMs = options.probeWaitMs ?? 1000
  let state: CircuitStateName = 'closed'
  let openedAt = 0

  const change = (next: CircuitStateName, retryAfterMs?: number): void => {
    if (next === state) return
    state = next
    options.onStateChange?.(next, retryAfterMs === undefined ? {} : { retryAfterMs })
  }
  const open = (): void => {
    openedAt = clock.now()
    change('open', halfOpenAfterMs)
  }
  const remainingOpen = (): number => Math.max(0, openedAt + halfOpenAfterMs - clock.now())

  return {
    name,
    state: () => state,
    retryAfterMs: () => (state === 'closed' ? 0 : state === 'half-open' ? probeWaitMs : remainingOpen()),
    enter() {
      if (state === 'closed') return { probe: false }
      if (state === 'open' && remainingOpen() === 0) {
        change('half-open')
        return { probe: true }
      }
      const wait = state === 'open' ? remainingOpen() : probeWaitMs
      throw new CircuitOpenError(`circuit of ${name} is ${state}; next try in ${wait} ms`, wait)
    },
    record(ticket, outcome) {
      if (ticket.probe) {
        if (outcome === 'success') {
          breaker.success(CircuitState.HalfOpen)
          change('closed')
        } else if (outcome === 'failure') {
          breaker.failure(CircuitState.HalfOpen)
          state = 'closed' // so that open() reports the transition
          open()
        } else {
          // The probe never reached the provider: let the next call probe.
          openedAt = clock.now() - halfOpenAfterMs
          state = 'open'
        }
        return
      }
      if (state !== 'closed') return
      if (outcome === 'success') breaker.success(CircuitState.Closed)
      else if (outcome === 'failure' && breaker.failure(CircuitState.Closed)) open()
    },
  }
}
