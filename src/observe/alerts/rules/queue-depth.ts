/**
 * `queue-depth`: runs waiting to execute (default: more than 1,000). The larger of two
 * counts: runs the store says are due and not running (cluster-wide; what BullMQ workers
 * have not taken), and what the processes' dispatch queues hold as they last published it
 * (summed over in-process queues, one figure for the shared BullMQ queue) — the same number
 * as `pipewright_queue_depth`. Workers that keep up hold it near zero.
 * @module
 */
import { z } from 'zod'
import { parseLabels } from '../../labels.js'
import { SERIES } from '../../series-recorder.js'
import type { RuleFamily } from '../contract.js'
import { count } from './common.js'

const params = z.strictObject({ threshold: count.default(1000) })

/** Counting due runs reads their ids; stop counting here. */
const MAX_COUNTED = 100_000

export const queueDepth: RuleFamily<z.infer<typeof params>> = {
  kind: 'queue-depth',
  title: 'Runs waiting to execute',
  defaultSeverity: 'warning',
  params,
  describe: (p) => `more than ${p.threshold.toLocaleString('en-US')} runs waiting to execute`,
  async evaluate(rule, ctx) {
    const cap = Math.min(MAX_COUNTED, Math.max(rule.params.threshold * 10, rule.params.threshold + 1))
    const inStore = (await ctx.store.listDueRuns(ctx.now, cap)).length
    let memory = 0
    let shared = 0
    for (const g of await ctx.store.series.listGauges([SERIES.queueDepth], ctx.now)) {
      if (parseLabels(g.labels).dispatch === 'memory') memory += g.value
      else shared = Math.max(shared, g.value)
    }
    const due = Math.max(inStore, memory, shared)
    if (due <= rule.params.threshold) return []
    const oldest = (await ctx.store.listDueRuns(ctx.now, 1))[0]
    const waitedS = oldest ? Math.round((ctx.now - oldest.dueAt) / 1000) : 0
    return [
      {
        subject: 'cluster',
        value: due,
        summary: `${due >= cap ? 'at least ' : ''}${due.toLocaleString('en-US')} runs are waiting to execute (threshold ${rule.params.threshold.toLocaleString('en-US')}); the oldest has waited ${waitedS} s`,
        details: { due, dueInStore: inStore, inDispatch: Math.max(memory, shared), oldestWaitS: waitedS },
      },
    ]
  },
  promql: (rule) => [
    {
      expr: `((sum(pipewright_queue_depth{dispatch="memory"}) or vector(0)) + (max(pipewright_queue_depth{dispatch="bullmq"}) or vector(0))) > ${rule.params.threshold}`,
      summary: '{{ $value }} runs waiting in dispatch',
    },
  ],
}
