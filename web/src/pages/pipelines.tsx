/** Pipelines (`#/pipelines`): the last 24 hours in charts, then every loaded pipeline with its status, trigger and steps. */
import { listPaused, listPipelines } from '../api/endpoints.js'
import type { PipelineSummary } from '../api/types.js'
import { ActivityCharts } from '../components/activity-charts.js'
import { HealthBadge, sharedStatus } from '../components/health-summary.js'
import { Loaded } from '../components/loaded.js'
import { PausedNote, PauseToggle, pauseOf } from '../components/pause-toggle.js'
import { href } from '../lib/router.js'
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
  // Pause keeps accepting and storing events; runs wait until resume (docs/governance.md).
  const paused = useResource(listPaused, [])
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
                  <PausedNote pause={pauseOf(paused.data, 'pipeline', p.id)} />
                  <a class="button" href={href(['runs'], { pipeline: p.id })}>
                    Runs →
                  </a>{' '}
                  <PauseToggle kind="pipeline" id={p.id} pause={pauseOf(paused.data, 'pipeline', p.id)} onChange={paused.reload} />
                </article>
              ))}
            </div>
          )
        }
      </Loaded>
    </>
  )
}
