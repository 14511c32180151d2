/**
 * Reading the store's series (series-recorder.ts): totals over a window grouped by labels,
 * per-minute rows for charts, and quantiles from histogram buckets.
 * @module
 */
import type { Store } from '../store/contract.js'
import { type Labels, parseLabels } from './labels.js'

/** Totals of one series over `[since, until)`, grouped by the label values `by` picks. */
export async function sumSeries(
  store: Store,
  series: string,
  since: number,
  by: (labels: Labels) => string | null,
  until?: number,
): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const s of await store.series.listSamples({ series: [series], since, ...(until === undefined ? {} : { until }) })) {
    const key = by(parseLabels(s.labels))
    if (key !== null) out.set(key, (out.get(key) ?? 0) + s.value)
  }
  return out
}

/**
 * The `q` quantile (0..1) of a histogram given as counts per upper bound (non-cumulative,
 * `+Inf` allowed), interpolating linearly inside the bucket as Prometheus'
 * `histogram_quantile` does. Null without observations.
 */
export function histogramQuantile(q: number, counts: ReadonlyMap<string, number>): number | null {
  const buckets = [...counts.entries()]
    .map(([le, n]) => ({ le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), n }))
    .sort((a, b) => a.le - b.le)
  const total = buckets.reduce((s, b) => s + b.n, 0)
  if (total === 0) return null
  const rank = q * total
  let below = 0
  let lower = 0
  for (const b of buckets) {
    if (below + b.n >= rank) {
      // The top bucket has no upper bound: answer its lower bound, as Prometheus does.
      if (b.le === Number.POSITIVE_INFINITY) return lower
      return lower + (b.le - lower) * ((rank - below) / b.n)
    }
    below += b.n
    lower = b.le
  }
  return lower
}
