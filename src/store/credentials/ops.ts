/**
 * The credential operations, once for both dialects (see ../observe/sql.ts).
 * @module
 */
import { exec, type Op } from '../observe/sql.js'
import type { StoredCredentialRow } from './contract.js'

const COLUMNS = 'name, service, ciphertext, key_id, owner, scopes, created_at, rotated_at, rotate_by, expires_at'

function toRow(r: Record<string, unknown>): StoredCredentialRow {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v))
  return {
    name: String(r.name),
    service: (r.service as string | null) ?? null,
    ciphertext: String(r.ciphertext),
    keyId: String(r.key_id),
    owner: (r.owner as string | null) ?? null,
    scopes: JSON.parse(String(r.scopes ?? '[]')) as string[],
    createdAt: Number(r.created_at),
    rotatedAt: Number(r.rotated_at),
    rotateBy: num(r.rotate_by),
    expiresAt: num(r.expires_at),
  }
}

export function* put(row: StoredCredentialRow): Op<void> {
  yield* exec(
    `INSERT INTO credentials (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET service = excluded.service, ciphertext = excluded.ciphertext,
       key_id = excluded.key_id, owner = excluded.owner, scopes = excluded.scopes, created_at = excluded.created_at,
       rotated_at = excluded.rotated_at, rotate_by = excluded.rotate_by, expires_at = excluded.expires_at`,
    row.name,
    row.service,
    row.ciphertext,
    row.keyId,
    row.owner,
    JSON.stringify(row.scopes),
    row.createdAt,
    row.rotatedAt,
    row.rotateBy,
    row.expiresAt,
  )
}

export function* get(name: string): Op<StoredCredentialRow | null> {
  const r = yield* exec(`SELECT ${COLUMNS} FROM credentials WHERE name = ?`, name)
  return r.rows[0] ? toRow(r.rows[0]) : null
}

export function* list(): Op<StoredCredentialRow[]> {
  const r = yield* exec(`SELECT ${COLUMNS} FROM credentials ORDER BY name`)
  return r.rows.map(toRow)
}

export function* remove(name: string): Op<boolean> {
  const r = yield* exec('DELETE FROM credentials WHERE name = ?', name)
  return r.changes > 0
}

export function* count(): Op<number> {
  const r = yield* exec('SELECT COUNT(*) AS n FROM credentials')
  return Number(r.rows[0]?.n ?? 0)
}

export function* rewrap(rows: Array<{ name: string; ciphertext: string; keyId: string }>): Op<void> {
  for (const row of rows) {
    const r = yield* exec('UPDATE credentials SET ciphertext = ?, key_id = ? WHERE name = ?', row.ciphertext, row.keyId, row.name)
    if (r.changes !== 1) throw new Error(`credential "${row.name}" disappeared during key rotation; nothing was changed`)
  }
}
