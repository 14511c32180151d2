/**
 * `credential-rotation`: a stored credential's rotate-by date is near (warning, default 14
 * days ahead) or past (critical). Reads the credential store's metadata, never a secret.
 * @module
 */
import { z } from 'zod'
import type { RuleFamily } from '../contract.js'
import { connectionInScope, duration, formatDuration } from './common.js'

const DAY = 86_400_000
const params = z.strictObject({ warnBefore: duration.default(14 * DAY) })

export const credentialRotation: RuleFamily<z.infer<typeof params>> = {
  kind: 'credential-rotation',
  title: 'Credentials due for rotation',
  defaultSeverity: 'warning',
  params,
  describe: (p) => `a credential’s rotate-by date is within ${formatDuration(p.warnBefore)} (critical once past)`,
  async evaluate(rule, ctx) {
    const out = []
    for (const c of (await ctx.credentials?.()) ?? []) {
      if (c.rotateBy === null || c.rotateBy - ctx.now > rule.params.warnBefore) continue
      if (c.connections.length > 0 && !c.connections.some((k) => connectionInScope(rule.scope, k))) continue
      const days = Math.ceil((c.rotateBy - ctx.now) / DAY)
      const past = c.rotateBy <= ctx.now
      const due = new Date(c.rotateBy).toISOString().slice(0, 10)
      out.push({
        subject: c.id,
        value: days,
        level: past ? 2 : 1,
        severity: past ? ('critical' as const) : ('warning' as const),
        summary: `credential ${c.id}${c.owner ? ` (owner ${c.owner})` : ''} ${past ? `was due for rotation on ${due}` : `is due for rotation on ${due}, in ${days} day${days === 1 ? '' : 's'}`}; pipewright credentials rotate ${c.id}`,
        details: { credential: c.id, rotateBy: due, owner: c.owner, connections: c.connections },
      })
    }
    return out
  },
  promql: () => [],
}
