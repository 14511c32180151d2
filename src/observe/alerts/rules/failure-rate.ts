/**
 * `run-failure-rate`: the share of runs that ended dead among the runs that ended, per
 * pipeline, over a window (default: more than 5 % over 15 minutes, with at least 10 runs so
 * one failure out of two is not an incident).
 * @module
 */
import { z } from 'zod'
import { sumSeries } from '../../series-query.js'
import { MINUTE_MS, SERIES } from '../../series-recorder.js'
import type { RuleFamily } from '../contract.js'
import { count, duration, formatDuration, formatPercent, matchers, pipelineInScope, promScope, ratio } from './common.js'

const params = z.strictObject({
  /** Share of ended runs that died. */
  threshold: ratio.default(0.05),
  window: duration.default(15 * MINUTE_MS),
  /** Fewer ended runs than this in the window never fire. */
  minRuns: count.default(10),
})

export const failureRate: RuleFamily<z.infer<typeof params>> = {
  kind: 'run-failure-rate',
  title: 'Run failure rate per pipeline',
  defaultSeverity: 'critical',
  params,
  describe: (p) => `run failure rate > ${formatPercent(p.threshold)} over ${formatDuration(p.window)} (at least ${p.minRuns} runs)`,
  async evaluate(rule, ctx) {
    const { threshold, window, minRuns } = rule.params
    const totals = await sumSeries(ctx.store, SERIES.runs, ctx.now - window, (l) =>
      pipelineInScope(rule.scope, l.pipeline ?? '') ? `${l.pipeline}\n${l.status}` : null,
    )
    const byPipeline = new Map<string, { dead: number; ended: number }>()
    for (const [key, n] of totals) {
      const [pipeline = '', status] = key.split('\n')
      const t = byPipeline.get(pipeline) ?? { dead: 0, ended: 0 }
      t.ended += n
      if (status === 'dead') t.dead += n
      byPipeline.set(pipeline, t)
    }
    return [...byPipeline]
      .filter(([, t]) => t.ended >= minRuns && t.dead / t.ended > threshold)
      .map(([pipeline, t]) => ({
        subject: pipeline,
        value: t.dead / t.ended,
        summary: `${pipeline}: ${t.dead} of ${t.ended} runs failed in the last ${formatDuration(window)} (${formatPercent(t.dead / t.ended)}, threshold ${formatPercent(threshold)})`,
        details: { pipeline, dead: t.dead, ended: t.ended },
      }))
  },
  promql(rule) {
    const { threshold, window, minRuns } = rule.params
    const w = formatDuration(window)
    const scope = promScope('pipeline', rule.scope.pipelines)
    const ended = `sum by (pipeline) (increase(pipewright_runs_total{${scope}}[${w}]))`
    const dead = `sum by (pipeline) (increase(pipewright_runs_total{${matchers(scope, 'status="dead"')}}[${w}]))`
    return [
      {
        expr: `(${dead} / ${ended}) > ${threshold} and ${ended} >= ${minRuns}`,
        summary: `{{ $labels.pipeline }}: {{ $value | humanizePercentage }} of runs failed over ${w}`,
      },
    ]
  },
}
