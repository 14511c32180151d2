/**
 * The dashboard's time series, from the store's per-minute totals (the whole cluster's): runs
 * ended per minute by status, p95 step latency per minute (from the histogram buckets), and
 * provider 429s (with our own pacing waits, kept apart) per connection — over a window that
 * ends now (24 hours by default). `GET /api/v1/charts` serves it.
 * @module
 */
import type { Store } from '../store/contract.js'
import { parseLabels } from './labels.js'
import { histogramQuantile } from './series-query.js'
import { MINUTE_MS, SERIES } from './series-recorder.js'

export interface ChartData {
  /** Start of the first minute and the minute after the last (epoch ms). */
  from: number
  to: number
  /** Start of each minute, ascending; every series below has one value per minute. */
  times: number[]
  /** Runs that ended in each minute, per status (`succeeded`, `dead`, `filtered`). */
  runs: Record<string, number[]>
  /** p95 step latency in seconds per minute; null in minutes without a step. */
  stepP95: Array<number | null>
  /** Provider 429s per minute, per connection (`hubspot:main`). */
  provider429: Record<string, number[]>
  /** Our own pacing waits per minute (calls the rate limiter held back), per connection. */
  pacingWaits: Record<string, number[]>
}

export async function chartData(
  store: Store,
  options: { now: number; hours?: number; pipeline?: string; connection?: string },
): Promise<ChartData> {
  const minutes = Math.round((options.hours ?? 24) * 60)
  const to = options.now - (options.now % MINUTE_MS) + MINUTE_MS
  const from = to - minutes * MINUTE_MS
  const times = Array.from({ length: minutes }, (_, i) => from + i * MINUTE_MS)
  const slot = (minute: number) => Math.floor((minute - from) / MINUTE_MS)
  const zeros = () => new Array<number>(minutes).fill(0)
  const samples = await store.series.listSamples({
    series: [SERIES.runs, SERIES.stepBuckets, SERIES.provider429, SERIES.pacingWaits],
    since: from,
    until: to,
  })
  const runs: Record<string, number[]> = { succeeded: zeros(), dead: zeros(), filtered: zeros() }
  const buckets: Array<Map<string, number> | undefined> = new Array(minutes)
  const provider429: Record<string, number[]> = {}
  const pacingWaits: Record<string, number[]> = {}
  for (const s of samples) {
    const i = slot(s.minute)
    if (i < 0 || i >= minutes) continue
    const l = parseLabels(s.labels)
    if (s.series === SERIES.runs || s.series === SERIES.stepBuckets) {
      if (options.pipeline && l.pipeline !== options.pipeline) continue
      if (s.series === SERIES.runs) {
        const status = l.status ?? 'other'
        runs[status] ??= zeros()
        runs[status]![i]! += s.value
      } else {
        const m = buckets[i] ?? new Map<string, number>()
        buckets[i] = m
        m.set(l.le ?? '+Inf', (m.get(l.le ?? '+Inf') ?? 0) + s.value)
      }
    } else {
      const key = `${l.connector}:${l.connection}`
      if (options.connection && key !== options.connection) continue
      const target = s.series === SERIES.provider429 ? provider429 : pacingWaits
      target[key] ??= zeros()
      target[key]![i]! += s.value
    }
  }
  const stepP95 = buckets.map((m) => (m ? round(histogramQuantile(0.95, m)) : null))
  for (let i = 0; i < minutes; i++) if (stepP95[i] === undefined) stepP95[i] = null
  return { from, to, times, runs, stepP95, provider429, pacingWaits }
}

function round(v: number | null): number | null {
  return v === null ? null : Math.round(v * 1000) / 1000
}
