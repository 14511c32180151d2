/**
 * One run (`#/runs/<id>`): facts, error, dead letter, step trace and trigger payload; replay it
 * (from the trigger or the failed step, pinned or latest) or discard its dead letter. Refreshes
 * until the run has finished.
 */
import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { discardDeadLetter, getRun, replayDeadLetter, replayRun } from '../api/endpoints.js'
import { FINISHED, type ReplayFrom, type ReplayVersion, type RunDetail, type SerializedError } from '../api/types.js'
import { ReasonBadge, StatusBadge } from '../components/badge.js'
import { DataTable } from '../components/data-table.js'
import { ErrorBox } from '../components/error-box.js'
import { JsonPreview, JsonView } from '../components/json-view.js'
import { RunLink } from '../components/links.js'
import { Loaded } from '../components/loaded.js'
import { ReplayVersionField } from '../components/replay-fields.js'
import { TimeAgo } from '../components/time-ago.js'
import { act } from '../lib/act.js'
import { duration } from '../lib/format.js'
import { href } from '../lib/router.js'
import { useUi } from '../lib/ui.js'
import { useResource } from '../lib/use-resource.js'
import type { PageProps } from './page.js'

export function RunPage({ params }: PageProps) {
  const id = params[0] ?? ''
  const ui = useUi()
  const detail = useResource(() => getRun(id), [id], {
    poll: (d) => !FINISHED.includes(d.run.status),
    onRefresh: (next, prev) => {
      if (next.run.status !== prev.run.status)
        ui.announce(`Run ${next.run.status}${next.run.currentStep ? ` at step ${next.run.currentStep}` : ''}.`)
    },
  })
  return (
    <>
      <p>
        <a href={href(['runs'])}>← All runs</a>
      </p>
      <Loaded resource={detail}>{(data) => <RunView detail={data} reload={detail.reload} />}</Loaded>
    </>
  )
}

