/**
 * Alerts (`#/alerts`): open incidents first, then the rules in force (with a button that sends a
 * test message through a rule's channels), the channels (never their secrets), and the recent
 * incidents of any status.
 */
import { getAlerts, listIncidents, testAlertRule } from '../api/endpoints.js'
import type { IncidentRecord } from '../api/types.js'
import { DataTable } from '../components/data-table.js'
import { Loaded } from '../components/loaded.js'
import { TimeAgo } from '../components/time-ago.js'
import { act } from '../lib/act.js'
import { plural } from '../lib/format.js'
import { useUi } from '../lib/ui.js'
import { useResource } from '../lib/use-resource.js'

export function AlertsPage() {
  const ui = useUi()
  const overview = useResource(getAlerts, [])
  const recent = useResource(() => listIncidents({ limit: 50 }), [])
  const test = async (rule: string) => {
    const r = await act(ui, () => testAlertRule(rule))
    if (!r) return
    const failed = r.delivery?.failed ?? []
    const text =
      r.queued === 0
        ? `${rule}: no channel takes this rule’s messages; nothing sent.`
        : failed.length
          ? `${rule}: test message not delivered to ${failed.map((f) => `${f.channel} (${f.error})`).join(', ')}.`
          : `${rule}: test message sent to ${plural(r.queued, 'channel')}.`
    ui.notify(text, failed.length ? 'error' : 'info')
    ui.announce(text)
  }
  return (
    <>
      <h1 tabIndex={-1}>Alerts</h1>
      <Loaded resource={overview}>
        {(o) => (
          <>
            <h2>Open incidents</h2>
            <Incidents id="open-incidents" label="Open incidents" rows={o.incidents} empty="No open incidents." />
            <h2>Rules</h2>
            <p class="muted">
              From {o.file ? <code>{o.file}</code> : 'the defaults (no alerts.yaml)'}, evaluated every {o.evaluateEveryMs / 1000} s.
            </p>
            <div id="alert-rules">
              <DataTable
                label="Alert rules"
                columns={['Rule', 'Severity', 'Condition', 'Scope', 'Channels', { title: 'Test', hidden: true }]}
                rows={o.rules.map((r) => (
                  <tr key={r.id} data-rule={r.id} class={r.enabled ? undefined : 'muted'}>
                    <td class="mono">{r.id}</td>
                    <td>
                      <span class={`badge sev-${r.severity}`}>{r.severity}</span>
                    </td>
                    <td>
                      {r.description}
                      {r.enabled ? null : ' (disabled)'}
                    </td>
                    <td>{r.scope}</td>
                    <td>{Array.isArray(r.channels) ? r.channels.join(', ') : r.channels}</td>
                    <td>
                      <button
                        type="button"
                        disabled={!r.enabled}
                        onClick={() => void test(r.id)}
                        aria-label={`Send a test message for ${r.id}`}
                      >
                        Test
                      </button>
                    </td>
                  </tr>
                ))}
                empty="No rules."
              />
            </div>
            <h2>Channels</h2>
            <div id="alert-channels">
              <DataTable
                label="Alert channels"
                columns={['Channel', 'Type', 'Details']}
                rows={o.channels.map(({ name, type, ...rest }) => (
                  <tr key={name}>
                    <td class="mono">{name}</td>
                    <td>{type}</td>
                    <td>
                      {Object.entries(rest)
                        .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`)
                        .join('; ')}
                    </td>
                  </tr>
                ))}
                empty="No channels: incidents are logged and shown here only. Add channels to alerts.yaml."
              />
            </div>
          </>
        )}
      </Loaded>
      <h2>Recent incidents</h2>
      <Loaded resource={recent}>
        {(rows) => <Incidents id="recent-incidents" label="Recent incidents" rows={rows} empty="No incidents recorded." />}
      </Loaded>
    </>
  )
}

function Incidents({ id, label, rows, empty }: { id: string; label: string; rows: IncidentRecord[]; empty: string }) {
  return (
    <div id={id}>
      <DataTable
        label={label}
        columns={['Started', 'Rule', 'Subject', 'Severity', 'Status', 'Summary']}
        rows={rows.map((i) => (
          <tr key={i.id} data-incident={i.id}>
            <td>
              <TimeAgo ms={i.startedAt} />
            </td>
            <td class="mono">{i.rule}</td>
            <td class="mono">{i.subject}</td>
            <td>
              <span class={`badge sev-${i.severity}`}>{i.severity}</span>
            </td>
            <td>
              <span class={`badge inc-${i.status}`}>{i.status}</span>
            </td>
            <td>{i.summary}</td>
          </tr>
        ))}
        empty={empty}
      />
    </div>
  )
}
