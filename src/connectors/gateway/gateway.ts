/**
 * The connector gateway: the engine's {@link ActionExecutor}. Per call:
 *
 *   report → validate input → effect ledger → budget → circuit → (micro-batch) →
 *   rate limit + concurrency → action `run` → classification (circuit, limiter feedback)
 *
 * The effect ledger runs before budget, circuit and limiter: a skipped identical write costs
 * no budget and no rate-limit token. See docs/connectors.md.
 *
 * @example
 * ```ts
 * const gateway = createGateway({ connectors: builtinConnectors(), connections: { http: { default: {} } }, store, clock, onEvent })
 * const out = await gateway.execute({ ref: 'http.request', input: { url }, runId, pipelineId, stepId, attempt: 1, idempotencyKey: `${runId}:${stepId}`, signal })
 * ```
 * @module
 */
import { setMaxListeners } from 'node:events'
import { ConsecutiveBreaker } from 'cockatiel'
import { storeConsent } from '../../consent/access.js'
import { ErrorCodes, isPipewrightError, NonRetryableError } from '../../errors.js'
import { type BudgetRow, createBudgets } from '../../resilience/budget.js'
import { type CircuitBreaker, type CircuitStateName, createCircuitBreaker } from '../../resilience/circuit-breaker.js'
import type { LimiterBackend } from '../../resilience/limiter-backend.js'
import { createRateLimiter, type RateWindowSpec } from '../../resilience/rate-limiter.js'
import type { Store } from '../../store/contract.js'
import type { Clock, Random } from '../../types.js'
import type { ActionCall, ActionContext, ActionExecutor, ConnectorDefinition } from '../contract.js'
import { type AllowList, mergeAllowLists, NOTHING_ALLOWED } from '../net/address-policy.js'
import { createGuardedDispatcher, type Resolver } from '../net/guarded-dispatcher.js'
import { createMicroBatcher, type MicroBatcher } from './batcher.js'
import { type RawConnections, type ResolvedConnection, resolveConnections, splitRef, stateKey } from './connections.js'
import { createSafeEmit, type GatewayEvent } from './events.js'
import { effectLedger, identityMap } from './ledger.js'
import {
  type CallState,
  compose,
  guardCircuit,
  reportCall,
  reserveBudget,
  type Stage,
  skipUnchangedEffect,
  validateInput,
} from './stages.js'
import { createSemaphore, throttle } from './throttle.js'

/** How long an action's extra request (`ctx.pace`) waits in place for the rate limiter. */
const PACE_WAIT_MS = 30_000

export interface GatewayOptions {
  connectors: ConnectorDefinition<any>[]
  /** connector id → connection name (`default`) → raw config (see connections.ts for gateway keys). */
  connections: RawConnections
  store: Store
  clock: Clock
  /** Reserved for jitter; not used yet. */
  random?: Random
  onEvent?: (e: GatewayEvent) => void
  /** Called when `onEvent` throws. @defaultValue ignore */
  onListenerError?: (error: unknown, e: GatewayEvent) => void
  /** Shared rate-limit counting (Redis) across processes. @defaultValue in-process memory */
  limiterBackend?: LimiterBackend
  /** Total rate-limit wait awaited in place per request before parking the run. @defaultValue 1000 */
  maxInPlaceWaitMs?: number
  /**
   * Private addresses every connection may reach (`PIPEWRIGHT_ALLOW_PRIVATE_NETWORK`); each
   * connection's `allowPrivateNetwork` adds to it. @defaultValue nothing: public addresses only
   */
  allowPrivateNetwork?: AllowList
  /** Host name resolution for outbound requests. @defaultValue the system resolver (dns.lookup) */
  resolve?: Resolver
  /** Keep-alive pools of the connections' HTTP dispatchers. */
  http?: { keepAliveTimeoutMs?: number; connectionsPerOrigin?: number }
}

export interface CircuitRow {
  connector: string
  connection: string
  /** The origin of a per-origin part of the connection (unnamed `http.request`). */
  origin?: string
  state: CircuitStateName
  retryAfterMs: number
}

