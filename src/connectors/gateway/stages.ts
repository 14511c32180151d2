/**
 * The gateway's per-call stages, each one named onion middleware `(state, next)`:
 *
 *   reportCall → validateInput → skipUnchangedEffect → reserveBudget → guardCircuit → dispatch
 *
 * `dispatch` (in gateway.ts) either sends the call alone or hands it to the micro-batcher;
 * the provider request itself is paced by the rate limiter (one token per provider request,
 * so a batch of 100 inputs costs one token).
 * @module
 */
import { ErrorCodes, isNonRetryable, isPipewrightError, NonRetryableError, serializeError } from '../../errors.js'
import type { Budgets } from '../../resilience/budget.js'
import type { CallOutcome, CircuitBreaker } from '../../resilience/circuit-breaker.js'
import type { Clock } from '../../types.js'
import type { ActionCall, ActionDefinition } from '../contract.js'
import type { ResolvedConnection } from './connections.js'
import type { CallStatus, GatewayEvent } from './events.js'
import { type EffectLedger, hashInput } from './ledger.js'

/** What the stages know about one call. */
export interface CallState {
  call: ActionCall
  conn: ResolvedConnection
  actionName: string
  action: ActionDefinition<any, any, any>
  /** Parsed input (after `validateInput`). */
  input: unknown
  /** Set once the provider replied (success or an HTTP error): the call consumed budget. */
  answered: boolean
  saved: boolean
}

export type Next = () => Promise<unknown>
export type Stage = (s: CallState, next: Next) => Promise<unknown>

/** Run stages in order around `last`; calling `next()` twice is a bug and rejects. */
export function compose(stages: readonly Stage[], last: (s: CallState) => Promise<unknown>) {
  return function run(s: CallState): Promise<unknown> {
    const step = (i: number): Promise<unknown> => {
      if (i === stages.length) return last(s)
      let called = false
      return stages[i](s, () => {
        if (called) return Promise.reject(new Error(`gateway stage ${stages[i].name || i} called next() twice`))
        called = true
        return step(i + 1)
      })
    }
    return step(0)
  }
}

function has(e: unknown, code: string): boolean {
  return isPipewrightError(e) && e.code === code
}

export function statusOf(error: unknown): CallStatus {
  if (has(error, ErrorCodes.RATE_LIMITED)) return 'rate-limited'
  if (has(error, ErrorCodes.QUOTA_EXHAUSTED)) return 'quota'
  if (has(error, ErrorCodes.CIRCUIT_OPEN)) return 'circuit-open'
  return isNonRetryable(error) ? 'permanent' : 'retryable'
}

function httpStatusOf(error: unknown): number | undefined {
  const s = (error as { status?: unknown })?.status
  return typeof s === 'number' ? s : undefined
}

export function reportCall(clock: Clock, emit: (e: GatewayEvent) => void): Stage {
  return async function reportCall(s, next) {
    const startedAt = clock.now()
    const base = { type: 'connector:call' as const, connector: s.conn.connector.id, connection: s.conn.name, action: s.actionName }
    const where = { runId: s.call.runId, stepId: s.call.stepId, attempt: s.call.attempt }
    try {
      const out = await next()
      emit({ ...base, ...where, status: s.saved ? 'saved' : 'ok', durationMs: clock.now() - startedAt })
      return out
    } catch (error) {
      const httpStatus = httpStatusOf(error)
      emit({
        ...base,
        ...where,
        status: statusOf(error),
        durationMs: clock.now() - startedAt,
        ...(httpStatus ? { httpStatus } : {}),
        error: serializeError(error),
      })
      throw error
    }
  }
}

export const validateInput: Stage = async function validateInput(s, next) {
  const schema = s.action.input
  if (schema) {
    const parsed = schema.safeParse(s.call.input)
    if (!parsed.success) {
      const detail = parsed.error.issues
        .map((i) => `input${i.path.length ? `.${i.path.map(String).join('.')}` : ''}: ${i.message}`)
        .join('; ')
      throw new NonRetryableError(`${s.call.ref} ${detail}`, { details: parsed.error.issues })
    }
    s.input = parsed.data
  } else {
    s.input = s.call.input
  }
  return next()
}

export function skipUnchangedEffect(ledgerOf: (s: CallState) => EffectLedger, emit: (e: GatewayEvent) => void): Stage {
  return async function skipUnchangedEffect(s, next) {
    const key = s.action.effectKey?.(s.input)
    if (!key) return next()
    const ledger = ledgerOf(s)
    const hash = hashInput(s.input)
    const hit = await ledger.lookup(key, hash)
    if (hit) {
      s.saved = true
      emit({
        type: 'connector:saved',
        connector: s.conn.connector.id,
        connection: s.conn.name,
        action: s.actionName,
        effectKey: key,
        runId: s.call.runId,
        stepId: s.call.stepId,
      })
      return hit.output
    }
    const out = await next()
    await ledger.record(key, hash, out)
    return out
  }
}

export function reserveBudget(budgets: Budgets): Stage {
  return async function reserveBudget(s, next) {
    const specs = s.conn.budgets.filter((b) => !b.actions || b.actions.includes(s.actionName))
    if (specs.length === 0) return next()
    const cost = s.action.cost?.(s.input) ?? 1
    const reservation = await budgets.reserve(s.conn.key, specs, cost, s.conn.onBudgetExhausted)
    try {
      return await next()
    } catch (error) {
      if (!s.answered) await reservation.refund()
      throw error
    }
  }
}

/** How a call's end counts for the circuit: provider up (success), down (failure), or no verdict. */
export function outcomeOf(error: unknown, answered: boolean): CallOutcome {
  if (error === undefined) return 'success'
  if (has(error, ErrorCodes.RATE_LIMITED) || has(error, ErrorCodes.QUOTA_EXHAUSTED) || has(error, ErrorCodes.CIRCUIT_OPEN)) return 'neutral'
  if (isNonRetryable(error)) return answered ? 'success' : 'neutral'
  return 'failure'
}

export function guardCircuit(circuitOf: (s: CallState) => CircuitBreaker): Stage {
  return async function guardCircuit(s, next) {
    const circuit = circuitOf(s)
    const ticket = circuit.enter()
    try {
      const out = await next()
      circuit.record(ticket, 'success')
      return out
    } catch (error) {
      circuit.record(ticket, outcomeOf(error, s.answered))
      throw error
    }
  }
}
