/**
 * The connector conformance suite: every connector runs against its emulator and must turn
 * the emulator's answers into the same control-flow errors — ok, rate limited with the exact
 * wait, permanent, 5xx retryable, connection reset retryable.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { ActionCall, ActionContext, ConnectorDefinition } from '../../src/connectors/contract.js'
import { type ConsentAccess, memoryConsent } from '../../src/consent/access.js'
import { isNonRetryable, retryAfterOf } from '../../src/errors.js'
import type { Emulator } from '../../src/sandbox/emulator.js'
import { loopbackDispatcher } from '../helpers/net.js'

export interface SuiteEmulator {
  emulator: Emulator
  /** Raw connection config pointing at the emulator (parsed with the connector's schema). */
  connection: Record<string, unknown>
}

export interface SuiteCase {
  action: string
  input: unknown
  /** Extra arrangement before the call (e.g. set faults, use a bad connection). */
  connection?: (base: Record<string, unknown>) => Record<string, unknown>
  arrange?: (emulator: Emulator) => void
}

export interface ConnectorSuiteOptions {
  name: string
  connector: ConnectorDefinition<any>
  startEmulator: () => Promise<SuiteEmulator>
  cases: {
    ok: SuiteCase & { check?: (output: unknown, emulator: Emulator) => void }
    /** A 429 storm; `waitMs` is the wait the connector must report. */
    rateLimited: SuiteCase & { waitMs: number }
    /** A permanent failure; `providerCode` is what the error must carry. */
    permanent: SuiteCase & { providerCode: string }
    serverError?: SuiteCase
    reset?: SuiteCase
  }
}

/** An action context with an in-memory identity map and consent records, for running actions outside the gateway. */
export function makeActionContext<C>(
  connection: C,
  ref = 'test.action',
  identity = new Map<string, string>(),
  consent: ConsentAccess = memoryConsent(),
): ActionContext<C> {
  const signal = new AbortController().signal
  const call: ActionCall = {
    ref,
    input: null,
    runId: 'run_1',
    pipelineId: 'p',
    stepId: 'step',
    attempt: 1,
    idempotencyKey: 'run_1:step',
    signal,
  }
  return {
    connection,
    connectionName: 'default',
    call,
    clock: { now: () => Date.now(), setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) },
    signal,
    dispatcher: loopbackDispatcher(),
    identity: { get: async (k) => identity.get(k) ?? null, set: async (k, v) => void identity.set(k, v) },
    consent,
  }
}

export function connectorSuite(o: ConnectorSuiteOptions): void {
  describe(`connector conformance: ${o.name}`, () => {
    let started: SuiteEmulator | null = null
    afterEach(async () => {
      await started?.emulator.close()
      started = null
    })

    async function run(c: SuiteCase): Promise<{ output?: unknown; error?: unknown; emulator: Emulator }> {
      started = await o.startEmulator()
      c.arrange?.(started.emulator)
      const raw = c.connection ? c.connection(started.connection) : started.connection
      const action = o.connector.actions[c.action]
      if (!action) throw new Error(`${o.name} has no action ${c.action}`)
      const input = action.input ? action.input.parse(c.input) : c.input
      const ctx = makeActionContext(o.connector.connection.parse(raw), `${o.connector.id}.${c.action}`)
      try {
        return { output: await action.run(input, ctx), emulator: started.emulator }
      } catch (error) {
        return { error, emulator: started.emulator }
      }
    }

    it('returns the action output when the provider accepts the call', async () => {
      const r = await run(o.cases.ok)
      expect(r.error).toBeUndefined()
      o.cases.ok.check?.(r.output, r.emulator)
    })

    it('throws RateLimitedError with the provider-given wait on a 429', async () => {
      const r = await run({
        arrange: (e) => e.faults.set({ rateLimitStorm: { retryAfterMs: o.cases.rateLimited.waitMs } }),
        ...o.cases.rateLimited,
      })
      expect((r.error as Error)?.name).toBe('RateLimitedError')
      expect(retryAfterOf(r.error)).toBe(o.cases.rateLimited.waitMs)
    })

    it('throws NonRetryableError carrying the provider code on a permanent failure', async () => {
      const r = await run(o.cases.permanent)
      expect(isNonRetryable(r.error)).toBe(true)
      expect((r.error as { providerCode?: string }).providerCode).toBe(o.cases.permanent.providerCode)
    })

    it('throws a retryable error on a 5xx', async () => {
      const c = o.cases.serverError ?? o.cases.ok
      const r = await run({ ...c, arrange: (e) => e.faults.set({ errorRate: 1, errorStatus: 503 }) })
      expect((r.error as Error)?.name).toBe('RetryableError')
      expect((r.error as { status?: number }).status).toBe(503)
      expect(isNonRetryable(r.error)).toBe(false)
    })

    it('throws a retryable network error when the connection is reset', async () => {
      const c = o.cases.reset ?? o.cases.ok
      const r = await run({ ...c, arrange: (e) => e.faults.set({ resetRate: 1 }) })
      expect((r.error as Error)?.name).toBe('RetryableError')
      expect((r.error as { code?: string }).code).toBe('PW_CONNECTOR_NETWORK')
    })
  })
}
