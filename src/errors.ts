/**
 * Pipewright's errors: a stable `code` on every library error, a brand instead of bare
 * `instanceof` (connectors may run in another copy of the package), and deliberate
 * serialisation for run history and dead letters. The catalogue lives in docs/errors.md.
 *
 * User code throws the control-flow errors: {@link RetryableError}, {@link NonRetryableError},
 * {@link RetryAfterError}.
 *
 * @example
 * ```ts
 * if (res.status === 404) throw new NonRetryableError('contact vanished', { code: 'CONTACT_GONE' })
 * ```
 * @module
 */
import type { SerializedError } from './types.js'

export const ErrorCodes = {
  CONFIG_INVALID: 'PW_CONFIG_INVALID',
  PIPELINE_INVALID: 'PW_PIPELINE_INVALID',
  PIPELINE_NOT_FOUND: 'PW_PIPELINE_NOT_FOUND',
  SYNC_INVALID: 'PW_SYNC_INVALID',
  SYNC_NOT_FOUND: 'PW_SYNC_NOT_FOUND',
  SYNC_BUSY: 'PW_SYNC_BUSY',
  SYNC_PAUSED: 'PW_SYNC_PAUSED',
  EXPRESSION: 'PW_EXPRESSION',
  RETRYABLE: 'PW_RETRYABLE',
  NON_RETRYABLE: 'PW_NON_RETRYABLE',
  RETRY_AFTER: 'PW_RETRY_AFTER',
  RATE_LIMITED: 'PW_RATE_LIMITED',
  STEP_TIMEOUT: 'PW_STEP_TIMEOUT',
  STEP_FAILED: 'PW_STEP_FAILED',
  LEASE_LOST: 'PW_LEASE_LOST',
  STORE_UNAVAILABLE: 'PW_STORE_UNAVAILABLE',
  RUN_NOT_FOUND: 'PW_RUN_NOT_FOUND',
  DEAD_LETTER_NOT_FOUND: 'PW_DEAD_LETTER_NOT_FOUND',
  CONNECTOR_UNKNOWN: 'PW_CONNECTOR_UNKNOWN',
  CONNECTOR_AUTH: 'PW_CONNECTOR_AUTH',
  CONNECTOR_HTTP: 'PW_CONNECTOR_HTTP',
  CONNECTOR_NETWORK: 'PW_CONNECTOR_NETWORK',
  CIRCUIT_OPEN: 'PW_CIRCUIT_OPEN',
  QUOTA_EXHAUSTED: 'PW_QUOTA_EXHAUSTED',
  CONSENT_REQUIRED: 'PW_CONSENT_REQUIRED',
  SHUTTING_DOWN: 'PW_SHUTTING_DOWN',
  /** An outbound request would reach a loopback, private, link-local or metadata address. */
  PRIVATE_NETWORK: 'PW_PRIVATE_NETWORK',
  // credential store (docs/credentials.md)
  CREDENTIAL_KEY: 'PW_CREDENTIAL_KEY',
  CREDENTIAL_TAMPERED: 'PW_CREDENTIAL_TAMPERED',
  CREDENTIAL_NOT_FOUND: 'PW_CREDENTIAL_NOT_FOUND',
  // ingress (HTTP boundary)
  NOT_FOUND: 'PW_NOT_FOUND',
  INVENTORY_READ_FAILED: 'PW_INVENTORY_READ_FAILED',
  METHOD_NOT_ALLOWED: 'PW_METHOD_NOT_ALLOWED',
  UNAUTHORIZED: 'PW_UNAUTHORIZED',
  HOST_NOT_ALLOWED: 'PW_HOST_NOT_ALLOWED',
  CROSS_ORIGIN: 'PW_CROSS_ORIGIN',
  /** The sender's address is outside the webhook trigger's `allowIps`. */
  IP_NOT_ALLOWED: 'PW_IP_NOT_ALLOWED',
  /** The API token's scope does not allow this (a read-only token asking for a state change). */
  FORBIDDEN: 'PW_FORBIDDEN',
  BAD_REQUEST: 'PW_BAD_REQUEST',
  PAYLOAD_INVALID: 'PW_PAYLOAD_INVALID',
  PAYLOAD_TOO_LARGE: 'PW_PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'PW_UNSUPPORTED_MEDIA_TYPE',
  BACK_PRESSURE: 'PW_BACK_PRESSURE',
  INTERNAL: 'PW_INTERNAL',
} as const

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes]

