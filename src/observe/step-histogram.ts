/**
 * `pipewright_step_duration_seconds`: every step of every run is one observation, so it is
 * counted in plain arrays per (pipeline, kind, status), found through maps keyed by the label
 * values, and written out in prom-client's histogram format only when the registry is read.
 * prom-client's own `Histogram.observe` validates and hashes the label object on every call.
 * The exposition is the same as prom-client's histogram (a test compares the two).
 * @module
 */
import type { Registry } from 'prom-client'

interface Cell {
  labels: Record<string, string>
  /** Observations per bucket (not cumulative); the last one counts those above every bound. */
  counts: number[]
  sum: number
  count: number
}

interface Sample {
  value: number
  labels: Record<string, string | number>
  sharedLabels?: Record<string, string>
  metricName: string
}

export interface StepHistogram {
  observe(pipeline: string, kind: string, status: string, seconds: number): void
}

export function registerStepHistogram(registry: Registry, o: { name: string; help: string; buckets: readonly number[] }): StepHistogram {
  const bounds = [...o.buckets]
  let cells = new Map<string, Map<string, Map<string, Cell>>>()
  const cellOf = (pipeline: string, kind: string, status: string): Cell => {
    let byKind = cells.get(pipeline)
    if (byKind === undefined) {
      byKind = new Map()
      cells.set(pipeline, byKind)
    }
    let byStatus = byKind.get(kind)
    if (byStatus === undefined) {
      byStatus = new Map()
      byKind.set(kind, byStatus)
    }
    let cell = byStatus.get(status)
    if (cell === undefined) {
      cell = { labels: { pipeline, kind, status }, counts: new Array(bounds.length + 1).fill(0), sum: 0, count: 0 }
      byStatus.set(status, cell)
    }
    return cell
  }
  /** Values as prom-client's histogram gives them for the text format: `le` apart from the cell's labels. */
  const samples = (): Sample[] => {
    const out: Sample[] = []
    for (const byKind of cells.values())
      for (const byStatus of byKind.values())
        for (const c of byStatus.values()) {
          let acc = 0
          for (let i = 0; i < bounds.length; i++) {
            acc += c.counts[i]!
            out.push({ value: acc, labels: { le: bounds[i]! }, sharedLabels: c.labels, metricName: `${o.name}_bucket` })
          }
          out.push({ value: c.count, labels: { le: '+Inf' }, sharedLabels: c.labels, metricName: `${o.name}_bucket` })
          out.push({ value: c.sum, labels: {}, sharedLabels: c.labels, metricName: `${o.name}_sum` })
          out.push({ value: c.count, labels: {}, sharedLabels: c.labels, metricName: `${o.name}_count` })
        }
    return out
  }
  const base = { name: o.name, help: o.help, type: 'histogram', aggregator: 'sum' } as const
  registry.registerMetric({
    ...base,
    getForPromString: async () => ({ ...base, values: samples() }),
    // The JSON form (and cluster aggregation) has every label in `labels`, as prom-client's.
    get: async () => ({
      ...base,
      values: samples().map(({ sharedLabels, ...s }) => ({ ...s, labels: { ...s.labels, ...sharedLabels } })),
    }),
    reset: () => {
      cells = new Map()
    },
  } as never)
  return {
    observe(pipeline, kind, status, seconds) {
      const c = cellOf(pipeline, kind, status)
      let i = 0
      while (i < bounds.length && seconds > bounds[i]!) i++
      c.counts[i]!++
      c.sum += seconds
      c.count++
    },
  }
}
