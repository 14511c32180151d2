/**
 * `provider-429`: requests a provider refused as rate limited, per connection, over a window
 * (default: more than 10 in an hour). Our own pacing waits are not counted: they are
 * Pipewright keeping under the limit, not the provider refusing.
 * @module
 */
import { z } from 'zod'
import { sumSeries } from '../../series-query.js'
import { MINUTE_MS, SERIES } from '../../series-recorder.js'
import type { RuleFamily } from '../contract.js'
import { connectionInScope, count, duration, formatDuration } from './common.js'

const params = z.strictObject({ threshold: count.default(10), window: duration.default(60 * MINUTE_MS) })

export const provider429: RuleFamily<z.infer<typeof params>> = {
  kind: 'provider-429',
  title: 'Provider rate-limit refusals (429) per connection',
  defaultSeverity: 'warning',
  params,
  describe: (p) => `more than ${p.threshold} provider 429s per connection in ${formatDuration(p.window)}`,
  async evaluate(rule, ctx) {
    const { threshold, window } = rule.params
    const totals = await sumSeries(ctx.store, SERIES.provider429, ctx.now - window, (l) => {
      const key = `${l.connector}:${l.connection}`
      return connectionInScope(rule.scope, key) ? key : null
    })
    return [...totals]
      .filter(([, n]) => n > threshold)
      .map(([connection, n]) => ({
        subject: connection,
        value: n,
        summary: `${connection}: the provider refused ${n} requests as rate limited in the last ${formatDuration(window)} (threshold ${threshold}); check the connection's plan limits`,
        details: { connection, refusals: n },
      }))
  },
  promql(rule) {
    const { threshold, window } = rule.params
    return [
      {
        expr: `sum by (connector, connection) (increase(pipewright_provider_rate_limited_total[${formatDuration(window)}])) > ${threshold}`,
        summary: '{{ $labels.connector }}:{{ $labels.connection }}: {{ $value }} provider 429s',
      },
    ]
  },
}
