/**
 * Postgres migration 0007: what operating the hub keeps (DESIGN §13; src/store/observe/).
 *
 * - `metric_samples`: per-minute totals every process adds to (run ends, step latency
 *   buckets, provider 429s, pacing waits), read by alerts and the dashboard's charts.
 * - `metric_gauges`: values each process publishes with an expiry (circuit state).
 * - `alert_incidents`: one row per incident; the partial unique index allows one open
 *   (pending or firing) incident per rule and subject, whichever process inserts first.
 * - `alert_notifications`: the outbox of messages about incidents, leased by the process
 *   that sends them.
 * - `inventory_items`: the structure of each connected account (`pipewright inventory`).
 * Times are BIGINT epoch ms, JSON columns JSONB (same logical schema as SQLite's 0007).
 * @module
 */
export const name = '0007-observe'

export const statements: readonly string[] = [
  `CREATE TABLE metric_samples (
    series TEXT NOT NULL,
    labels TEXT NOT NULL,
    minute BIGINT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (series, labels, minute)
  )`,
  'CREATE INDEX metric_samples_by_minute ON metric_samples (minute)',
  `CREATE TABLE metric_gauges (
    series TEXT NOT NULL,
    labels TEXT NOT NULL,
    source TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    updated_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (series, labels, source)
  )`,
  `CREATE TABLE alert_incidents (
    id TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    subject TEXT NOT NULL,
    severity TEXT NOT NULL,
    level INTEGER NOT NULL,
    status TEXT NOT NULL,
    summary TEXT NOT NULL,
    value DOUBLE PRECISION,
    details JSONB,
    channels JSONB NOT NULL,
    started_at BIGINT NOT NULL,
    fired_at BIGINT,
    last_true_at BIGINT NOT NULL,
    resolved_at BIGINT,
    updated_at BIGINT NOT NULL
  )`,
  `CREATE UNIQUE INDEX alert_incidents_open ON alert_incidents (rule, subject) WHERE status <> 'resolved'`,
  'CREATE INDEX alert_incidents_by_start ON alert_incidents (started_at DESC, id DESC)',
  `CREATE TABLE alert_notifications (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    batch TEXT,
    due_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    lease_owner TEXT,
    lease_expires_at BIGINT,
    message JSONB NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    last_error TEXT
  )`,
  'CREATE INDEX alert_notifications_due ON alert_notifications (status, due_at)',
  'CREATE INDEX alert_notifications_by_incident ON alert_notifications (incident_id)',
  `CREATE TABLE inventory_items (
    connection TEXT NOT NULL,
    path TEXT NOT NULL,
    service TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent TEXT,
    name TEXT NOT NULL,
    type TEXT,
    details JSONB,
    read_at BIGINT NOT NULL,
    PRIMARY KEY (connection, path)
  )`,
  'CREATE INDEX inventory_items_by_service ON inventory_items (service)',
]
