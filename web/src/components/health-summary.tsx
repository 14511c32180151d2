/**
 * The header's health line: how many pipelines, syncs and connections are failing or degraded
 * (GET /status), linking to the Pipelines page; "all active" when none. Its title lists them.
 */
import { getStatus } from '../api/endpoints.js'
import type { HealthStatus, StatusEntry, StatusReport } from '../api/types.js'
import { useResource } from '../lib/use-resource.js'

/** One GET /status shared by everything on screen that refreshes within the same few seconds. */
let shared: { at: number; answer: Promise<StatusReport> } | null = null
export function sharedStatus(): Promise<StatusReport> {
  if (!shared || Date.now() - shared.at > 2000) shared = { at: Date.now(), answer: getStatus() }
  const mine = shared
  mine.answer.catch(() => {
    if (shared === mine) shared = null
  })
  return mine.answer
}

export function HealthSummary() {
  const status = useResource(sharedStatus, [])
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

/** A connection card's status line (Connections page): its label and the reasons. */
export function ConnectionHealth({ connection }: { connection: { id: string } }) {
  const status = useResource(sharedStatus, [])
  const e = status.data?.connections.find((c) => c.id === connection.id)
  if (!e) return null
  return (
    <div class="health-line">
      <HealthBadge status={e.status} />
      {e.reasons.length ? (
        <ul class="health-reasons">
          {e.reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      ) : null}
    </div>
  )
}
