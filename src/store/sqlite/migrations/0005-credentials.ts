/**
 * SQLite migration 0005: the credential store (docs/credentials.md). Secrets are AES-256-GCM
 * ciphertext (`ciphertext`), never plain text; `key_id` is the fingerprint of the key used.
 * @module
 */
export const name = '0005-credentials'

export const statements: readonly string[] = [
  `CREATE TABLE credentials (
    name TEXT PRIMARY KEY,
    service TEXT,
    ciphertext TEXT NOT NULL,
    key_id TEXT NOT NULL,
    owner TEXT,
    scopes TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    rotated_at INTEGER NOT NULL,
    rotate_by INTEGER,
    expires_at INTEGER
  ) WITHOUT ROWID`,
]
