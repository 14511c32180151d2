/**
 * Syncs (`#/syncs`): every loaded sync with its links, pending records, conflicts and last pass;
 * one sync (`#/syncs/<id>`): status, the last drift repair and what it fixed, fields, conflicts,
 * and buttons to plan (a dry run, nothing written) or run a pass, incremental or a drift repair.
 */
import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { getStatus, getSync, listPaused, listSyncConflicts, listSyncs, planSync, runSync } from '../api/endpoints.js'
import type { PassBrief, PassReport, StatusEntry, SyncStatus, SyncSummary } from '../api/types.js'
import { DataTable } from '../components/data-table.js'
import { HealthBadge } from '../components/health-summary.js'
import { JsonPreview } from '../components/json-view.js'
import { Loaded } from '../components/loaded.js'
import { PausedNote, PauseToggle, pauseOf } from '../components/pause-toggle.js'
import { TimeAgo } from '../components/time-ago.js'
import { act } from '../lib/act.js'
import { count, plural } from '../lib/format.js'
import { href } from '../lib/router.js'
import { useUi } from '../lib/ui.js'
import { useResource } from '../lib/use-resource.js'
import type { PageProps } from './page.js'

type Mode = 'incremental' | 'repair'

/** 300000 → "5 min", 86400000 → "24 h"; null → "never". */
function every(ms: number | null): string {
  if (ms === null) return 'never'
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`
  if (ms % 60_000 === 0) return `${ms / 60_000} min`
  return `${Math.round(ms / 1000)} s`
}

const writesOf = (r: PassBrief, side: 'a' | 'b') => Object.values(r.writes[side]).reduce((x, y) => x + y, 0)

function LastPass({ pass }: { pass: PassBrief | null }) {
  if (!pass) return <>never</>
  return (
    <>
      <TimeAgo ms={pass.finishedAt} /> · {pass.mode === 'repair' ? 'drift repair' : 'incremental'} · wrote {count(writesOf(pass, 'a'))} on
      a, {count(writesOf(pass, 'b'))} on b{pass.runs.dead ? ` · ${plural(pass.runs.dead, 'write')} dead` : ''}
    </>
  )
}

/** Health of each sync (active, paused, degraded, failing) from `/status`, by id; and which are paused, by whom. */
function useHealth() {
  const status = useResource(getStatus, [])
  const paused = useResource(listPaused, [])
  return {
    of: (id: string): StatusEntry | undefined => status.data?.syncs.find((e) => e.id === id),
    pause: (id: string) => pauseOf(paused.data, 'sync', id),
    /** After a pause or resume: the paused list and the health badges. */
    reload: () => Promise.all([paused.reload(), status.reload()]),
  }
}

export function SyncsPage() {
  const syncs = useResource(listSyncs, [])
  const health = useHealth()
  return (
    <>
      <h1 tabIndex={-1}>Syncs</h1>
      <p class="muted">Two systems kept in agreement: links between their records, what waits, conflicts and the last pass.</p>
      <Loaded resource={syncs}>
        {(rows) => (
          <DataTable
            label="Syncs"
            columns={[
              'Sync',
              'Status',
              'Sides',
              { title: 'Linked', num: true },
              { title: 'Unmatched', num: true },
              { title: 'Ambiguous', num: true },
              { title: 'Pending', num: true },
              { title: 'Conflicts', num: true },
              'Last pass',
              { title: 'Pause or resume', hidden: true },
            ]}
            rows={rows.map((s) => (
              <SyncRow key={s.id} sync={s} health={health.of(s.id)}>
                <PauseToggle kind="sync" id={s.id} pause={health.pause(s.id)} onChange={health.reload} />
              </SyncRow>
            ))}
            empty="No syncs are loaded. Define one in ./syncs (see docs/sync.md)."
          />
        )}
      </Loaded>
    </>
  )
}

function SyncRow({ sync: s, health, children }: { sync: SyncSummary; health: StatusEntry | undefined; children: ComponentChildren }) {
  return (
    <tr data-sync={s.id} class={s.links.ambiguous > 0 || s.conflicts > 0 ? 'warm' : undefined}>
      <td>
        <a href={href(['syncs', s.id])}>{s.id}</a>
      </td>
      <td title={health?.reasons.join('; ') || undefined}>{health ? <HealthBadge status={health.status} /> : '—'}</td>
      <td class="mono">
        {s.sides.a} ↔ {s.sides.b}
      </td>
      <td class="num">{count(s.links.linked)}</td>
      <td class="num">{count(s.links.unmatched)}</td>
      <td class="num">{count(s.links.ambiguous)}</td>
      <td class="num">{count(s.pending)}</td>
      <td class="num">{count(s.conflicts)}</td>
      <td>
        <LastPass pass={s.lastPass} />
      </td>
      <td>{children}</td>
    </tr>
  )
}

export function SyncPage({ params }: PageProps) {
  const id = params[0] ?? ''
  const status = useResource(() => getSync(id), [id])
  const conflicts = useResource(() => listSyncConflicts(id, 50), [id])
  const health = useHealth()
  const [result, setResult] = useState<PassReport | null>(null)
  return (
    <>
      <p>
        <a href={href(['syncs'])}>← All syncs</a>
      </p>
      <Loaded resource={status}>
        {(s) => (
          <>
            <SyncFacts status={s} health={health.of(s.id)} />
            <PausedNote pause={health.pause(s.id)} />
            <p>
              <PauseToggle kind="sync" id={s.id} pause={health.pause(s.id)} onChange={health.reload} />
            </p>
            <PassBar
              id={id}
              onResult={async (r) => {
                setResult(r)
                if (!r.dryRun) await Promise.all([status.reload(), conflicts.reload()])
              }}
            />
            {result ? <PassResult report={result} /> : null}
            <RepairFixes status={s} />
            <h2>Fields</h2>
            <DataTable
              label="Fields"
              columns={['Side a', 'Side b', 'Direction', 'Owner']}
              rows={s.fields.map((f) => (
                <tr key={f.a}>
                  <td class="mono">{f.a}</td>
                  <td class="mono">{f.b}</td>
                  <td>{f.direction}</td>
                  <td>{f.direction === 'both' ? f.owner : '— (one way)'}</td>
                </tr>
              ))}
              empty="No fields."
            />
          </>
        )}
      </Loaded>
      <h2>Conflicts</h2>
      <Loaded resource={conflicts}>
        {(rows) => (
          <DataTable
            label="Conflicts"
            columns={['When', 'Field', 'Value on a', 'Value on b', 'Winner', 'Why']}
            rows={rows.map((c) => (
              <tr key={c.id}>
                <td>
                  <TimeAgo ms={c.createdAt} />
                </td>
                <td class="mono">{c.field}</td>
                <td>
                  <JsonPreview value={c.aValue} />
                </td>
                <td>
                  <JsonPreview value={c.bValue} />
                </td>
                <td>{c.winner}</td>
                <td>{c.reason}</td>
              </tr>
            ))}
            empty="No conflicts: no field was changed on both sides at once."
          />
        )}
      </Loaded>
    </>
  )
}

function SyncFacts({ status: s, health }: { status: SyncStatus; health: StatusEntry | undefined }) {
  const facts: Array<[string, ComponentChildren]> = [
    ['Side a', <span class="mono">{s.sides.a}</span>],
    ['Side b', <span class="mono">{s.sides.b}</span>],
    ['Polls every', every(s.schedule.everyMs)],
    ['Drift repair every', every(s.schedule.repairEveryMs)],
    [
      'Links',
      `${count(s.links.linked)} linked · ${count(s.links.unmatched)} unmatched · ${count(s.links.ambiguous)} ambiguous · ${count(s.links.deleted)} ended`,
    ],
    ['Pending', plural(s.pending, 'record')],
    ['Conflicts', count(s.conflicts)],
    ['Last pass', <LastPass pass={s.lastPass} />],
    [
      'Last drift repair',
      s.lastRepair ? (
        <>
          {<TimeAgo ms={s.lastRepair.finishedAt} />} · fixed {plural(s.lastRepair.repaired, 'link')}
        </>
      ) : (
        'never'
      ),
    ],
  ]
  return (
    <>
      <h1 tabIndex={-1}>
        Sync <span class="mono">{s.id}</span> {health ? <HealthBadge status={health.status} /> : null}
      </h1>
      {health?.reasons.length ? (
        <ul class="reasons" aria-label="Why">
          {health.reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      ) : null}
      {s.description ? <p>{s.description}</p> : null}
      <dl class="facts">
        {facts.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {s.warnings.length ? (
        <ul class="reasons" aria-label="Warnings">
          {s.warnings.map((w) => (
            <li key={`${w.field}:${w.message}`}>
              {w.field ? <span class="mono">{w.field}</span> : null}: {w.message}
            </li>
          ))}
        </ul>
      ) : null}
    </>
  )
}

function PassBar({ id, onResult }: { id: string; onResult: (r: PassReport) => Promise<void> | void }) {
  const ui = useUi()
  const [busy, setBusy] = useState(false)
  const go = async (what: 'plan' | 'run', mode: Mode) => {
    setBusy(true)
    try {
      const r = await act(ui, () => (what === 'plan' ? planSync(id, mode) : runSync(id, mode)))
      if (!r) return
      const writes = writesOf(r, 'a') + writesOf(r, 'b')
      ui.announce(
        what === 'plan'
          ? `Plan ready: ${plural(writes, 'write')} would be made.`
          : `Pass finished: ${plural(writes, 'write')}, ${r.runs.dead} dead${mode === 'repair' ? `, ${plural(r.repaired, 'link')} repaired` : ''}.`,
      )
      await onResult(r)
    } finally {
      setBusy(false)
    }
  }
  return (
    <div class="toolbar actions">
      <button type="button" id="sync-plan" disabled={busy} onClick={() => go('plan', 'incremental')}>
        Plan
      </button>
      <button type="button" id="sync-run" disabled={busy} onClick={() => go('run', 'incremental')}>
        Run now
      </button>
      <button type="button" id="sync-plan-repair" disabled={busy} onClick={() => go('plan', 'repair')}>
        Plan drift repair
      </button>
      <button type="button" id="sync-repair" disabled={busy} onClick={() => go('run', 'repair')}>
        Run drift repair
      </button>
    </div>
  )
}

function PassResult({ report: r }: { report: PassReport }) {
  const title = `${r.dryRun ? 'Plan' : 'Pass'} (${r.mode === 'repair' ? 'drift repair' : 'incremental'})`
  return (
    <section class={r.runs.dead > 0 ? 'box' : 'box note'} aria-label={title} id="pass-result">
      <h2>{title}</h2>
      <p>
        {r.dryRun ? 'Nothing was written. ' : ''}Read {count(r.read.a)} on a and {count(r.read.b)} on b · {count(r.echoes)} unchanged ·{' '}
        {count(r.matched.key + r.matched.fallback)} matched · {count(r.ambiguous.length)} ambiguous · {count(r.conflicts)} conflicts
        {r.dryRun ? '' : ` · runs: ${r.runs.succeeded} succeeded, ${r.runs.dead} dead, ${r.runs.pending} pending`}
      </p>
      <DataTable
        label={`${title}: writes per side`}
        columns={[
          'Side',
          { title: 'Create', num: true },
          { title: 'Update', num: true },
          { title: 'Delete', num: true },
          { title: 'Archive', num: true },
        ]}
        rows={(['a', 'b'] as const).map((side) => (
          <tr key={side}>
            <td>{side}</td>
            <td class="num">{count(r.writes[side].create)}</td>
            <td class="num">{count(r.writes[side].update)}</td>
            <td class="num">{count(r.writes[side].delete)}</td>
            <td class="num">{count(r.writes[side].archive)}</td>
          </tr>
        ))}
        empty=""
      />
      {r.planned.length ? (
        <DataTable
          label={`${title}: planned writes`}
          columns={['Side', 'Write', 'Record', 'Fields']}
          rows={r.planned.slice(0, 50).map((p, i) => (
            <tr key={`${p.linkId}:${p.side}:${i}`}>
              <td>{p.side}</td>
              <td>{p.op}</td>
              <td class="mono">{p.id ?? 'new'}</td>
              <td>{p.fields ? <JsonPreview value={p.fields} /> : '—'}</td>
            </tr>
          ))}
          empty=""
        />
      ) : null}
    </section>
  )
}

function RepairFixes({ status: s }: { status: SyncStatus }) {
  const fixed = s.lastRepair?.fixed ?? []
  if (!s.lastRepair) return null
  const kinds = { fields: 'values out of step', missing: 'record missing', gone: 'record gone' }
  return (
    <>
      <h2>Last drift repair</h2>
      <DataTable
        label="What the last drift repair fixed"
        columns={['Found', 'Record on a', 'Record on b', 'Fields written']}
        rows={fixed.map((f) => (
          <tr key={f.linkId}>
            <td>{kinds[f.kind]}</td>
            <td class="mono">{f.a ?? '—'}</td>
            <td class="mono">{f.b ?? '—'}</td>
            <td>
              {f.fields
                ? Object.entries(f.fields)
                    .map(([side, names]) => `${side}: ${names?.join(', ')}`)
                    .join('; ')
                : '—'}
            </td>
          </tr>
        ))}
        empty="The last drift repair found both sides in step."
      />
    </>
  )
}
