/**
 * Audit (`#/audit?actor=&action=&target=`): who did what to which pipeline, sync, run or
 * credential, and when — newest first, 50 a page, filtered by actor, action and target (a prefix:
 * `pipeline:` is every pipeline). Filters live in the URL, so a filtered view can be shared.
 */
import { type AuditEntry, listAudit } from '../api/endpoints.js'
import { DataTable } from '../components/data-table.js'
import { Loaded } from '../components/loaded.js'
import { Pager, useCursorPaging } from '../components/pager.js'
import { SelectField } from '../components/select-field.js'
import { TimeAgo } from '../components/time-ago.js'
import { href } from '../lib/router.js'
import { useUi } from '../lib/ui.js'
import { useResource } from '../lib/use-resource.js'
import type { PageProps } from './page.js'

const PAGE_SIZE = 50
/** The actions Pipewright records (docs/governance.md#audit-log). */
const ACTIONS = [
  'pause',
  'resume',
  'replay',
  'discard',
  'credential.add',
  'credential.rotate',
  'credential.remove',
  'credential.rotate-key',
]

export function AuditPage({ query }: PageProps) {
  const ui = useUi()
  const actor = query.get('actor') ?? ''
  const action = query.get('action') ?? ''
  const target = query.get('target') ?? ''
  // Ids of the last entry of each earlier page; a new filter starts again at the newest.
  const filterKey = `${actor}|${action}|${target}`
  const paging = useCursorPaging<number>(filterKey)
  const before = paging.before
  const entries = useResource(
    () =>
      listAudit({
        actor: actor || undefined,
        action: action || undefined,
        target: target || undefined,
        before,
        limit: PAGE_SIZE + 1,
      }),
    [actor, action, target, before],
  )
  const go = (next: Record<string, string>) => ui.navigate(href(['audit'], { actor, action, target, ...next }))
  const onSubmit = (e: Event) => {
    e.preventDefault()
    const form = new FormData(e.currentTarget as HTMLFormElement)
    go({ actor: String(form.get('actor') ?? '').trim(), target: String(form.get('target') ?? '').trim() })
  }
  const page = entries.data?.slice(0, PAGE_SIZE) ?? []
  const more = (entries.data?.length ?? 0) > PAGE_SIZE
  return (
    <>
      <h1 tabIndex={-1}>Audit log</h1>
      <p class="muted">Operator actions: pauses, replays, discards and credential changes, with who made them.</p>
      <form class="toolbar" id="audit-filters" key={filterKey} onSubmit={onSubmit}>
        <SelectField
          id="audit-action"
          label="Action"
          value={action}
          options={[['', 'All actions'], ...ACTIONS.map((a) => [a, a] as const)]}
          onChange={(v) => go({ action: v })}
        />
        <label class="field">
          <span>Actor</span>
          <input id="audit-actor" name="actor" defaultValue={actor} placeholder="cli:ann, token:ci" autoComplete="off" />
        </label>
        <label class="field">
          <span>Target starts with</span>
          <input id="audit-target" name="target" defaultValue={target} placeholder="pipeline:, run:" autoComplete="off" />
        </label>
        <button type="submit">Filter</button>
        {actor || action || target ? (
          <a class="button" href={href(['audit'])}>
            Clear
          </a>
        ) : null}
      </form>
      <div id="audit-body">
        <Loaded resource={entries}>
          {() => (
            <>
              <DataTable
                label="Audit entries"
                columns={['When', 'Actor', 'Action', 'Target', 'Details']}
                rows={page.map((e) => <AuditRow key={e.id} entry={e} />)}
                empty={actor || action || target ? 'No entries match.' : 'Nothing recorded yet.'}
              />
              <Pager paging={paging} label="Pages of the audit log" last={page.at(-1)?.id} more={more} />
            </>
          )}
        </Loaded>
      </div>
    </>
  )
}

function AuditRow({ entry: e }: { entry: AuditEntry }) {
  return (
    <tr data-audit={e.id}>
      <td>
        <TimeAgo ms={e.at} />
      </td>
      <td class="mono">{e.actor}</td>
      <td>{e.action}</td>
      <td class="mono">
        <TargetLink target={e.target} />
      </td>
      <td class="muted">{details(e.details)}</td>
    </tr>
  )
}

/** A run, pipeline or sync target links to its page. */
function TargetLink({ target }: { target: string }) {
  const [kind, ...rest] = target.split(':')
  const id = rest.join(':')
  if (kind === 'run' && id) return <a href={href(['runs', id])}>{target}</a>
  if (kind === 'sync' && id) return <a href={href(['syncs', id])}>{target}</a>
  if (kind === 'pipeline' && id) return <a href={href(['runs'], { pipeline: id })}>{target}</a>
  return <>{target}</>
}

/** `{ count: 3, from: "failed-step" }` → "count 3 · from failed-step". */
function details(d: Record<string, unknown> | null): string {
  if (!d) return ''
  return Object.entries(d)
    .map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ')
}
