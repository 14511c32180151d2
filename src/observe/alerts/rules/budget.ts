/**
 * `budget`: a connection's budget crossing its levels in the current period (default 70, 85,
 * 95 and 100 %; 95 and above are critical). One incident per budget and period that
 * escalates at each higher level — one message per level — and resolves when a new period
 * starts below the first level.
 * @module
 */
import { z } from 'zod'
import type { RuleFamily } from '../contract.js'
import { connectionInScope, splitConnection } from './common.js'

const params = z
  .strictObject({
    /** Percentages of the budget that alert, ascending. */
    levels: z.array(z.number().gt(0).max(100)).min(1).default([70, 85, 95, 100]),
    /** Levels at or above this are critical; below, warnings. */
    criticalFrom: z.number().gt(0).max(100).default(95),
  })
  .refine((p) => p.levels.every((l, i) => i === 0 || l > p.levels[i - 1]!), {
    message: 'levels must be ascending percentages, e.g. [70, 85, 95, 100]',
    path: ['levels'],
  })

export const budget: RuleFamily<z.infer<typeof params>> = {
  kind: 'budget',
  title: 'Budget use per connection and period',
  defaultSeverity: 'warning',
  params,
  describe: (p) => `budget use at ${p.levels.join('/')} % of the period’s allowance (critical from ${p.criticalFrom} %)`,
  async evaluate(rule, ctx) {
    const rows = (await ctx.usage?.()) ?? []
    const out = []
    for (const r of rows) {
      if (!connectionInScope(rule.scope, r.connection) || r.limit <= 0) continue
      const pct = (r.used / r.limit) * 100
      const level = [...rule.params.levels].reverse().find((l) => pct >= l)
      if (level === undefined) continue
      out.push({
        subject: `${r.connection}/${r.budget}@${r.period}`,
        value: r.used / r.limit,
        level,
        severity: level >= rule.params.criticalFrom ? ('critical' as const) : ('warning' as const),
        summary: `${r.connection} budget ${r.budget}: ${r.used.toLocaleString('en-US')} of ${r.limit.toLocaleString('en-US')} used (${Math.floor(pct)} %, level ${level} %) in ${r.period}`,
        details: { ...splitConnection(r.connection), budget: r.budget, period: r.period, used: r.used, limit: r.limit },
      })
    }
    return out
  },
  promql: (rule) =>
    rule.params.levels.map((level) => ({
      expr: `pipewright_budget_used_ratio >= ${level / 100}`,
      suffix: String(level),
      severity: level >= rule.params.criticalFrom ? 'critical' : 'warning',
      summary: `{{ $labels.connector }}:{{ $labels.connection }} budget {{ $labels.budget }} at {{ $value | humanizePercentage }} (level ${level} %)`,
    })),
}
