/**
 * What the store keeps for operating the hub (DESIGN §13), as three small contracts reached
 * from the `Store` as `store.series`, `store.alerts` and `store.inventory`:
 *
 * - **series**: per-minute totals that every process adds to (run ends, step latency buckets,
 *   provider 429s, pacing waits) and gauges each process publishes with a time to live
 *   (circuit state). Alerts and the dashboard's charts read them, so they see the whole cluster.
 * - **alerts**: incidents (one per rule and subject while its condition holds) and the outbox
 *   of notifications about them. Every transition is one atomic write, so two processes that
 *   evaluate the same rule at once open one incident and queue one message.
 * - **inventory**: the structure of each connected account (bases, tables, fields, properties,
 *   lists…), replaced whole per connection by `pipewright inventory`.
 *
 * Times are epoch milliseconds supplied by the caller (the injected clock).
 * @module
 */

// ── series ──────────────────────────────────────────────────────────────────────────────

/** One per-minute total. `labels` is a canonical `k=v,k=v` string (sorted keys). */
export interface MetricSample {
  series: string
  labels: string
  /** Start of the minute (epoch ms, a multiple of 60 000). */
  minute: number
  value: number
}

export interface GaugeSample {
  series: string
  labels: string
  value: number
}

export interface GaugeRow extends GaugeSample {
  /** Who published it (a process id). */
  source: string
  updatedAt: number
}

export interface SeriesStore {
  /** Add each value to its (series, labels, minute) total. */
  addSamples(samples: readonly MetricSample[]): Promise<void>
  /** Totals of the given series for minutes in `[since, until)`, ordered by minute. */
  listSamples(query: { series: readonly string[]; since: number; until?: number }): Promise<MetricSample[]>
  /** Publish this source's gauges; each lives until `now + ttlMs` unless published again. */
  setGauges(source: string, gauges: readonly GaugeSample[], now: number, ttlMs: number): Promise<void>
  /** Live gauges of the given series, from every source. */
  listGauges(series: readonly string[], now: number): Promise<GaugeRow[]>
  /** Drop samples of minutes before `before` and expired gauges; returns rows removed. */
  purge(before: number, now: number): Promise<number>
}

// ── alerts ──────────────────────────────────────────────────────────────────────────────

export type Severity = 'warning' | 'critical'

/** `pending`: the condition holds but not yet for the rule's `for`; `firing`; `resolved`. */
export type IncidentStatus = 'pending' | 'firing' | 'resolved'

export interface IncidentRecord {
  id: string
  rule: string
  /** What the rule is about: a pipeline id, a connection, `hubspot:main/daily`… */
  subject: string
  severity: Severity
  /** Rank within the rule (a budget's 70/85/95/100); a higher level escalates. */
  level: number
  status: IncidentStatus
  summary: string
  value: number | null
  details: Record<string, unknown> | null
  /** Channels told that it fired (its resolution goes to the same ones). */
  channels: string[]
  startedAt: number
  firedAt: number | null
  /** The last evaluation that found the condition true. */
  lastTrueAt: number
  resolvedAt: number | null
  updatedAt: number
}

/** One rule's finding for one subject in one evaluation. */
export interface Finding {
  rule: string
  subject: string
  severity: Severity
  level: number
  summary: string
  value: number | null
  details?: Record<string, unknown>
}

/** Where and when to deliver a message about an incident. */
export interface Delivery {
  channel: string
  dueAt: number
  /** Messages with the same batch key are sent together (an e-mail digest); null sends alone. */
  batch: string | null
}

export type NotificationKind = 'firing' | 'escalated' | 'resolved' | 'test'

/** What a channel renders: a snapshot of the incident when the message was queued. */
export interface AlertMessage {
  kind: NotificationKind
  incidentId: string
  rule: string
  subject: string
  severity: Severity
  level: number
  summary: string
  value: number | null
  details: Record<string, unknown> | null
  startedAt: number
  firedAt: number | null
  resolvedAt: number | null
}

