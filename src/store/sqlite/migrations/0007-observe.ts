/**
 * SQLite migration 0007: what operating the hub keeps (DESIGN §13; src/store/observe/).
 *
 * - `metric_samples`: per-minute totals every process adds to (run ends, step latency
 *   buckets, provider 429s, pacing waits), read by alerts and the dashboard's charts.
 * - `metric_gauges`: values each process publishes with an expiry (circuit state).
 * - `alert_incidents`: one row per incident; the partial unique index allows one open
 *   (pending or firing) incident per rule and subject, whichever process inserts first.
 * - `alert_notifications`: the outbox of messages about incidents, leased by the process
 *   that sends them.
 * - `inventory_items`: the structure of each connected account (`pipewright inventory`).
 * @module
 */
export const name = '0007-observe'

export const statements: readonly string[] = [
  `CREATE TABLE metric_samples (
    series TEXT NOT NULL,
    labels TEXT NOT NULL,
    minute INTEGER NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (series, labels, minute)
  ) WITHOUT ROWID`,
  'CREATE INDEX metric_samples_by_minute ON metric_samples (minute)',
  `CREATE TABLE metric_gauges (
    series TEXT NOT NULL,
    labels TEXT NOT NULL,
    source TEXT NOT NULL,
    value REAL NOT NULL,
    updated_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (series, labels, source)
  ) WITHOUT ROWID`,
  `CREATE TABLE alert_incidents (
    id TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    subject TEXT NOT NULL,
    severity TEXT NOT NULL,
    level INTEGER NOT NULL,
    status TEXT NOT NULL,
    summary TEXT NOT NULL,
    value REAL,
    details TEXT,
    channels TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    fired_at INTEGER,
    last_true_at INTEGER NOT NULL,
    resolved_at INTEGER,
    updated_at INTEGER NOT NULL
  )`,
  `CREATE UNIQUE INDEX alert_incidents_open ON alert_incidents (rule, subject) WHERE status <> 'resolved'`,
  'CREATE INDEX alert_incidents_by_start ON alert_incidents (started_at DESC, id DESC)',
  `CREATE TABLE alert_notifications (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    batch TEXT,
    due_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    lease_owner TEXT,
    lease_expires_at INTEGER,
    message TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
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
    details TEXT,
    read_at INTEGER NOT NULL,
    PRIMARY KEY (connection, path)
  ) WITHOUT ROWID`,
  'CREATE INDEX inventory_items_by_service ON inventory_items (service)',
]
