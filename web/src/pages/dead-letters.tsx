/**
 * Dead letters (`#/dead-letters?reason=&pipeline=`): the open ones, newest first, with the exact
 * count the filter selects. Bulk replay confirms that exact count and replays exactly those: the
 * set is pinned by the count's `until`, so a dead letter that arrives after the count is left for
 * the next look.
 */
import { useState } from 'preact/hooks'
import {
  countDeadLetters,
  discardDeadLetter,
  listDeadLetters,
  listPipelines,
  replayDeadLetter,
  replayDeadLetters,
} from '../api/endpoints.js'
import {
  DEAD_REASONS,
  type DeadLetterFilter,
  type DeadLetterRecord,
  type DeadReason,
  type ReplayFrom,
  type ReplayVersion,
} from '../api/types.js'
import { ReasonBadge } from '../components/badge.js'
import { DataTable } from '../components/data-table.js'
import { RunLink } from '../components/links.js'
import { Loaded } from '../components/loaded.js'
import { ReplayFromField, ReplayVersionField } from '../components/replay-fields.js'
import { SelectField } from '../components/select-field.js'
import { TimeAgo } from '../components/time-ago.js'
import { act } from '../lib/act.js'
import { count, plural } from '../lib/format.js'
import { href } from '../lib/router.js'
import { type Ui, useUi } from '../lib/ui.js'
import { useResource } from '../lib/use-resource.js'
import type { PageProps } from './page.js'

const SHOWN = 100
const FROM_TEXT: Record<ReplayFrom, string> = { 'failed-step': 'the failed step', trigger: 'the trigger' }

export function DeadLettersPage({ query }: PageProps) {
  const ui = useUi()
  const reason = (DEAD_REASONS as string[]).includes(query.get('reason') ?? '') ? (query.get('reason') as DeadReason) : undefined
  const pipeline = query.get('pipeline') || undefined
  const filter: DeadLetterFilter = { reason, pipeline }
  const [from, setFrom] = useState<ReplayFrom>('failed-step')
  const [version, setVersion] = useState<ReplayVersion>('pinned')

  const pipelines = useResource(listPipelines, [])
  const letters = useResource(
    async () => {
      const [matching, rows] = await Promise.all([countDeadLetters(filter), listDeadLetters(filter, SHOWN)])
      return { ...matching, rows }
    },
    [reason, pipeline],
    {
      onRefresh: (next, prev) => {
        if (next.count !== prev.count) ui.announce(`${plural(next.count, 'dead letter')} match.`)
      },
    },
  )
  const setFilter = (key: string, value: string) =>
    ui.navigate(href(['dead-letters'], { reason, pipeline, [key]: value || undefined } as Record<string, string | undefined>))

  const matching = letters.data?.count ?? 0
  const bulkReplay = async () => {
    const snapshot = letters.data
    if (!snapshot?.count) return
    if (!confirm(`Replay ${plural(snapshot.count, 'dead letter')} from ${FROM_TEXT[from]}?`)) return
    const r = await act(ui, () => replayDeadLetters(filter, snapshot.until, snapshot.count, from, version))
    if (r) ui.notify(replayedText(r.replayed.length, r.skipped))
    await letters.reload()
  }

  return (
    <>
      <h1 tabIndex={-1}>Dead letters</h1>
      <div class="toolbar">
        <SelectField
          id="reason-filter"
          label="Reason"
          value={reason ?? ''}
          options={[['', 'All reasons'], ...DEAD_REASONS.map((r) => [r, r] as const)]}
          onChange={(v) => setFilter('reason', v)}
        />
        <SelectField
          id="dl-pipeline-filter"
          label="Pipeline"
          value={pipeline ?? ''}
          options={[['', 'All pipelines'], ...(pipelines.data ?? []).map((p) => [p.id, p.id] as const)]}
          onChange={(v) => setFilter('pipeline', v)}
        />
      </div>
      <div class="toolbar bulk">
        <strong id="dl-count">{letters.data ? `${count(matching)} matching` : '…'}</strong>
        <span class="muted">replay</span>
        <ReplayFromField id="bulk-from" label="from" value={from} onChange={setFrom} />
        <ReplayVersionField id="bulk-version" label="version" value={version} onChange={setVersion} />
        <button type="button" id="bulk-replay" disabled={matching === 0} onClick={bulkReplay}>
          Replay {count(matching)} matching
        </button>
      </div>
      <div id="dl-body">
        <Loaded resource={letters}>
          {(data) => (
            <>
              <DataTable
                label="Dead letters"
                columns={[
                  'Run',
                  'Pipeline',
                  'Reason',
                  'Step',
                  { title: 'Attempts', num: true },
                  'Error',
                  'Created',
                  { title: 'Actions', hidden: true },
                ]}
                rows={data.rows.map((d) => (
                  <DeadLetterRow key={d.runId} letter={d} ui={ui} from={from} version={version} reload={letters.reload} />
                ))}
                empty="No dead letters. Nothing is stuck."
              />
              {matching > data.rows.length && data.rows.length > 0 ? (
                <p class="muted">
                  Showing the newest {count(data.rows.length)} of {count(matching)}.
                </p>
              ) : null}
            </>
          )}
        </Loaded>
      </div>
    </>
  )
}

function DeadLetterRow(p: { letter: DeadLetterRecord; ui: Ui; from: ReplayFrom; version: ReplayVersion; reload: () => Promise<void> }) {
  const d = p.letter
  const replay = async () => {
    const r = await act(p.ui, () => replayDeadLetter(d.runId, p.from, p.version))
    if (r?.replayed[0]) p.ui.notify(`Replayed ${d.runId} as ${r.replayed[0].newRunId}.`)
    else if (r) p.ui.notify(`Not replayed: ${r.skipped[0]?.reason ?? 'unknown reason'}`, 'error')
    await p.reload()
  }
  const discard = async () => {
    if (!confirm(`Discard the dead letter of ${d.runId}? It will no longer be listed or replayable in bulk.`)) return
    if (await act(p.ui, () => discardDeadLetter(d.runId))) p.ui.notify(`Discarded ${d.runId}.`)
    await p.reload()
  }
  return (
    <tr data-run={d.runId}>
      <td>
        <RunLink id={d.runId} />
      </td>
      <td>{d.pipelineId}</td>
      <td>
        <ReasonBadge reason={d.reason} />
      </td>
      <td class="mono">{d.stepId ?? ''}</td>
      <td class="num">{d.attempts}</td>
      <td class="err" title={d.error?.message}>
        {d.error?.message ?? ''}
      </td>
      <td>
        <TimeAgo ms={d.createdAt} />
      </td>
      <td class="row-actions">
        <button type="button" onClick={replay} aria-label={`Replay ${d.runId}`}>
          Replay
        </button>
        <button type="button" class="danger" onClick={discard} aria-label={`Discard ${d.runId}`}>
          Discard
        </button>
      </td>
    </tr>
  )
}

function replayedText(replayed: number, skipped: Array<{ reason: string }>): string {
  const first = skipped[0]
  return `Replayed ${plural(replayed, 'run')}${first ? `; skipped ${count(skipped.length)}: ${first.reason}` : ''}.`
}
