/**
 * Incidents and their notification outbox, as dialect-neutral operations (see sql.ts).
 *
 * Cluster-wide deduplication rests on two things: the partial unique index
 * `alert_incidents_open (rule, subject) WHERE status <> 'resolved'` (one open incident per rule
 * and subject, whoever inserts first), and conditional updates (`… WHERE status = 'pending'`,
 * `… AND level < ?`, `… AND last_true_at <= ?`) whose row count says which process made the
 * transition — only that one queues the message, in the same transaction.
 * @module
 */
import { newId } from '../../ids.js'
import type {
  AlertMessage,
  ClearTransition,
  Delivery,
  Finding,
  FiringTransition,
  IncidentFilter,
  IncidentRecord,
  NotificationKind,
  NotificationRecord,
} from './contract.js'
import { type Dialect, exec, type Op, placeholders } from './sql.js'

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v))
const parse = <T>(v: unknown): T => (v === null || v === undefined ? null : typeof v === 'string' ? JSON.parse(v) : v) as T
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))

export function toIncident(r: Record<string, unknown>): IncidentRecord {
  return {
    id: String(r.id),
    rule: String(r.rule),
    subject: String(r.subject),
    severity: r.severity as IncidentRecord['severity'],
    level: Number(r.level),
    status: r.status as IncidentRecord['status'],
    summary: String(r.summary),
    value: num(r.value),
    details: parse(r.details),
    channels: parse<string[] | null>(r.channels) ?? [],
    startedAt: Number(r.started_at),
    firedAt: num(r.fired_at),
    lastTrueAt: Number(r.last_true_at),
    resolvedAt: num(r.resolved_at),
    updatedAt: Number(r.updated_at),
  }
}

export function toNotification(r: Record<string, unknown>): NotificationRecord {
  return {
    id: String(r.id),
    incidentId: String(r.incident_id),
    kind: r.kind as NotificationKind,
    channel: String(r.channel),
    batch: (r.batch as string | null) ?? null,
    dueAt: Number(r.due_at),
    status: r.status as NotificationRecord['status'],
    attempts: Number(r.attempts),
    message: parse(r.message),
    createdAt: Number(r.created_at),
    sentAt: num(r.sent_at),
    lastError: (r.last_error as string | null) ?? null,
  }
}

export function messageOf(i: IncidentRecord, kind: NotificationKind): AlertMessage {
  return {
    kind,
    incidentId: i.id,
    rule: i.rule,
    subject: i.subject,
    severity: i.severity,
    level: i.level,
    summary: i.summary,
    value: i.value,
    details: i.details,
    startedAt: i.startedAt,
    firedAt: i.firedAt,
    resolvedAt: i.resolvedAt,
  }
}

function* openIncident(rule: string, subject: string): Op<IncidentRecord | null> {
  const r = yield* exec(`SELECT * FROM alert_incidents WHERE rule = ? AND subject = ? AND status <> 'resolved'`, rule, subject)
  return r.rows[0] ? toIncident(r.rows[0]) : null
}

function* insertNotification(message: AlertMessage, d: Delivery, now: number): Op<NotificationRecord> {
  const r = yield* exec(
    `INSERT INTO alert_notifications (id, incident_id, kind, channel, batch, due_at, status, attempts, message, created_at)
     VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?) RETURNING *`,
    newId('ntf', now),
    message.incidentId,
    message.kind,
    d.channel,
    d.batch,
    d.dueAt,
    json(message),
    now,
  )
  return toNotification(r.rows[0])
}

function* queue(i: IncidentRecord, kind: NotificationKind, deliveries: readonly Delivery[], now: number): Op<void> {
  const message = messageOf(i, kind)
  for (const d of deliveries) yield* insertNotification(message, d, now)
}

const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])].sort()

