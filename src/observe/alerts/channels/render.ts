/**
 * How an alert message reads, shared by the channels: a title line, the summary, and for a
 * resolution how long the incident lasted. Plain text; channels add their own markup.
 * @module
 */
import type { AlertMessage } from '../contract.js'

const WORD = { firing: 'FIRING', escalated: 'ESCALATED', resolved: 'RESOLVED', test: 'TEST' } as const

/** `[FIRING] critical · run-failure-rate · clay-to-hubspot` */
export function titleOf(m: AlertMessage): string {
  return `[${WORD[m.kind]}] ${m.severity} · ${m.rule} · ${m.subject}`
}

/** `23m`, `2h 5m`, `3d 4h` */
export function lasted(ms: number): string {
  const m = Math.max(0, Math.round(ms / 60_000))
  if (m < 60) return `${m}m`
  const h = Math.floor(m / 60)
  if (h < 48) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`
  const d = Math.floor(h / 24)
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`
}

export function bodyOf(m: AlertMessage): string {
  const since = m.firedAt ?? m.startedAt
  if (m.kind === 'resolved') return `Resolved after ${lasted((m.resolvedAt ?? since) - since)}. Last reading: ${m.summary}`
  if (m.kind === 'escalated') return `Now at level ${m.level}. ${m.summary}`
  return m.summary
}

export function iso(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z')
}

/** Plain-text lines for one message (e-mail bodies, logs). */
export function textOf(m: AlertMessage): string {
  return `${titleOf(m)}\n${bodyOf(m)}\nincident ${m.incidentId}, started ${iso(m.startedAt)}${m.resolvedAt ? `, resolved ${iso(m.resolvedAt)}` : ''}`
}
