/**
 * `circuit-open`: a connection's circuit is open in any process (it stopped calling a
 * provider that kept failing). Read from the gauges every process publishes to the store;
 * resolves once every process reports it closed again.
 * @module
 */
import { z } from 'zod'
import { parseLabels } from '../../labels.js'
import { SERIES } from '../../series-recorder.js'
import type { RuleFamily } from '../contract.js'
import { connectionInScope } from './common.js'

const params = z.strictObject({})

export const circuitOpen: RuleFamily<z.infer<typeof params>> = {
  kind: 'circuit-open',
  title: 'Open circuits per connection',
  defaultSeverity: 'critical',
  params,
  describe: () => 'a connection’s circuit is open (calls to the provider are stopped)',
  async evaluate(rule, ctx) {
    const open = new Map<string, string[]>()
    for (const g of await ctx.store.series.listGauges([SERIES.circuit], ctx.now)) {
      if (g.value < 2) continue
      const l = parseLabels(g.labels)
      const key = `${l.connector}:${l.connection}`
      if (!connectionInScope(rule.scope, key)) continue
      open.set(key, [...(open.get(key) ?? []), g.source])
    }
    return [...open].map(([connection, sources]) => ({
      subject: connection,
      value: 2,
      summary: `${connection}: circuit open in ${sources.length} process${sources.length === 1 ? '' : 'es'}; calls wait until a probe succeeds`,
      details: { connection, processes: sources },
    }))
  },
  promql: () => [
    {
      expr: 'max by (connector, connection) (pipewright_circuit_state) == 2',
      summary: '{{ $labels.connector }}:{{ $labels.connection }}: circuit open',
    },
  ],
}
