/**
 * Connections as configuration: one named account of a service (`hubspot:main`), its
 * credential reference, base URL, plan limits, budgets, private-network allowance and owner.
 * Written in `connections/*.yaml` or with {@link defineConnection} in `connections/*.ts`.
 * @module
 */
import type { BudgetPeriod } from '../resilience/budget.js'

/**
 * Where a secret comes from: an environment variable (`{ env: 'HUBSPOT_TOKEN' }`) or the
 * encrypted credential store (`{ credential: 'hubspot-main' }`, or just the name as a string).
 */
export type CredentialRef = string | { env: string } | { credential: string }

/** A rate limit of a plan: `limit` calls per `per` (a duration such as `10s`, or milliseconds). */
export interface PlanRate {
  name: string
  limit: number
  per: string | number
  /** Only these actions count against it (all when absent). */
  actions?: string[]
  scope?: 'connection' | 'action'
}

/** A plan: a name the connector knows (`professional`), or limits of your own. */
export type PlanSpec = string | { name?: string; rates?: PlanRate[]; maxConcurrent?: number }

/** A usage allowance per period; alerts fire at 70, 85, 95 and 100 %. */
export interface BudgetInput {
  name: string
  period: BudgetPeriod
  limit: number
  /** Only these actions consume it (all when absent). */
  actions?: string[]
}

export interface ConnectionDefinition {
  /** `<service>:<name>`, e.g. `hubspot:main`. Steps name it with `connection: main` (or the full id). */
  id: string
  /** Connector id. @defaultValue the part of `id` before the colon */
  service?: string
  /** The secret the connector authenticates with (its token, API key or URL). */
  credential?: CredentialRef
  baseUrl?: string
  plan?: PlanSpec
  budgets?: BudgetInput[]
  /** At 100 % of a budget: park runs until the next period, or dead-letter them. @defaultValue wait */
  onBudgetExhausted?: 'wait' | 'dead-letter'
  circuit?: { failureThreshold?: number; halfOpenAfterMs?: number }
  /** `true`, or CIDRs / hosts / `host:port` this connection may reach although private. */
  allowPrivateNetwork?: boolean | string | string[]
  owner?: string
  tags?: string[]
  description?: string
  /** The connector's own settings (e.g. `tier`, `from`, `webhookUrls`); values may be credential references. */
  settings?: Record<string, unknown>
}

/** Where a connection was configured. */
export type ConnectionSource = { kind: 'env' } | { kind: 'file'; file: string } | { kind: 'options' }

/** State of a connection's credential, never its value. */
export interface CredentialStatus {
  /** `env` / `stored`: a reference; `inline`: given in code or options; `none`: the connector needs none. */
  kind: 'env' | 'stored' | 'inline' | 'none'
  /** The variable or stored credential's name. */
  name?: string
  /**
   * `present`; `missing` (variable unset, or no such stored credential); `unchecked` (a stored
   * credential named while no store was open, as in `validate`: assumed usable).
   */
  status: 'present' | 'missing' | 'unchecked'
  /** From the stored credential's metadata. */
  rotateBy?: string | null
  owner?: string | null
}

/** What `listConnections` reports for one connection: configuration without secrets. */
export interface ConnectionInfo {
  /** `<service>:<name>`. */
  id: string
  service: string
  name: string
  source: ConnectionSource
  /** Usable by steps (its settings are valid and its credential is present). */
  active: boolean
  /** Why it is not active. */
  problem?: string
  baseUrl?: string
  plan?: string
  rates: Array<{ name: string; limit: number; windowMs: number; actions?: string[] }>
  maxConcurrent?: number
  budgets: BudgetInput[]
  allowPrivateNetwork: boolean | string[]
  owner?: string
  tags: string[]
  description?: string
  credential: CredentialStatus
}
