/**
 * The audit and pause operations, once for both dialects (see ../observe/sql.ts).
 * @module
 */
import { exec, type Op } from '../observe/sql.js'
import type { AuditEntry, AuditEntryInput, AuditFilter, PauseKind, PauseRow } from './contract.js'

const AUDIT = 'id, at, actor, action, target, details'

function toEntry(r: Record<string, unknown>): AuditEntry {
  return {
    id: Number(r.id),
    at: Number(r.at),
    actor: String(r.actor),
    action: String(r.action),
    target: String(r.target),
    details: r.details === null || r.details === undefined ? null : (JSON.parse(String(r.details)) as Record<string, unknown>),
  }
}

export function* append(e: AuditEntryInput): Op<AuditEntry> {
  const r = yield* exec(
    `INSERT INTO audit_log (at, actor, action, target, details) VALUES (?, ?, ?, ?, ?) RETURNING ${AUDIT}`,
    e.at,
    e.actor,
    e.action,
    e.target,
    e.details ? JSON.stringify(e.details) : null,
  )
  return toEntry(r.rows[0])
}

export function* list(f: AuditFilter = {}): Op<AuditEntry[]> {
  const where: string[] = []
  const params: unknown[] = []
  if (f.action !== undefined) {
    where.push('action = ?')
    params.push(f.action)
  }
  if (f.actor !== undefined) {
    where.push('actor = ?')
    params.push(f.actor)
  }
  if (f.target !== undefined) {
    // Prefix match without LIKE wildcards in the user's text.
    where.push('substr(target, 1, ?) = ?')
    params.push(f.target.length, f.target)
  }
  if (f.since !== undefined) {
    where.push('at >= ?')
    params.push(f.since)
  }
  if (f.before !== undefined) {
    where.push('id < ?')
    params.push(f.before)
  }
  const limit = Math.min(Math.max(1, Math.floor(f.limit ?? 100)), 1000)
  const r = yield* exec(
    `SELECT ${AUDIT} FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`,
    ...params,
  )
  return r.rows.map(toEntry)
}

const PAUSE = 'kind, id, paused_at, paused_by, reason'

function toPause(r: Record<string, unknown>): PauseRow {
  return {
    kind: String(r.kind) as PauseKind,
    id: String(r.id),
    pausedAt: Number(r.paused_at),
    pausedBy: String(r.paused_by),
    reason: (r.reason as string | null) ?? null,
  }
}

export function* pause(p: PauseRow): Op<boolean> {
  const r = yield* exec(
    `INSERT INTO paused (${PAUSE}) VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, id) DO NOTHING`,
    p.kind,
    p.id,
    p.pausedAt,
    p.pausedBy,
    p.reason,
  )
  return r.changes > 0
}

export function* resume(kind: PauseKind, id: string): Op<boolean> {
  const r = yield* exec('DELETE FROM paused WHERE kind = ? AND id = ?', kind, id)
  return r.changes > 0
}

export function* listPauses(kind?: PauseKind): Op<PauseRow[]> {
  const r =
    kind === undefined
      ? yield* exec(`SELECT ${PAUSE} FROM paused ORDER BY kind, id`)
      : yield* exec(`SELECT ${PAUSE} FROM paused WHERE kind = ? ORDER BY id`, kind)
  return r.rows.map(toPause)
}

export function* getPause(kind: PauseKind, id: string): Op<PauseRow | null> {
  const r = yield* exec(`SELECT ${PAUSE} FROM paused WHERE kind = ? AND id = ?`, kind, id)
  return r.rows[0] ? toPause(r.rows[0]) : null
}
