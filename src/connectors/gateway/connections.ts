/**
 * Connections of the gateway: each connector's configured accounts, parsed once at
 * construction with the connector's schema. Besides the connector's own fields, a raw
 * connection config may carry gateway settings (removed before the connector sees it):
 *
 * - `limits`: `{ rates?, budgets?, maxConcurrent? }` — entries replace the connector's
 *   entries of the same name and add new ones (e.g. HubSpot Pro: `burst` 190 per 10 s).
 * - `onBudgetExhausted`: `'wait'` (default) or `'dead-letter'`.
 * - `circuit`: `{ failureThreshold?: number (5), halfOpenAfterMs?: number (30000) }`.
 * - `allowPrivateNetwork`: `true`, or CIDRs / hosts / `host:port` this connection may reach
 *   although they are loopback, private or link-local (see net/address-policy.ts).
 * - `storedCredential`: access to the stored credential the secret came from (actions get it as
 *   `ctx.credential`; see {@link StoredCredentialAccess}).
 *
 * A connector whose schema accepts `{}` (such as `http`) gets a `default` connection even
 * when none is configured.
 * @module
 */
import { ConfigError, ErrorCodes, type Problem } from '../../errors.js'
import type { BudgetSpec, OnBudgetExhausted } from '../../resilience/budget.js'
import type { ConnectorDefinition, RateLimitSpec, StoredCredentialAccess } from '../contract.js'
import { type AllowList, NOTHING_ALLOWED, parseAllowList } from '../net/address-policy.js'

export interface ResolvedConnection {
  connector: ConnectorDefinition<any>
  name: string
  /** `<connector>:<name>`; the key of limits, circuit and budgets. */
  key: string
  config: unknown
  rates: RateLimitSpec[]
  budgets: BudgetSpec[]
  maxConcurrent: number | undefined
  onBudgetExhausted: OnBudgetExhausted
  circuit: { failureThreshold: number; halfOpenAfterMs: number }
  /** Private addresses this connection may reach (besides the process-wide list). */
  allowPrivateNetwork: AllowList
  /** The stored credential the secret came from, when it did. */
  storedCredential?: StoredCredentialAccess
  /**
   * Set on a per-origin part of a connection (an unnamed `http.request` to one origin): limiter,
   * circuit and dispatcher are this part's own; budgets, identity map and ledger the connection's.
   */
  isolation?: string
}

/** Key of a connection's (or its isolated part's) rate-limit state and circuit. */
export function stateKey(conn: ResolvedConnection): string {
  return conn.isolation ? `${conn.key}@${conn.isolation}` : conn.key
}

export type RawConnections = Record<string, Record<string, Record<string, unknown> | undefined>>

const RESERVED = ['limits', 'onBudgetExhausted', 'circuit', 'allowPrivateNetwork', 'storedCredential'] as const

function mergeByName<T extends { name: string }>(base: readonly T[] = [], extra: readonly T[] = []): T[] {
  const out = new Map(base.map((x) => [x.name, x]))
  for (const x of extra) out.set(x.name, x)
  return [...out.values()]
}

export function resolveConnections(
  connectors: readonly ConnectorDefinition<any>[],
  raw: RawConnections,
): Map<string, Map<string, ResolvedConnection>> {
  const problems: Problem[] = []
  const out = new Map<string, Map<string, ResolvedConnection>>()
  const byId = new Map(connectors.map((c) => [c.id, c]))
  for (const id of Object.keys(raw))
    if (!byId.has(id))
      problems.push({ field: `connections.${id}`, message: `unknown connector "${id}"; known: ${[...byId.keys()].join(', ')}` })
  for (const connector of connectors) {
    const entries = { ...raw[connector.id] }
    if (Object.keys(entries).length === 0 && connector.connection.safeParse({}).success) entries.default = {}
    const named = new Map<string, ResolvedConnection>()
    for (const [name, rawConfig] of Object.entries(entries)) {
      const field = `connections.${connector.id}.${name}`
      const { limits, onBudgetExhausted, circuit, allowPrivateNetwork, storedCredential, ...rest } = (rawConfig ?? {}) as Record<
        (typeof RESERVED)[number],
        any
      > &
        Record<string, unknown>
      const parsed = connector.connection.safeParse(rest)
      if (!parsed.success) {
        for (const issue of parsed.error.issues)
          problems.push({ field: [field, ...issue.path.map(String)].join('.'), message: issue.message })
        continue
      }
      if (onBudgetExhausted !== undefined && onBudgetExhausted !== 'wait' && onBudgetExhausted !== 'dead-letter') {
        problems.push({
          field: `${field}.onBudgetExhausted`,
          message: `must be "wait" or "dead-letter", got ${JSON.stringify(onBudgetExhausted)}`,
        })
      }
      let allow: AllowList = NOTHING_ALLOWED
      try {
        allow = parseAllowList(allowPrivateNetwork)
      } catch (e) {
        problems.push({ field: `${field}.allowPrivateNetwork`, message: (e as Error).message })
      }
      named.set(name, {
        connector,
        name,
        key: `${connector.id}:${name}`,
        config: parsed.data,
        rates: mergeByName(connector.limits?.rates, limits?.rates),
        budgets: mergeByName(connector.limits?.budgets, limits?.budgets),
        maxConcurrent: limits?.maxConcurrent ?? connector.limits?.maxConcurrent,
        onBudgetExhausted: onBudgetExhausted ?? 'wait',
        circuit: { failureThreshold: circuit?.failureThreshold ?? 5, halfOpenAfterMs: circuit?.halfOpenAfterMs ?? 30_000 },
        allowPrivateNetwork: allow,
        ...(storedCredential ? { storedCredential } : {}),
      })
    }
    out.set(connector.id, named)
  }
  if (problems.length > 0) throw new ConfigError(problems, ErrorCodes.CONFIG_INVALID)
  return out
}

/** Split `hubspot.companies.upsert` into connector `hubspot` and action `companies.upsert`. */
export function splitRef(ref: string): { connectorId: string; actionName: string } {
  const dot = ref.indexOf('.')
  return dot < 0 ? { connectorId: ref, actionName: '' } : { connectorId: ref.slice(0, dot), actionName: ref.slice(dot + 1) }
}
