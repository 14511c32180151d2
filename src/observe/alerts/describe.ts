/**
 * The rules and channels in force, as `alerts list`, `/api/v1/alerts` and `pipewright docs`
 * show them: no channel secrets, durations as written.
 * @module
 */
import type { Alerting } from './alerting.js'
import type { AlertsConfig } from './config.js'
import type { AlertChannel } from './contract.js'
import { formatDuration } from './rules/common.js'

export interface RuleRow {
  id: string
  kind: string
  enabled: boolean
  severity: string
  description: string
  for: string
  cooldown: string
  channels: string[] | 'by severity'
  scope: string
}

export function ruleRows(config: AlertsConfig): RuleRow[] {
  return config.rules.map((r) => ({
    id: r.id,
    kind: r.kind,
    enabled: r.enabled,
    severity: r.severity,
    description: r.description,
    for: formatDuration(r.forMs),
    cooldown: formatDuration(r.cooldownMs),
    channels: r.channels ?? 'by severity',
    scope:
      [...(r.scope.pipelines ?? []).map((p) => `pipeline ${p}`), ...(r.scope.connections ?? []).map((c) => `connection ${c}`)].join(', ') ||
      'all',
  }))
}

export function channelRows(channels: Iterable<AlertChannel>): Array<{ name: string; type: string } & Record<string, unknown>> {
  return [...channels].map((c) => ({ name: c.name, type: c.type, ...c.describe() }))
}

export function describeRules(a: Pick<Alerting, 'config' | 'channels'>) {
  return { rules: ruleRows(a.config), channels: channelRows(a.channels.values()) }
}
