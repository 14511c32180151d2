/**
 * `dead-letters`: runs that stopped for good are piling up — new unresolved dead letters per
 * pipeline within a window (default: any in 15 minutes). Resolves once a window passes with
 * none (replayed or discarded ones no longer count).
 * @module
 */
import { z } from 'zod'
import { MINUTE_MS } from '../../series-recorder.js'
import type { RuleFamily } from '../contract.js'
import { count, duration, formatDuration, pipelineInScope, promScope } from './common.js'

const params = z.strictObject({ threshold: count.min(1).default(1), window: duration.default(15 * MINUTE_MS) })

/** Dead letters read per evaluation; more in one window is reported as "at least". */
const READ_LIMIT = 5000

export const deadLetters: RuleFamily<z.infer<typeof params>> = {
  kind: 'dead-letters',
  title: 'New dead letters per pipeline',
  defaultSeverity: 'warning',
  params,
  describe: (p) => `${p.threshold === 1 ? 'any' : `${p.threshold} or more`} new dead letters in ${formatDuration(p.window)}`,
  async evaluate(rule, ctx) {
    const { threshold, window } = rule.params
    const letters = await ctx.store.listDeadLetters({ since: ctx.now - window, limit: READ_LIMIT })
    const byPipeline = new Map<string, { n: number; reasons: Record<string, number> }>()
    for (const d of letters) {
      if (!pipelineInScope(rule.scope, d.pipelineId)) continue
      const t = byPipeline.get(d.pipelineId) ?? { n: 0, reasons: {} }
      t.n++
      t.reasons[d.reason] = (t.reasons[d.reason] ?? 0) + 1
      byPipeline.set(d.pipelineId, t)
    }
    return [...byPipeline]
      .filter(([, t]) => t.n >= threshold)
      .map(([pipeline, t]) => ({
        subject: pipeline,
        value: t.n,
        summary: `${pipeline}: ${letters.length >= READ_LIMIT ? 'at least ' : ''}${t.n} new dead letter${t.n === 1 ? '' : 's'} in the last ${formatDuration(window)} (${Object.entries(
          t.reasons,
        )
          .map(([r, n]) => `${n} ${r}`)
          .join(', ')}); see pipewright dlq list --pipeline ${pipeline}`,
        details: { pipeline, count: t.n, reasons: t.reasons },
      }))
  },
  promql(rule) {
    const scope = promScope('pipeline', rule.scope.pipelines)
    return [
      {
        expr: `sum by (pipeline) (increase(pipewright_runs_total{${scope ? `${scope},` : ''}status="dead"}[${formatDuration(rule.params.window)}])) >= ${rule.params.threshold}`,
        summary: '{{ $labels.pipeline }}: {{ $value }} new dead letters',
      },
    ]
  },
}