export interface NotificationRecord {
  id: string
  incidentId: string
  kind: NotificationKind
  channel: string
  batch: string | null
  dueAt: number
  status: 'pending' | 'sent' | 'failed'
  attempts: number
  message: AlertMessage
  createdAt: number
  sentAt: number | null
  lastError: string | null
}

export type FiringTransition = 'pending' | 'fired' | 'escalated' | 'held'
export type ClearTransition = 'resolved' | 'cooling' | 'none'

export interface IncidentFilter {
  status?: IncidentStatus[]
  rule?: string
  /** Incidents started at or after this time. */
  since?: number
  limit?: number
}

export interface AlertStore {
  /**
   * The condition holds for `finding.subject`: open its incident (`pending` until it has held
   * for `forMs`, then `firing`), or update the open one. Queues `deliveries` (with `kind`
   * firing) when it starts firing and (kind escalated) when `level` rises. Atomic: of several
   * processes reporting the same finding at once, one opens the incident and one queues.
   */
  observeFiring(
    finding: Finding,
    options: { now: number; forMs: number; deliveries: readonly Delivery[] },
  ): Promise<{ incident: IncidentRecord; transition: FiringTransition }>
  /**
   * The condition no longer holds for (rule, subject): once it has been clear for `cooldownMs`
   * (since `lastTrueAt`) the incident resolves and, if it had fired, `deliveries` for the
   * channels it was sent to are queued (kind resolved). A pending incident resolves silently.
   */
  observeClear(
    rule: string,
    subject: string,
    options: { now: number; cooldownMs: number; deliveries: readonly Delivery[] },
  ): Promise<ClearTransition>
  listIncidents(filter?: IncidentFilter): Promise<IncidentRecord[]>
  getIncident(id: string): Promise<IncidentRecord | null>

  /** Queue messages that belong to no incident transition (`alerts test`). */
  enqueue(items: ReadonlyArray<{ message: AlertMessage; delivery: Delivery }>, now: number): Promise<NotificationRecord[]>
  /** Batch keys with pending messages due now, per channel. */
  dueBatches(now: number): Promise<Array<{ channel: string; batch: string }>>
  /**
   * Lease due pending messages to `owner` for `leaseMs`: those sent alone (`batch` null), or
   * every message of one batch. A message leased by another process is never returned.
   */
  claim(options: { owner: string; now: number; leaseMs: number; limit: number; batch?: string }): Promise<NotificationRecord[]>
  /** Record the outcome of a leased message: sent, retry at `retryAt`, or failed for good (`retryAt` null). */
  settle(id: string, owner: string, outcome: { sentAt: number } | { error: string; retryAt: number | null; now: number }): Promise<boolean>
  listNotifications(filter?: { incidentId?: string; status?: NotificationRecord['status']; limit?: number }): Promise<NotificationRecord[]>
}

// ── inventory ───────────────────────────────────────────────────────────────────────────

/**
 * One thing in an account: a base, table, field, data source, property, list, merge field,
 * pipeline or scenario. `path` places it (`appX/Leads/Email`), `parent` is its container's path.
 */
export interface InventoryItem {
  kind: string
  path: string
  parent: string | null
  name: string
  /** The provider's type of a field or property (`singleLineText`, `email`, `enumeration`…). */
  type: string | null
  /** Provider ids and anything else worth keeping (options of a select, a property's label). */
  details: Record<string, unknown> | null
}

export interface InventorySnapshot {
  service: string
  /** `<connector>:<name>`, e.g. `airtable:default`. */
  connection: string
  readAt: number
  items: InventoryItem[]
}

export interface InventoryStore {
  /** Replace everything known about a connection with this snapshot (one transaction). */
  replace(snapshot: InventorySnapshot): Promise<void>
  /** Snapshots of every connection (or of one service), items ordered by path. */
  list(filter?: { service?: string; connection?: string }): Promise<InventorySnapshot[]>
}
