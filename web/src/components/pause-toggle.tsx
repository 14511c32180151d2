/**
 * Pause/Resume for a pipeline or a sync, and the note saying who paused it: the same button on
 * the Pipelines cards and on the Syncs list and page (docs/governance.md). Pausing asks first;
 * either outcome is announced in the notice.
 */
import { type PausedRow, pausePipeline, pauseSync, resumePipeline, resumeSync } from '../api/endpoints.js'
import { act } from '../lib/act.js'
import { useUi } from '../lib/ui.js'

type Kind = PausedRow['kind']

const WORDS: Record<Kind, { confirm: (id: string) => string; paused: (id: string) => string; resumed: (id: string) => string }> = {
  pipeline: {
    confirm: (id) => `Pause ${id}? Its events are still accepted and stored; its runs wait until you resume it.`,
    paused: (id) => `Paused ${id}: events are stored, runs wait.`,
    resumed: (id) => `Resumed ${id}: the runs that waited start.`,
  },
  sync: {
    confirm: (id) =>
      `Pause sync ${id}? Scheduled passes and drift repairs wait; webhook events are still stored and their records kept to sync.`,
    paused: (id) => `Paused sync ${id}: passes wait until you resume it.`,
    resumed: (id) => `Resumed sync ${id}: the next pass runs on schedule.`,
  },
}

/** `pause` undefined while the paused list loads (no button yet), null when not paused. */
export function PauseToggle(props: { kind: Kind; id: string; pause: PausedRow | null | undefined; onChange: () => unknown }) {
  const ui = useUi()
  const { kind, id, pause } = props
  if (pause === undefined) return null
  const toggle = async (on: boolean) => {
    if (on && !confirm(WORDS[kind].confirm(id))) return
    const call = kind === 'pipeline' ? (on ? pausePipeline : resumePipeline) : on ? pauseSync : resumeSync
    const r = await act(ui, () => call(id))
    if (r) ui.notify(on ? WORDS[kind].paused(id) : WORDS[kind].resumed(id))
    await props.onChange()
  }
  return pause ? (
    <button type="button" onClick={() => toggle(false)} aria-label={`Resume ${id}`}>
      Resume
    </button>
  ) : (
    <button type="button" class="danger" onClick={() => toggle(true)} aria-label={`Pause ${id}`}>
      Pause
    </button>
  )
}

export function PausedNote({ pause }: { pause: PausedRow | null | undefined }) {
  if (!pause) return null
  return (
    <p class="paused-note">
      Paused by <span class="mono">{pause.pausedBy}</span> at {new Date(pause.pausedAt).toLocaleString()}
      {pause.reason ? ` — ${pause.reason}` : ''}
    </p>
  )
}

/** The paused row of one pipeline or sync: undefined while loading, null when it runs. */
export function pauseOf(rows: PausedRow[] | null | undefined, kind: Kind, id: string): PausedRow | null | undefined {
  if (!rows) return undefined
  return rows.find((r) => r.kind === kind && r.id === id) ?? null
}