const BRAND = Symbol.for('pipewright.error')

export interface PipewrightErrorOptions {
  code?: string
  cause?: unknown
  details?: unknown
  /** HTTP status of the provider response, when there was one. */
  status?: number
  providerCode?: string
}

/** Base of every error Pipewright throws. Carries a stable `code`. */
export class PipewrightError extends Error {
  readonly [BRAND] = true
  readonly code: string
  readonly details?: unknown
  readonly status?: number
  readonly providerCode?: string

  constructor(message: string, options: PipewrightErrorOptions = {}) {
    const code = options.code ?? ErrorCodes.INTERNAL
    super(message.includes(code) ? message : `[${code}] ${message}`, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'PipewrightError'
    this.code = code
    if (options.details !== undefined) this.details = options.details
    if (options.status !== undefined) this.status = options.status
    if (options.providerCode !== undefined) this.providerCode = options.providerCode
  }
}

/** A failure worth another attempt (the default for anything thrown). */
export class RetryableError extends PipewrightError {
  constructor(message: string, options: PipewrightErrorOptions = {}) {
    super(message, { code: ErrorCodes.RETRYABLE, ...options })
    this.name = 'RetryableError'
  }
}

/** A failure that no retry can fix: the run becomes a dead letter with reason `permanent`. */
export class NonRetryableError extends PipewrightError {
  constructor(message: string, options: PipewrightErrorOptions = {}) {
    super(message, { code: ErrorCodes.NON_RETRYABLE, ...options })
    this.name = 'NonRetryableError'
  }
}

/** Retry exactly after `retryAfterMs` (a provider's Retry-After, a reset header). */
export class RetryAfterError extends PipewrightError {
  readonly retryAfterMs: number
  constructor(message: string, retryAfterMs: number, options: PipewrightErrorOptions = {}) {
    super(message, { code: ErrorCodes.RETRY_AFTER, ...options })
    this.name = 'RetryAfterError'
    this.retryAfterMs = Math.max(0, Math.round(retryAfterMs))
  }
}

/** A provider said "too many requests"; waits do not count as failed attempts of the budget. */
export class RateLimitedError extends RetryAfterError {
  constructor(message: string, retryAfterMs: number, options: PipewrightErrorOptions = {}) {
    super(message, retryAfterMs, { code: ErrorCodes.RATE_LIMITED, ...options })
    this.name = 'RateLimitedError'
  }
}

/** Thrown by a filter to stop a run on purpose (the run ends `filtered`). */
export class SkipError extends PipewrightError {
  constructor(message = 'filtered') {
    super(message, { code: 'PW_SKIP' })
    this.name = 'SkipError'
  }
}

/**
 * An outbound request would reach an address that is not on the public internet (loopback,
 * private, link-local, metadata…) and nothing allows it. Permanent: the run dead-letters.
 */
export class PrivateNetworkError extends NonRetryableError {
  readonly host: string
  readonly address: string
  constructor(host: string, address: string, why: string, what = 'the request') {
    const shown = host === address ? address : `${host} (${address})`
    const cidr = address.includes(':') ? `${address}/128` : `${address}/32`
    super(
      `${what} to ${shown} was refused (${why}): Pipewright calls only public addresses unless allowed; set allowPrivateNetwork on the connection, or PIPEWRIGHT_ALLOW_PRIVATE_NETWORK=${cidr} (CIDRs, hosts or *) for the whole process`,
      { code: ErrorCodes.PRIVATE_NETWORK },
    )
    this.name = 'PrivateNetworkError'
    this.host = host
    this.address = address
  }
}

/** True for the SSRF guard's refusal (which must reach the engine as it is: permanent). */
export function isPrivateNetworkError(e: unknown): e is PrivateNetworkError {
  return isPipewrightError(e) && e.code === ErrorCodes.PRIVATE_NETWORK
}

/** A connection's budget is used up. */
export class QuotaExhaustedError extends PipewrightError {
  readonly retryAfterMs: number | undefined
  constructor(message: string, retryAfterMs?: number, options: PipewrightErrorOptions = {}) {
    super(message, { code: ErrorCodes.QUOTA_EXHAUSTED, ...options })
    this.name = 'QuotaExhaustedError'
    this.retryAfterMs = retryAfterMs
  }
}

/** A connection's circuit is open; the run waits rather than fails. */
export class CircuitOpenError extends PipewrightError {
  readonly retryAfterMs: number
  constructor(message: string, retryAfterMs: number, options: PipewrightErrorOptions = {}) {
    super(message, { code: ErrorCodes.CIRCUIT_OPEN, ...options })
    this.name = 'CircuitOpenError'
    this.retryAfterMs = retryAfterMs
  }
}

/** One validation problem: where it is and what is wrong. */
export interface Problem {
  file?: string
  pipeline?: string
  sync?: string
  step?: string
  field?: string
  message: string
}

export function formatProblem(p: Problem): string {
  const where = [
    p.file,
    p.pipeline && `pipeline ${p.pipeline}`,
    p.sync && `sync ${p.sync}`,
    p.step && `step ${p.step}`,
    p.field && `field ${p.field}`,
  ]
    .filter(Boolean)
    .join(', ')
  return where ? `${where}: ${p.message}` : p.message
}

/** Invalid pipeline or configuration; lists every problem found. */
/** A credential store failure: key missing or wrong, ciphertext tampered, unknown name. Never carries a secret. */
export class CredentialError extends PipewrightError {
  constructor(message: string, code: string) {
    super(message, { code })
    this.name = 'CredentialError'
  }
}

export class ConfigError extends PipewrightError {
  readonly problems: Problem[]
  constructor(problems: Problem[], code: string = ErrorCodes.PIPELINE_INVALID) {
    super(`${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`, {
      code,
      details: problems,
    })
    this.name = 'ConfigError'
    this.problems = problems
  }
}

export function isPipewrightError(e: unknown): e is PipewrightError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true
}

