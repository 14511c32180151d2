/**
 * SQLite migration 0008: consent (docs/consent.md). `consent` holds the current state of each
 * (scope, subject) — the subject is the lower-cased e-mail address — and `rank` is the state's
 * precedence, so one conditional upsert decides "later wins, opt-out wins a tie".
 * `consent_history` keeps every change offered, applied or not (proof of consent, audits).
 * @module
 */
export const name = '0008-consent'

export const statements: readonly string[] = [
  `CREATE TABLE consent (
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    state TEXT NOT NULL,
    rank INTEGER NOT NULL,
    source TEXT NOT NULL,
    at INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    evidence TEXT,
    PRIMARY KEY (scope, subject)
  ) WITHOUT ROWID`,
  'CREATE INDEX consent_by_state ON consent (scope, state, subject)',
  'CREATE INDEX consent_by_change ON consent (scope, at)',
  `CREATE TABLE consent_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    state TEXT NOT NULL,
    source TEXT NOT NULL,
    at INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    evidence TEXT,
    applied INTEGER NOT NULL
  )`,
  'CREATE INDEX consent_history_by_subject ON consent_history (scope, subject, seq)',
]
