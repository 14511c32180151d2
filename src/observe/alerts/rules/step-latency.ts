/**
 * `step-latency-p95`: the 95th percentile of step latency per pipeline over a window
 * (default: above 2 s over 15 minutes, from at least 20 steps), from the store's histogram.
 * @module
 */
import { z } from 'zod'
import { histogramQuantile, sumSeries } from '../../series-query.js'
import { MINUTE_MS, SERIES } from '../../series-recorder.js'
import type { RuleFamily } from '../contract.js'
import { count, duration, formatDuration, pipelineInScope, promScope } from './common.js'

const params = z.strictObject({
  /** Latency the quantile must stay under. */
  threshold: duration.default(2000),
  quantile: z.number().gt(0).lt(1).default(0.95),
  window: duration.default(15 * MINUTE_MS),
  /** Fewer steps than this in the window never fire. */
  minSteps: count.default(20),
})

export const stepLatency: RuleFamily<z.infer<typeof params>> = {
  kind: 'step-latency-p95',
  title: 'Step latency (p95) per pipeline',
  defaultSeverity: 'warning',
  params,
  describe: (p) =>
    `p${Math.round(p.quantile * 100)} step latency > ${formatDuration(p.threshold)} over ${formatDuration(p.window)} (at least ${p.minSteps} steps)`,
  async evaluate(rule, ctx) {
    const { threshold, quantile, window, minSteps } = rule.params
    const totals = await sumSeries(ctx.store, SERIES.stepBuckets, ctx.now - window, (l) =>
      pipelineInScope(rule.scope, l.pipeline ?? '') ? `${l.pipeline}\n${l.le}` : null,
    )
    const byPipeline = new Map<string, Map<string, number>>()
    for (const [key, n] of totals) {
      const [pipeline = '', le = '+Inf'] = key.split('\n')
      const m = byPipeline.get(pipeline) ?? new Map<string, number>()
      m.set(le, (m.get(le) ?? 0) + n)
      byPipeline.set(pipeline, m)
    }
    const q = `p${Math.round(quantile * 100)}`
    const out = []
    for (const [pipeline, buckets] of byPipeline) {
      const steps = [...buckets.values()].reduce((a, b) => a + b, 0)
      const seconds = histogramQuantile(quantile, buckets)
      if (seconds === null || steps < minSteps || seconds * 1000 <= threshold) continue
      out.push({
        subject: pipeline,
        value: seconds,
        summary: `${pipeline}: ${q} step latency ${seconds.toFixed(2)} s over the last ${formatDuration(window)} (${steps} steps, threshold ${threshold / 1000} s)`,
        details: { pipeline, steps, seconds },
      })
    }
    return out
  },
  promql(rule) {
    const { threshold, quantile, window } = rule.params
    const scope = promScope('pipeline', rule.scope.pipelines)
    return [
      {
        expr: `histogram_quantile(${quantile}, sum by (pipeline, le) (rate(pipewright_step_duration_seconds_bucket{${scope}}[${formatDuration(window)}]))) > ${threshold / 1000}`,
        summary: `{{ $labels.pipeline }}: p${Math.round(quantile * 100)} step latency {{ $value | humanizeDuration }}`,
      },
    ]
  },
}
