/** Pipelines (`#/pipelines`): the last 24 hours in charts, then every loaded pipeline with its status, trigger and steps. */
import { listPaused, listPipelines, pausePipeline, resumePipeline } from '../api/endpoints.js'
import type { PipelineSummary } from '../api/types.js'
import { ActivityCharts } from '../components/activity-charts.js'
import { HealthBadge, sharedStatus } from '../components/health-summary.js'
import { Loaded } from '../components/loaded.js'
import { act } from '../lib/act.js'
import { href } from '../lib/router.js'
import { useUi } from '../lib/ui.js'
import { useResource } from '../lib/use-resource.js'

function triggerText(t: PipelineSummary['trigger']): string {
  if (t.kind === 'webhook') return `webhook · POST /hooks/${t.path}`
  if (t.kind === 'schedule') return `schedule · ${t.cron}${t.timezone ? ` (${t.timezone})` : ''}`
  return t.kind
}

export function PipelinesPage() {
  // The list changes only on a restart: no refresh on the tick.
  const list = useResource(listPipelines, [], { poll: () => false })
  const status = useResource(sharedStatus, [])
  const health = (id: string) => status.data?.pipelines.find((e) => e.id === id)
  const ui = useUi()
  const paused = useResource(listPaused, [])
  const pauseOf = (id: string) => paused.data?.find((r) => r.kind === 'pipeline' && r.id === id)
  // Pause keeps accepting and storing events; runs wait until resume (docs/governance.md).
  const toggle = async (id: string, pause: boolean) => {
    if (pause && !confirm(`Pause ${id}? Its events are still accepted and stored; its runs wait until you resume it.`)) return
    const r = await act(ui, () => (pause ? pausePipeline(id) : resumePipeline(id)))
    if (r) ui.notify(pause ? `Paused ${id}: events are stored, runs wait.` : `Resumed ${id}: the runs that waited start.`)
    await paused.reload()
  }
  return (
    <>
      <h1 tabIndex={-1}>Pipelines</h1>
      <ActivityCharts />
      <Loaded resource={list}>
        {(pipelines) =>
          pipelines.length === 0 ? (
            <p class="empty">No pipelines are loaded. Add one under ./pipelines.</p>
          ) : (
            <div class="cards">
              {pipelines.map((p) => (
                <article key={p.id} class="card" data-pipeline={p.id} aria-labelledby={`pipeline-${p.id}`}>
                  <h2 id={`pipeline-${p.id}`}>
                    {p.id} <span class="muted mono">{String(p.version).slice(0, 12)}</span>{' '}
                    {health(p.id) ? <HealthBadge status={health(p.id)!.status} /> : null}
                  </h2>
                  {health(p.id)?.reasons.length ? (
                    <ul class="reasons">
                      {health(p.id)!.reasons.map((r) => (
                        <li key={r}>{r}</li>
                      ))}
                    </ul>
                  ) : null}
                  {p.description ? <p>{p.description}</p> : null}
                  <p class="trigger">{triggerText(p.trigger)}</p>
                  <ol class="steps">
                    {p.steps.map((st) => (
                      <li key={st.id}>
                        <span class="mono">{st.id}</span> <span class="kind">{st.kind}</span>
                      </li>
                    ))}
                  </ol>
                  {pauseOf(p.id) ? (
                    <p class="paused-note">
                      Paused by <span class="mono">{pauseOf(p.id)!.pausedBy}</span> at {new Date(pauseOf(p.id)!.pausedAt).toLocaleString()}
                      {pauseOf(p.id)!.reason ? ` — ${pauseOf(p.id)!.reason}` : ''}
                    </p>
                  ) : null}
                  <a class="button" href={href(['runs'], { pipeline: p.id })}>
                    Runs →
                  </a>{' '}
                  {paused.data ? (
                    pauseOf(p.id) ? (
                      <button type="button" onClick={() => toggle(p.id, false)} aria-label={`Resume ${p.id}`}>
                        Resume
                      </button>
                    ) : (
                      <button type="button" class="danger" onClick={() => toggle(p.id, true)} aria-label={`Pause ${p.id}`}>
                        Pause
                      </button>
                    )
                  ) : null}
                </article>
              ))}
            </div>
          )
        }
      </Loaded>
    </>
  )
}
