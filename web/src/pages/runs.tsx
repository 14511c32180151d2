/**
 * Runs (`#/runs?status=&pipeline=`): newest first, 25 a page, filtered by status and pipeline,
 * with a chart of how long the runs on the page took.
 */
import { useState } from 'preact/hooks'
import { listPipelines, listRuns } from '../api/endpoints.js'
import { RUN_STATUSES, type RunStatus, type RunSummary } from '../api/types.js'
import { StatusBadge } from '../components/badge.js'
import { DataTable } from '../components/data-table.js'
import { RunLink } from '../components/links.js'
import { Loaded } from '../components/loaded.js'
import { Pager, useCursorPaging } from '../components/pager.js'
import { SelectField } from '../components/select-field.js'
import { TimeAgo } from '../components/time-ago.js'
import { TimeChart } from '../components/time-chart.js'
import { duration, plural } from '../lib/format.js'
import { href } from '../lib/router.js'
import { useUi } from '../lib/ui.js'
import { useResource } from '../lib/use-resource.js'
import type { PageProps } from './page.js'

const PAGE_SIZE = 25

export function RunsPage({ query }: PageProps) {
  const ui = useUi()
  const status = (RUN_STATUSES as string[]).includes(query.get('status') ?? '') ? (query.get('status') as RunStatus) : undefined
  const pipeline = query.get('pipeline') ?? ''
  // Cursors of the pages before this one: the last run id of each.
  // They belong to one filter: a new filter starts again at the newest.
  const filterKey = `${status}|${pipeline}`
  const paging = useCursorPaging<string>(filterKey)
  const before = paging.before

  const pipelines = useResource(listPipelines, [])
  const runs = useResource(() => listRuns({ status, pipeline, before, limit: PAGE_SIZE + 1 }), [status, pipeline, before], {
    onRefresh: (next, prev) => {
      const text = changes(next.slice(0, PAGE_SIZE), prev.slice(0, PAGE_SIZE))
      if (text) ui.announce(text)
    },
  })
  const setFilter = (key: string, value: string) =>
    ui.navigate(href(['runs'], { status, pipeline, [key]: value || undefined } as Record<string, string | undefined>))

  const page = runs.data?.slice(0, PAGE_SIZE) ?? []
  const more = (runs.data?.length ?? 0) > PAGE_SIZE
  return (
    <>
      <h1 tabIndex={-1}>Runs</h1>
      <div class="toolbar">
        <SelectField
          id="status-filter"
          label="Status"
          value={status ?? ''}
          options={[['', 'All statuses'], ...RUN_STATUSES.map((s) => [s, s] as const)]}
          onChange={(v) => setFilter('status', v)}
        />
        <SelectField
          id="pipeline-filter"
          label="Pipeline"
          value={pipeline}
          options={[['', 'All pipelines'], ...(pipelines.data ?? []).map((p) => [p.id, p.id] as const)]}
          onChange={(v) => setFilter('pipeline', v)}
        />
      </div>
      <div id="runs-body">
        <Loaded resource={runs}>
          {() => (
            <>
              <DataTable
                label="Runs"
                columns={[
                  'Run',
                  'Status',
                  'Pipeline',
                  'Step',
                  { title: 'Attempt', num: true },
                  'Created',
                  { title: 'Took', num: true },
                  'Error',
                  'Replay of',
                ]}
                rows={page.map((r) => <RunRow key={r.id} run={r} />)}
                empty="No runs match."
              />
              <Pager paging={paging} label="Pages of runs" last={page.at(-1)?.id} more={more} />
              <DurationChart runs={page} />
            </>
          )}
        </Loaded>
      </div>
    </>
  )
}

function RunRow({ run: r }: { run: RunSummary }) {
  return (
    <tr data-run={r.id}>
      <td>
        <RunLink id={r.id} />
      </td>
      <td>
        <StatusBadge status={r.status} />
        {r.waitReason ? <span class="muted"> {r.waitReason}</span> : null}
      </td>
      <td>{r.pipeline}</td>
      <td>{r.step ?? ''}</td>
      <td class="num">{r.attempt}</td>
      <td>
        <TimeAgo ms={r.createdAt} />
      </td>
      <td class="num">{r.finishedAt ? duration(r.finishedAt - r.createdAt) : ''}</td>
      <RunError run={r} />
      <td>{r.replayOf ? <RunLink id={r.replayOf} /> : null}</td>
    </tr>
  )
}

/**
 * Only a dead run's error is an error. A run waiting to retry shows its last failure as a warning;
 * a run that went on to succeed (or was filtered) shows none, whatever an earlier attempt said.
 */
function RunError({ run }: { run: RunSummary }) {
  if (!run.error || run.status === 'succeeded' || run.status === 'filtered') return <td />
  if (run.status === 'dead')
    return (
      <td class="err" title={run.error.message}>
        {run.error.message}
      </td>
    )
  return (
    <td class="warn-text" title={run.error.message}>
      retrying: {run.error.message}
    </td>
  )
}

function DurationChart({ runs }: { runs: RunSummary[] }) {
  const [open, setOpen] = useState(false)
  const finished = runs.filter((r) => r.finishedAt).sort((a, b) => a.createdAt - b.createdAt)
  if (finished.length < 2) return null
  const seconds = finished.map((r) => Math.round((r.finishedAt! - r.createdAt) / 10) / 100)
  return (
    <details class="chart-box" id="runs-chart" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>How long the runs on this page took</summary>
      {open ? (
        <TimeChart
          label="Run durations by start time"
          summary={`${plural(finished.length, 'finished run')}; the slowest took ${Math.max(...seconds)} s.`}
          times={finished.map((r) => r.createdAt)}
          series={[{ label: 'took', unit: 's', values: seconds }]}
          points
        />
      ) : null}
    </details>
  )
}

/** What changed on the page between two refreshes, in words, or '' when nothing did. */
function changes(next: RunSummary[], prev: RunSummary[]): string {
  const before = new Map(prev.map((r) => [r.id, r.status]))
  const added = next.filter((r) => !before.has(r.id)).length
  const finished = next.filter((r) => before.has(r.id) && before.get(r.id) !== r.status)
  const parts: string[] = []
  if (added) parts.push(`${plural(added, 'new run')}`)
  for (const status of ['succeeded', 'dead', 'filtered'] as const) {
    const n = finished.filter((r) => r.status === status).length
    if (n) parts.push(`${plural(n, 'run')} ${status}`)
  }
  return parts.join(', ')
}