export interface Gateway extends ActionExecutor {
  /** Budget rows for `pipewright usage`: connection, budget, period, limit, used, remaining, level. */
  usage(): Promise<BudgetRow[]>
  circuitStates(): CircuitRow[]
  /**
   * Replace one connection's settings (a credential rotated in the store while running): the
   * next call uses them; limits, circuit, budgets and ledger stay. Throws PW_CONFIG_INVALID when
   * the connector's schema refuses them (the old settings then stay). Returns whether anything
   * changed (settings equal to the current ones, e.g. a refresh token this process stored, are kept).
   */
  replaceSettings(connectorId: string, name: string, raw: Record<string, unknown>): boolean
}

interface Runtime {
  dispatcher: ReturnType<typeof createGuardedDispatcher>
  circuit: CircuitBreaker
  identity: ActionContext['identity']
  ledger: ReturnType<typeof effectLedger>
  withPermit: <T>(fn: () => Promise<T>) => Promise<T>
  batchers: Map<string, MicroBatcher<CallState, unknown>>
}

export function createGateway(options: GatewayOptions): Gateway {
  const { store, clock } = options
  const emit = createSafeEmit(options.onEvent, options.onListenerError)
  const connections = resolveConnections(options.connectors, options.connections)
  const limiter = createRateLimiter({ clock, ...(options.limiterBackend ? { backend: options.limiterBackend } : {}) })
  const budgets = createBudgets({
    store,
    clock,
    onLevel: (e) =>
      emit({
        type: 'budget:level',
        ...splitKey(e.connection),
        budget: e.budget,
        period: e.period,
        level: e.level,
        used: e.used,
        limit: e.limit,
      }),
  })
  const maxInPlaceWaitMs = options.maxInPlaceWaitMs ?? 1000
  const closing = new AbortController()
  // Every batched call waiting on a rate limit listens on this one signal: no listener cap.
  setMaxListeners(0, closing.signal)
  const runtimes = new Map<string, Runtime>()
  const consent = storeConsent(store, clock)

  function runtimeOf(conn: ResolvedConnection): Runtime {
    const sk = stateKey(conn)
    let rt = runtimes.get(sk)
    if (rt) return rt
    const where = { connector: conn.connector.id, connection: conn.name }
    rt = {
      dispatcher: createGuardedDispatcher({
        allow: mergeAllowLists(options.allowPrivateNetwork ?? NOTHING_ALLOWED, conn.allowPrivateNetwork),
        ...(options.resolve ? { resolve: options.resolve } : {}),
        ...options.http,
      }),
      circuit: createCircuitBreaker({
        name: sk,
        clock,
        breaker: new ConsecutiveBreaker(conn.circuit.failureThreshold),
        halfOpenAfterMs: conn.circuit.halfOpenAfterMs,
        onStateChange: (state, info) => emit({ type: 'connector:circuit', ...where, state, ...info }),
      }),
      identity: identityMap(store, clock, conn.key),
      ledger: effectLedger(store, clock, conn.key),
      withPermit: conn.maxConcurrent ? createSemaphore(conn.maxConcurrent) : (fn) => fn(),
      batchers: new Map(),
    }
    runtimes.set(sk, rt)
    return rt
  }

  function windowsFor(s: CallState): RateWindowSpec[] {
    return s.conn.rates
      .filter((r) => !r.actions || r.actions.includes(s.actionName))
      .map((r) => {
        const scopeKey = r.scope === 'action' ? s.action.scope?.(s.input) : undefined
        return { name: r.name, limit: r.limit, windowMs: r.windowMs, ...(scopeKey === undefined ? {} : { scopeKey }) }
      })
  }

  function contextFor(s: CallState, signal: AbortSignal, specs: RateWindowSpec[]): ActionContext {
    const rt = runtimeOf(s.conn)
    return {
      connection: s.conn.config,
      connectionName: s.conn.name,
      call: s.call,
      clock,
      signal,
      dispatcher: rt.dispatcher,
      identity: rt.identity,
      ...(s.conn.storedCredential ? { credential: s.conn.storedCredential } : {}),
      consent,
      observeHeaders: (headers) => void limiter.observe(stateKey(s.conn), specs, headers).catch(() => undefined),
      pace: async (request) => {
        const where = { connector: s.conn.connector.id, connection: s.conn.name, action: s.actionName }
        const settle = await throttle(limiter, clock, PACE_WAIT_MS, {
          key: s.conn.key,
          specs,
          signal,
          onWait: (w) => emit({ type: 'connector:rateLimited', ...where, ...w }),
        })
        try {
          return await request()
        } finally {
          await settle().catch(() => undefined)
        }
      },
    }
  }

  /** One provider request for `states` (one call, or one batch): paced, capped, classified. */
  async function send<T>(states: CallState[], signal: AbortSignal, fn: (ctx: ActionContext) => Promise<T>): Promise<T> {
    const s = states[0]
    const specs = windowsFor(s)
    const where = { connector: s.conn.connector.id, connection: s.conn.name, action: s.actionName }
    // Always asked, even without windows: a provider's Retry-After blocks the whole connection.
    const settle = await throttle(limiter, clock, maxInPlaceWaitMs, {
      key: stateKey(s.conn),
      specs,
      signal,
      onWait: (w) => emit({ type: 'connector:rateLimited', ...where, ...w }),
    })
    try {
      // A call whose run was stopped (shutdown deadline, step timeout) while it waited for a permit is not sent.
      const out = await runtimeOf(s.conn).withPermit(() => {
        signal.throwIfAborted()
        return fn(contextFor(s, signal, specs))
      })
      for (const st of states) st.answered = true
      return out
    } catch (error) {
      if (typeof (error as { status?: unknown })?.status === 'number') for (const st of states) st.answered = true
      if (isPipewrightError(error) && error.code === ErrorCodes.RATE_LIMITED) {
        // Our own pacing refused before the request (throttle above); this refusal is the provider's.
        const waitMs = (error as { retryAfterMs?: number }).retryAfterMs ?? 0
        const httpStatus = (error as { status?: unknown }).status
        emit({
          type: 'connector:providerLimited',
          ...where,
          retryAfterMs: waitMs,
          ...(typeof httpStatus === 'number' ? { httpStatus } : {}),
        })
        await limiter.block(stateKey(s.conn), waitMs)
      }
      throw error
    } finally {
      await settle().catch(() => undefined)
    }
  }

  function batcherOf(s: CallState): MicroBatcher<CallState, unknown> {
    const rt = runtimeOf(s.conn)
    let b = rt.batchers.get(s.actionName)
    const batch = s.action.batch!
    if (!b) {
      b = createMicroBatcher<CallState, unknown>({
        clock,
        maxSize: batch.maxSize,
        windowMs: batch.windowMs,
        // The request waits (rate limit, permit) while any of its calls is still wanted; just
        // before it goes out, calls whose run was stopped meanwhile (shutdown deadline, step
        // timeout) leave the batch unsent, so a handed-back run's effect is not sent after it.
        send: (b) => {
          const sent = [...b.inputs]
          return send(sent, b.abandoned(closing.signal), async (ctx) => {
            const live = b.live()
            sent.splice(0, sent.length, ...live) // only these are marked answered
            return live.length === 0
              ? []
              : batch.run(
                  live.map((x) => x.input),
                  ctx,
                )
          })
        },
      })
      rt.batchers.set(s.actionName, b)
    }
    return b
  }

  const dispatch = (s: CallState): Promise<unknown> => {
    const batch = s.action.batch
    if (batch) return batcherOf(s).add(batch.key?.(s.input) ?? '', s, s.call.signal)
    return send([s], s.call.signal, (ctx) => s.action.run(s.input, ctx))
  }

  const isolated = new Map<string, ResolvedConnection>()
  /** An unnamed call whose action isolates it (http.request per origin) gets its part of the connection. */
  const isolate: Stage = (s, next) => {
    const key = s.call.connection === undefined ? s.action.isolate?.(s.input, s.conn.config) : null
    if (key) {
      const id = `${s.conn.key}@${key}`
      let part = isolated.get(id)
      if (!part) {
        part = { ...s.conn, isolation: key }
        isolated.set(id, part)
      }
      s.conn = part
    }
    return next()
  }

  const pipeline = compose(
    [
      reportCall(clock, emit),
      validateInput,
      isolate,
      skipUnchangedEffect((s) => runtimeOf(s.conn).ledger, emit),
      reserveBudget(budgets),
      guardCircuit((s) => runtimeOf(s.conn).circuit),
    ],
    dispatch,
  )

  function lookup(ref: string, connection?: string) {
    const { connectorId, actionName } = splitRef(ref)
    const named = connections.get(connectorId)
    if (!named) return { problem: `unknown connector "${connectorId}" in ${ref}; known: ${[...connections.keys()].join(', ')}` }
    // `connection: main` or the full id `hubspot:main`
    const name = connection?.startsWith(`${connectorId}:`) ? connection.slice(connectorId.length + 1) : connection
    const conn = named.get(name ?? 'default')
    const action = conn?.connector.actions[actionName] ?? options.connectors.find((c) => c.id === connectorId)?.actions[actionName]
    if (!action) return { problem: `unknown action "${actionName}" of connector ${connectorId}` }
    if (!conn)
      return {
        problem: `no connection "${name ?? 'default'}" configured for ${connectorId}; configured: ${[...named.keys()].join(', ') || 'none'}`,
      }
    return { conn, action, actionName }
  }

  return {
    execute(call: ActionCall) {
      const found = lookup(call.ref, call.connection)
      if ('problem' in found)
        return Promise.reject(new NonRetryableError(found.problem ?? call.ref, { code: ErrorCodes.CONNECTOR_UNKNOWN }))
      return pipeline({
        call,
        conn: found.conn,
        action: found.action,
        actionName: found.actionName,
        input: undefined,
        answered: false,
        saved: false,
      })
    },
    check(ref, connection) {
      const found = lookup(ref, connection)
      return 'problem' in found ? (found.problem ?? null) : null
    },
    async usage() {
      const rows: BudgetRow[] = []
      for (const named of connections.values())
        for (const conn of named.values()) if (conn.budgets.length) rows.push(...(await budgets.rows(conn.key, conn.budgets)))
      return rows
    },
    replaceSettings(connectorId, name, raw) {
      const conn = connections.get(connectorId)?.get(name)
      if (!conn) return false
      const next = resolveConnections([conn.connector], { [connectorId]: { [name]: raw } })
        .get(connectorId)!
        .get(name)!
      // Kept when equal: a connector may cache by settings object (HubSpot's access token).
      if (JSON.stringify(next.config) === JSON.stringify(conn.config)) return false
      conn.config = next.config
      if (next.storedCredential) conn.storedCredential = next.storedCredential
      for (const part of isolated.values()) if (part.key === conn.key) part.config = next.config
      return true
    },
    circuitStates() {
      const rows: CircuitRow[] = []
      for (const named of connections.values()) {
        for (const conn of named.values()) {
          const c = runtimes.get(conn.key)?.circuit
          rows.push({
            connector: conn.connector.id,
            connection: conn.name,
            state: c?.state() ?? 'closed',
            retryAfterMs: c?.retryAfterMs() ?? 0,
          })
        }
      }
      // Per-origin parts whose circuit is not closed (closed ones are the connection's row).
      for (const part of isolated.values()) {
        const c = runtimes.get(stateKey(part))?.circuit
        if (c && c.state() !== 'closed')
          rows.push({
            connector: part.connector.id,
            connection: part.name,
            origin: part.isolation,
            state: c.state(),
            retryAfterMs: c.retryAfterMs(),
          })
      }
      return rows
    },
    async close() {
      for (const rt of runtimes.values()) for (const b of rt.batchers.values()) await b.flushAll().catch(() => undefined)
      closing.abort()
      if (!options.limiterBackend) await limiter.close()
      await Promise.all(options.connectors.map((c) => c.close?.()))
      await Promise.all([...runtimes.values()].map((rt) => rt.dispatcher.close().catch(() => undefined)))
    },
  }
}

function splitKey(key: string): { connector: string; connection: string } {
  const i = key.indexOf(':')
  return { connector: key.slice(0, i), connection: key.slice(i + 1) }
}