export function* observeFiring(
  f: Finding,
  o: { now: number; forMs: number; deliveries: readonly Delivery[] },
): Op<{ incident: IncidentRecord; transition: FiringTransition }> {
  const { now, forMs } = o
  const channels = [...new Set(o.deliveries.map((d) => d.channel))].sort()
  let row = yield* openIncident(f.rule, f.subject)
  if (!row) {
    const firing = forMs <= 0
    const inserted = yield* exec(
      `INSERT INTO alert_incidents (id, rule, subject, severity, level, status, summary, value, details, channels,
         started_at, fired_at, last_true_at, resolved_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)
       ON CONFLICT DO NOTHING RETURNING *`,
      newId('inc', now),
      f.rule,
      f.subject,
      f.severity,
      f.level,
      firing ? 'firing' : 'pending',
      f.summary,
      f.value,
      json(f.details ?? null),
      json(firing ? channels : []),
      now,
      firing ? now : null,
      now,
      now,
    )
    if (inserted.rows[0]) {
      const incident = toIncident(inserted.rows[0])
      if (!firing) return { incident, transition: 'pending' }
      yield* queue(incident, 'firing', o.deliveries, now)
      return { incident, transition: 'fired' }
    }
    // Another process opened it between our read and our insert: carry on with theirs.
    row = yield* openIncident(f.rule, f.subject)
    if (!row) throw new Error(`incident ${f.rule}/${f.subject} vanished while being opened`)
  }
  yield* exec(
    `UPDATE alert_incidents SET last_true_at = CASE WHEN last_true_at > ? THEN last_true_at ELSE ? END,
       value = ?, summary = ?, details = ?, updated_at = ? WHERE id = ?`,
    now,
    now,
    f.value,
    f.summary,
    json(f.details ?? null),
    now,
    row.id,
  )
  if (row.status === 'pending' && now - row.startedAt >= forMs) {
    const r = yield* exec(
      `UPDATE alert_incidents SET status = 'firing', fired_at = ?, severity = ?, level = ?, channels = ?
       WHERE id = ? AND status = 'pending' RETURNING *`,
      now,
      f.severity,
      f.level,
      json(channels),
      row.id,
    )
    if (r.rows[0]) {
      const incident = toIncident(r.rows[0])
      yield* queue(incident, 'firing', o.deliveries, now)
      return { incident, transition: 'fired' }
    }
  } else if (row.status === 'firing' && f.level > row.level) {
    const r = yield* exec(
      `UPDATE alert_incidents SET level = ?, severity = ?, channels = ? WHERE id = ? AND status = 'firing' AND level < ? RETURNING *`,
      f.level,
      f.severity,
      json(union(row.channels, channels)),
      row.id,
      f.level,
    )
    if (r.rows[0]) {
      const incident = toIncident(r.rows[0])
      yield* queue(incident, 'escalated', o.deliveries, now)
      return { incident, transition: 'escalated' }
    }
  }
  const fresh = yield* exec('SELECT * FROM alert_incidents WHERE id = ?', row.id)
  return { incident: toIncident(fresh.rows[0]), transition: 'held' }
}

export function* observeClear(
  rule: string,
  subject: string,
  o: { now: number; cooldownMs: number; deliveries: readonly Delivery[] },
): Op<ClearTransition> {
  const row = yield* openIncident(rule, subject)
  if (!row) return 'none'
  if (row.status === 'pending') {
    const r = yield* exec(
      `UPDATE alert_incidents SET status = 'resolved', resolved_at = ?, updated_at = ? WHERE id = ? AND status = 'pending'`,
      o.now,
      o.now,
      row.id,
    )
    return r.changes > 0 ? 'resolved' : 'none'
  }
  if (o.now - row.lastTrueAt < o.cooldownMs) return 'cooling'
  const r = yield* exec(
    `UPDATE alert_incidents SET status = 'resolved', resolved_at = ?, updated_at = ?
     WHERE id = ? AND status = 'firing' AND last_true_at <= ? RETURNING *`,
    o.now,
    o.now,
    row.id,
    o.now - o.cooldownMs,
  )
  if (!r.rows[0]) return 'cooling'
  const incident = toIncident(r.rows[0])
  const told = new Set(incident.channels)
  yield* queue(
    incident,
    'resolved',
    o.deliveries.filter((d) => told.has(d.channel)),
    o.now,
  )
  return 'resolved'
}

