/**
 * Per-minute totals and published gauges, as dialect-neutral operations (see sql.ts).
 * Adding to a total is one upsert, so processes flushing at once simply add up.
 * @module
 */
import type { GaugeRow, GaugeSample, MetricSample } from './contract.js'
import { exec, type Op, placeholders } from './sql.js'

export function* addSamples(samples: readonly MetricSample[]): Op<void> {
  for (const s of samples) {
    if (s.value === 0) continue
    yield* exec(
      `INSERT INTO metric_samples (series, labels, minute, value) VALUES (?, ?, ?, ?)
       ON CONFLICT (series, labels, minute) DO UPDATE SET value = metric_samples.value + excluded.value`,
      s.series,
      s.labels,
      s.minute,
      s.value,
    )
  }
}

export function* listSamples(q: { series: readonly string[]; since: number; until?: number }): Op<MetricSample[]> {
  if (q.series.length === 0) return []
  const r = yield* exec(
    `SELECT series, labels, minute, value FROM metric_samples
     WHERE series IN ${placeholders(q.series.length)} AND minute >= ? AND minute < ?
     ORDER BY minute, series, labels`,
    ...q.series,
    q.since,
    q.until ?? Number.MAX_SAFE_INTEGER,
  )
  return r.rows.map((x) => ({ series: String(x.series), labels: String(x.labels), minute: Number(x.minute), value: Number(x.value) }))
}

export function* setGauges(source: string, gauges: readonly GaugeSample[], now: number, ttlMs: number): Op<void> {
  for (const g of gauges) {
    yield* exec(
      `INSERT INTO metric_gauges (series, labels, source, value, updated_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (series, labels, source) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
         expires_at = excluded.expires_at`,
      g.series,
      g.labels,
      source,
      g.value,
      now,
      now + ttlMs,
    )
  }
}

export function* listGauges(series: readonly string[], now: number): Op<GaugeRow[]> {
  if (series.length === 0) return []
  const r = yield* exec(
    `SELECT series, labels, source, value, updated_at FROM metric_gauges
     WHERE series IN ${placeholders(series.length)} AND expires_at > ? ORDER BY series, labels, source`,
    ...series,
    now,
  )
  return r.rows.map((x) => ({
    series: String(x.series),
    labels: String(x.labels),
    source: String(x.source),
    value: Number(x.value),
    updatedAt: Number(x.updated_at),
  }))
}

export function* purge(before: number, now: number): Op<number> {
  const a = yield* exec('DELETE FROM metric_samples WHERE minute < ?', before)
  const b = yield* exec('DELETE FROM metric_gauges WHERE expires_at <= ?', now)
  return a.changes + b.changes
}
