/**
 * Postgres migration 0008: consent (same logical schema as SQLite's 0008). `rank` is the
 * state's precedence for the conditional upsert; `consent_history` keeps every change offered.
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
    at BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    evidence JSONB,
    PRIMARY KEY (scope, subject)
  )`,
  'CREATE INDEX consent_by_state ON consent (scope, state, subject)',
  'CREATE INDEX consent_by_change ON consent (scope, at)',
  `CREATE TABLE consent_history (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    state TEXT NOT NULL,
    source TEXT NOT NULL,
    at BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    evidence JSONB,
    applied BOOLEAN NOT NULL
  )`,
  'CREATE INDEX consent_history_by_subject ON consent_history (scope, subject, seq)',
]
