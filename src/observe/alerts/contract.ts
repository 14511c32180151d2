/**
 * The two small contracts of alerting (see ARCHITECTURE.md beside this file):
 *
 * - a **rule family** (`rules/<kind>.ts`) knows one kind of condition: its parameters (a
 *   strict zod schema with the defaults), how to evaluate it from the store into findings
 *   (one per subject whose condition holds), and how to say it in PromQL for the generated
 *   Prometheus rules;
 * - a **channel** (`channels/<type>.ts`) knows one way of telling people: its settings schema
 *   and how to send one message, or a batch (the e-mail digest).
 *
 * A configured rule (`alerts.yaml`, or the defaults) is a family plus parameters plus the
 * settings every rule has (severity, for, cool-down, channels, scope).
 * @module
 */
import type { z } from 'zod'
import type { BudgetRow } from '../../resilience/budget.js'
import type { Store } from '../../store/contract.js'
import type { AlertMessage, Severity } from '../../store/observe/contract.js'

export type { AlertMessage, Severity } from '../../store/observe/contract.js'

/** A credential as alert rules see it (no secret): from the credential store. */
export interface CredentialInfo {
  id: string
  /** Connections using it, e.g. `hubspot:main`. */
  connections: string[]
  owner: string | null
  rotateBy: number | null
}

/** A sync conflict as alert rules see it. */
export interface SyncConflictInfo {
  sync: string
  at: number
}

/** What rules read besides the store; the optional parts come from other modules when present. */
export interface RuleSources {
  store: Store
  /** Budget rows of the configured connections (the gateway's). */
  usage?: () => Promise<BudgetRow[]>
  credentials?: () => Promise<CredentialInfo[]>
  /** Conflicts recorded at or after `since`. */
  syncConflicts?: (since: number) => Promise<SyncConflictInfo[]>
  /** Ids of the loaded pipelines. */
  pipelines?: () => string[]
}

export interface RuleContext extends RuleSources {
  now: number
}

/** Limits a rule to some pipelines or connections (glob patterns with `*`). */
export interface RuleScope {
  pipelines?: string[]
  connections?: string[]
}

export interface CompiledRule<P = Record<string, unknown>> {
  /** Name in alerts.yaml (a default's name is its kind). */
  id: string
  kind: string
  enabled: boolean
  severity: Severity
  /** How long the condition must hold before it fires. */
  forMs: number
  /** How long it must be clear before the incident resolves (a relapse inside is the same incident). */
  cooldownMs: number
  /** Channels by name; null routes by severity to every channel that takes it. */
  channels: string[] | null
  scope: RuleScope
  params: P
  /** One line, e.g. `run failure rate > 5 % over 15m (at least 10 runs)`. */
  description: string
}

/** A subject whose condition holds. Severity and level default to the rule's (level 1). */
export interface RuleFinding {
  subject: string
  value: number | null
  summary: string
  severity?: Severity
  level?: number
  details?: Record<string, unknown>
}

/** A Prometheus alerting rule generated from a configured rule. */
export interface PromRule {
  expr: string
  /** Overrides the rule's severity (budget levels). */
  severity?: Severity
  /** Suffix of the alert name when a rule needs several (budget levels). */
  suffix?: string
  summary: string
}

export interface RuleFamily<P = any> {
  kind: string
  /** What the default rule watches, for `alerts list` and the docs. */
  title: string
  defaultSeverity: Severity
  /** Strict: unknown keys are errors. Parses the family's own keys with their defaults. */
  params: z.ZodType<P>
  describe(params: P): string
  evaluate(rule: CompiledRule<P>, ctx: RuleContext): Promise<RuleFinding[]>
  /** Expressions over `/metrics` for the generated Prometheus rules; [] when metrics cannot say it. */
  promql(rule: CompiledRule<P>): PromRule[]
}

export interface OutgoingMessage {
  id: string
  message: AlertMessage
}

/** Everything a channel needs to send. */
export interface ChannelContext {
  now: number
  /** Abort after the channel's time limit. */
  signal: AbortSignal
  /** Base URL of the dashboard, for links (absent when unknown). */
  dashboardUrl?: string
}

export interface AlertChannel {
  name: string
  type: string
  /** Severities this channel is told about. */
  severities: Severity[]
  /**
   * When a message about `severity` should go out: `now` to send it alone, or a later time
   * and a batch key to go with others (the e-mail digest).
   */
  schedule(severity: Severity, now: number): { dueAt: number; batch: string | null }
  /**
   * Send one message, or a batch of them as one (`id` is the notification's, stable across
   * retries). Throws to retry later; a `NonRetryableError` gives up on the message.
   */
  send(items: OutgoingMessage[], ctx: ChannelContext): Promise<void>
  /** Settings safe to print (no secrets). */
  describe(): Record<string, unknown>
  close?(): Promise<void>
}

export interface ChannelType<S = any> {
  type: string
  /** Strict settings schema (without `type`). */
  settings: z.ZodType<S>
  create(name: string, settings: S, deps: { clock: { now(): number } }): AlertChannel
}
