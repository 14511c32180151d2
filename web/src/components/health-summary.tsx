/**
 * The header's health line: how many pipelines, syncs and connections are failing or degraded
 * (GET /status), linking to the Pipelines page; "all active" when none. Its title lists them.
 */
import { getStatus } from '../api/endpoints.js'
import type { HealthStatus, StatusEntry } from '../api/types.js'
import { useResource } from '../lib/use-resource.js'

export function HealthSummary() {
  const status = useResource(getStatus, [])
  const r = status.data
  if (!r) return <span id="health" class="health" hidden />
  const all = [...r.pipelines, ...r.syncs, ...r.connections]
  const worst: HealthStatus = r.counts.failing ? 'failing' : r.counts.degraded ? 'degraded' : r.counts.paused ? 'paused' : 'active'
  const parts = (['failing', 'degraded', 'paused'] as const).filter((s) => r.counts[s] > 0).map((s) => `${r.counts[s]} ${s}`)
  const text = parts.length ? parts.join(' · ') : `all ${all.length} active`
  const title = all
    .filter((e) => e.status !== 'active')
    .map((e: StatusEntry) => `${e.kind} ${e.id}: ${e.status}${e.reasons.length ? ` (${e.reasons[0]})` : ''}`)
    .join('\n')
  return (
    <a id="health" class={`health h-${worst}`} href="#/pipelines" title={title || 'every pipeline, sync and connection is active'}>
      <span aria-hidden="true">●</span> {text}
    </a>
  )
}

/** A status as a coloured label: Active, Paused, Degraded, Failing. */
export function HealthBadge({ status }: { status: HealthStatus }) {
  return <span class={`badge h-${status}`}>{status.charAt(0).toUpperCase() + status.slice(1)}</span>
}
