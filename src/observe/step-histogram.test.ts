import { Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { STEP_BUCKETS } from './metrics.js'
import { registerStepHistogram } from './step-histogram.js'

describe('step histogram', () => {
  const name = 'pipewright_step_duration_seconds'
  const help = 'Step latency by pipeline, step kind and status'
  const observations: [string, string, string, number][] = [
    ['leads', 'map', 'succeeded', 0.0004],
    ['leads', 'map', 'succeeded', 0.001],
    ['leads', 'action', 'succeeded', 0.2],
    ['leads', 'action', 'failed', 31],
    ['orders', 'filter', 'filtered', 0.0099],
    ['leads', 'map', 'succeeded', 2.5],
    ['we"ird\\', 'code', 'succeeded', 0],
  ]

  it('writes exactly what prom-client’s Histogram writes for the same observations, as text and as JSON', async () => {
    const ours = new Registry()
    const h = registerStepHistogram(ours, { name, help, buckets: STEP_BUCKETS })
    const theirs = new Registry()
    const ref = new Histogram({ name, help, labelNames: ['pipeline', 'kind', 'status'], buckets: [...STEP_BUCKETS], registers: [theirs] })
    for (const [pipeline, kind, status, s] of observations) {
      h.observe(pipeline, kind, status, s)
      ref.observe({ pipeline, kind, status }, s)
    }
    expect(await ours.metrics()).toBe(await theirs.metrics())
    // The JSON form too, but for prom-client's exemplar fields (always empty here).
    const values = async (r: Registry) =>
      (await r.getMetricsAsJSON())[0]!.values.map((v) => ({
        labels: v.labels,
        value: v.value,
        metricName: (v as { metricName?: string }).metricName,
      }))
    expect(await values(ours)).toEqual(await values(theirs))
  })

  it('is empty again after the registry is reset', async () => {
    const registry = new Registry()
    const h = registerStepHistogram(registry, { name, help, buckets: STEP_BUCKETS })
    h.observe('leads', 'map', 'succeeded', 0.01)
    registry.resetMetrics()
    expect(await registry.metrics()).not.toContain(`${name}_count`)
  })
})