function hasName(e: unknown, ...names: string[]): boolean {
  return typeof e === 'object' && e !== null && names.includes((e as { name?: unknown }).name as string)
}

export function isNonRetryable(e: unknown): boolean {
  return (
    (isPipewrightError(e) && (e.code === ErrorCodes.NON_RETRYABLE || e.code === ErrorCodes.PRIVATE_NETWORK)) ||
    hasName(e, 'NonRetryableError', 'PrivateNetworkError')
  )
}

/** The wait a provider or user asked for, if the error carries one. */
export function retryAfterOf(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null) return undefined
  const v = (e as { retryAfterMs?: unknown }).retryAfterMs
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined
}

/** Coerce anything thrown into an Error, keeping the original as `cause`. */
export function coerceError(e: unknown): Error {
  if (e instanceof Error) return e
  if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string') {
    const err = new Error((e as { message: string }).message, { cause: e })
    return err
  }
  return new Error(typeof e === 'string' ? e : `non-error thrown: ${safeString(e)}`, { cause: e })
}

function safeString(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v)
  } catch {
    return String(v)
  }
}

/** Serialise an error for storage; `redact` scrubs secrets from messages. */
/**
 * A stack trace with file locations cut to the file name (`at send (gateway.js:203:31)`): stored
 * errors (run history, dead letters) name no directory of the host they ran on.
 */
export function stackWithoutPaths(stack: string): string {
  return stack.replace(/(?<=^|[\s(])(?:file:\/\/)?(?:[A-Za-z]:)?[\\/](?:[^\s()'"]*[\\/])?([^\s()'"\\/]+:\d+(?::\d+)?)/gm, '$1')
}

export function serializeError(e: unknown, redact: (s: string) => string = (s) => s, depth = 0): SerializedError {
  const err = coerceError(e)
  const out: SerializedError = { name: err.name, message: redact(err.message) }
  const any = err as Error & { code?: unknown; status?: unknown; providerCode?: unknown; stepId?: unknown }
  if (typeof any.code === 'string') out.code = any.code
  if (typeof any.status === 'number') out.status = any.status
  const after = retryAfterOf(err)
  if (after !== undefined) out.retryAfterMs = after
  if (typeof any.providerCode === 'string') out.providerCode = redact(any.providerCode)
  if (typeof any.stepId === 'string') out.stepId = any.stepId
  if (err.stack) out.stack = redact(stackWithoutPaths(err.stack))
  if (err.cause !== undefined && depth < 4) out.cause = serializeError(err.cause, redact, depth + 1)
  return out
}

/** A persisted step failure, rehydrated. */
export class StepError extends PipewrightError {
  readonly stepId: string
  constructor(stepId: string, serialized: SerializedError) {
    super(serialized.message, { code: serialized.code ?? ErrorCodes.STEP_FAILED, status: serialized.status })
    this.name = 'StepError'
    this.stepId = stepId
  }
}