export function* listIncidents(f: IncidentFilter = {}): Op<IncidentRecord[]> {
  const where: string[] = []
  const params: unknown[] = []
  if (f.status?.length) {
    where.push(`status IN ${placeholders(f.status.length)}`)
    params.push(...f.status)
  }
  if (f.rule !== undefined) {
    where.push('rule = ?')
    params.push(f.rule)
  }
  if (f.since !== undefined) {
    where.push('started_at >= ?')
    params.push(f.since)
  }
  const r = yield* exec(
    `SELECT * FROM alert_incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC LIMIT ?`,
    ...params,
    f.limit ?? 100,
  )
  return r.rows.map(toIncident)
}

export function* getIncident(id: string): Op<IncidentRecord | null> {
  const r = yield* exec('SELECT * FROM alert_incidents WHERE id = ?', id)
  return r.rows[0] ? toIncident(r.rows[0]) : null
}

export function* enqueue(items: ReadonlyArray<{ message: AlertMessage; delivery: Delivery }>, now: number): Op<NotificationRecord[]> {
  const out: NotificationRecord[] = []
  for (const it of items) out.push(yield* insertNotification(it.message, it.delivery, now))
  return out
}

export function* dueBatches(now: number): Op<Array<{ channel: string; batch: string }>> {
  const r = yield* exec(
    `SELECT DISTINCT channel, batch FROM alert_notifications
     WHERE status = 'pending' AND batch IS NOT NULL AND due_at <= ? ORDER BY channel, batch`,
    now,
  )
  return r.rows.map((x) => ({ channel: String(x.channel), batch: String(x.batch) }))
}

export function* claim(
  dialect: Dialect,
  o: { owner: string; now: number; leaseMs: number; limit: number; batch?: string },
): Op<NotificationRecord[]> {
  const free = `status = 'pending' AND due_at <= ? AND (lease_expires_at IS NULL OR lease_expires_at <= ?)`
  const scope = o.batch === undefined ? 'batch IS NULL' : 'batch = ?'
  const scopeParams = o.batch === undefined ? [] : [o.batch]
  const r = yield* exec(
    `UPDATE alert_notifications SET lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1
     WHERE ${free} AND ${scope} AND id IN (
       SELECT id FROM alert_notifications WHERE ${free} AND ${scope} ORDER BY due_at, id LIMIT ?
       ${dialect === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : ''}
     ) RETURNING *`,
    o.owner,
    o.now + o.leaseMs,
    o.now,
    o.now,
    ...scopeParams,
    o.now,
    o.now,
    ...scopeParams,
    o.limit,
  )
  return r.rows.map(toNotification).sort((a, b) => a.dueAt - b.dueAt || (a.id < b.id ? -1 : 1))
}

export function* settle(
  id: string,
  owner: string,
  outcome: { sentAt: number } | { error: string; retryAt: number | null; now: number },
): Op<boolean> {
  const r =
    'sentAt' in outcome
      ? yield* exec(
          `UPDATE alert_notifications SET status = 'sent', sent_at = ?, lease_owner = NULL, lease_expires_at = NULL
           WHERE id = ? AND lease_owner = ? AND status = 'pending'`,
          outcome.sentAt,
          id,
          owner,
        )
      : yield* exec(
          `UPDATE alert_notifications SET status = ?, due_at = ?, last_error = ?, lease_owner = NULL, lease_expires_at = NULL
           WHERE id = ? AND lease_owner = ? AND status = 'pending'`,
          outcome.retryAt === null ? 'failed' : 'pending',
          outcome.retryAt ?? outcome.now,
          outcome.error.slice(0, 2000),
          id,
          owner,
        )
  return r.changes > 0
}

export function* listNotifications(
  f: { incidentId?: string; status?: NotificationRecord['status']; limit?: number } = {},
): Op<NotificationRecord[]> {
  const where: string[] = []
  const params: unknown[] = []
  if (f.incidentId !== undefined) {
    where.push('incident_id = ?')
    params.push(f.incidentId)
  }
  if (f.status !== undefined) {
    where.push('status = ?')
    params.push(f.status)
  }
  const r = yield* exec(
    `SELECT * FROM alert_notifications ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id LIMIT ?`,
    ...params,
    f.limit ?? 500,
  )
  return r.rows.map(toNotification)
}
