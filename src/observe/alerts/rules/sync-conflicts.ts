/**
 * `sync-conflicts`: both sides of a sync changed the same field since it last wrote it,
 * per sync, within a window (default: any in an hour). Conflicts are resolved by the sync's
 * rules; the alert says someone should look at why both sides keep editing.
 * @module
 */
import { z } from 'zod'
import { MINUTE_MS } from '../../series-recorder.js'
import type { RuleFamily } from '../contract.js'
import { count, duration, formatDuration, inScope } from './common.js'

const params = z.strictObject({ threshold: count.min(1).default(1), window: duration.default(60 * MINUTE_MS) })

export const syncConflicts: RuleFamily<z.infer<typeof params>> = {
  kind: 'sync-conflicts',
  title: 'Sync conflicts per sync',
  defaultSeverity: 'warning',
  params,
  describe: (p) => `${p.threshold === 1 ? 'any' : `${p.threshold} or more`} sync conflicts in ${formatDuration(p.window)}`,
  async evaluate(rule, ctx) {
    const bySync = new Map<string, number>()
    for (const c of (await ctx.syncConflicts?.(ctx.now - rule.params.window)) ?? [])
      if (inScope(rule.scope.pipelines, c.sync)) bySync.set(c.sync, (bySync.get(c.sync) ?? 0) + 1)
    return [...bySync]
      .filter(([, n]) => n >= rule.params.threshold)
      .map(([sync, n]) => ({
        subject: sync,
        value: n,
        summary: `sync ${sync}: ${n} conflict${n === 1 ? '' : 's'} in the last ${formatDuration(rule.params.window)}; pipewright sync conflicts ${sync}`,
        details: { sync, conflicts: n },
      }))
  },
  promql: () => [],
}