function RunView({ detail, reload }: { detail: RunDetail; reload: () => Promise<void> }) {
  const { run, event, deadLetter: dl } = detail
  const facts: Array<[string, ComponentChildren]> = [
    ['Pipeline', `${run.pipelineId} @ ${String(run.pipelineVersion).slice(0, 12)}`],
    [
      'Status',
      <>
        <StatusBadge status={run.status} />
        {run.waitReason ? ` (${run.waitReason})` : ''}
      </>,
    ],
    ['Current step', run.currentStep ?? '—'],
    ['Attempt', run.attempt],
    ['Created', <TimeAgo ms={run.createdAt} />],
    [
      'Finished',
      run.finishedAt ? (
        <>
          <TimeAgo ms={run.finishedAt} /> · took {duration(run.finishedAt - run.createdAt)}
        </>
      ) : (
        '—'
      ),
    ],
    ['Trigger', event ? `${event.trigger}${event.deliveryId ? ` · delivery ${event.deliveryId}` : ''}` : '—'],
  ]
  if (run.replayOf)
    facts.push([
      'Replay of',
      <>
        <RunLink id={run.replayOf} /> from {run.replayFrom ?? 'trigger'}
      </>,
    ])
  if (dl?.replayedBy) facts.push(['Replayed as', <RunLink id={dl.replayedBy} />])
  return (
    <>
      <h1 tabIndex={-1}>
        Run <span class="mono">{run.id}</span> <StatusBadge status={run.status} />
      </h1>
      <dl class="facts">
        {facts.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {FINISHED.includes(run.status) ? <ReplayBar detail={detail} reload={reload} /> : null}
      <RunErrorBox status={run.status} error={run.error} />
      {dl ? (
        <section class="box dead" aria-label="Dead letter">
          <h2>Dead letter</h2>
          <p>
            <ReasonBadge reason={dl.reason} /> at step {dl.stepId ?? '—'} after {dl.attempts} attempt(s)
            {dl.discardedAt ? ' · discarded' : ''}
          </p>
          {dl.lastInput !== undefined && dl.lastInput !== null ? (
            <>
              <h3>Input of the failed step</h3>
              <JsonView value={dl.lastInput} />
            </>
          ) : null}
        </section>
      ) : null}
      <h2>Step trace</h2>
      <StepTable detail={detail} />
      <h2>Trigger payload</h2>
      <JsonView value={event?.payload} />
    </>
  )
}

/** Red only when the error ended the run; amber while it is retried; a note once the run recovered. */
function RunErrorBox({ status, error }: { status: string; error: SerializedError | null }) {
  if (!error) return null
  if (status === 'dead') return <ErrorBox title="Error" error={error} tone="error" />
  if (status === 'succeeded' || status === 'filtered') return <ErrorBox title="An earlier attempt failed" error={error} tone="note" />
  return <ErrorBox title="Last attempt failed; retrying" error={error} tone="warn" />
}

function StepTable({ detail: { run, steps } }: { detail: RunDetail }) {
  const rows = steps.map((s) => (
    <StepRow
      key={s.stepPath}
      path={s.stepPath}
      status={s.status}
      attempts={s.attempts}
      took={s.finishedAt - s.startedAt}
      output={s.output}
      error={s.error}
    />
  ))
  if (run.currentStep && !steps.some((s) => s.stepPath === run.currentStep) && run.status !== 'succeeded')
    rows.push(
      <StepRow
        key={run.currentStep}
        path={run.currentStep}
        status={run.status === 'dead' ? 'failed' : run.status}
        attempts={run.attempt}
        took={null}
        output={undefined}
        error={run.error}
      />,
    )
  return (
    <DataTable
      label="Step trace"
      columns={['Step', 'Status', { title: 'Attempts', num: true }, { title: 'Took', num: true }, 'Output']}
      rows={rows}
      empty="No step has run yet."
    />
  )
}

function StepRow(p: {
  path: string
  status: string
  attempts: number
  took: number | null
  output: unknown
  error: SerializedError | null
}) {
  const errorClass = p.status === 'failed' ? 'err' : 'warn-text'
  return (
    <tr data-step={p.path}>
      <td class="mono">{p.path}</td>
      <td>
        <StatusBadge status={p.status} />
      </td>
      <td class="num">{p.attempts}</td>
      <td class="num">{duration(p.took)}</td>
      <td>
        {p.error && p.status !== 'succeeded' ? <div class={errorClass}>{p.error.message}</div> : null}
        <JsonPreview value={p.output} />
      </td>
    </tr>
  )
}

function ReplayBar({ detail: { run, deadLetter: dl }, reload }: { detail: RunDetail; reload: () => Promise<void> }) {
  const ui = useUi()
  const [version, setVersion] = useState<ReplayVersion>('pinned')
  const open = Boolean(dl && !dl.replayedBy && !dl.discardedAt)
  const replay = async (from: ReplayFrom) => {
    const r = await act(ui, () => (open ? replayDeadLetter(run.id, from, version) : replayRun(run.id, from, version)))
    if (!r) return
    const done = r.replayed[0]
    if (done) ui.navigate(href(['runs', done.newRunId]), `Replayed ${run.id} from ${from} as ${done.newRunId}.`)
    else ui.notify(`Not replayed: ${r.skipped[0]?.reason ?? 'unknown reason'}`, 'error')
  }
  const discard = async () => {
    if (!confirm(`Discard the dead letter of ${run.id}? It will no longer be listed or replayable in bulk.`)) return
    if (await act(ui, () => discardDeadLetter(run.id))) {
      ui.notify(`Discarded ${run.id}.`)
      await reload()
    }
  }
  return (
    <div class="toolbar actions">
      <button type="button" id="replay-trigger" onClick={() => replay('trigger')}>
        Replay from trigger
      </button>
      {run.status === 'dead' ? (
        <button type="button" id="replay-failed-step" onClick={() => replay('failed-step')}>
          Replay from failed step
        </button>
      ) : null}
      <ReplayVersionField id="replay-version" label="Version" value={version} onChange={setVersion} />
      {open ? (
        <button type="button" class="danger" id="discard" onClick={discard}>
          Discard dead letter
        </button>
      ) : null}
    </div>
  )
}
