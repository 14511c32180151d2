/**
 * Connections (`#/connections`): one card per configured connection with its limits, calls in
 * the last minute, circuit state, budgets with their levels, and credential status with its
 * rotate-by date (never a secret). Each part of a card is a section component listed in
 * `CONNECTION_SECTIONS`: add status, charts or actions (pause/resume) by adding a section.
 */
import type { ComponentType } from 'preact'
import { listConnections } from '../api/endpoints.js'
import type { ConnectionView } from '../api/types.js'
import { ProviderCharts } from '../components/activity-charts.js'
import { ConnectionHealth } from '../components/health-summary.js'
import { Loaded } from '../components/loaded.js'
import { count, duration } from '../lib/format.js'
import { useResource } from '../lib/use-resource.js'

export type ConnectionSectionProps = { connection: ConnectionView }

export function ConnectionsPage() {
  const connections = useResource(listConnections, [])
  return (
    <>
      <h1 tabIndex={-1}>Connections</h1>
      <p class="muted">
        Each configured account: limits, current rate, circuit, budgets this period and credential. Configure them in{' '}
        <span class="mono">connections/*.yaml</span>.
      </p>
      <ProviderCharts />
      <Loaded resource={connections}>
        {(list) =>
          list.length === 0 ? (
            <p class="empty">No connections are configured.</p>
          ) : (
            <div class="cards">
              {list.map((c) => (
                <ConnectionCard key={c.id} connection={c} />
              ))}
            </div>
          )
        }
      </Loaded>
    </>
  )
}

function ConnectionCard({ connection: c }: ConnectionSectionProps) {
  return (
    <section class="card connection" aria-labelledby={`conn-${c.id}`} data-connection={c.id}>
      <h2 id={`conn-${c.id}`} class="mono">
        {c.id}
      </h2>
      {CONNECTION_SECTIONS.map((S, i) => (
        <S key={i} connection={c} />
      ))}
    </section>
  )
}

/** A rate window as people say it: "second", "10 s", "minute", "day". */
function per(ms: number): string {
  const named: Record<number, string> = { 1000: 'second', 60000: 'minute', 3600000: 'hour', 86400000: 'day' }
  return named[ms] ?? (ms % 1000 === 0 ? `${ms / 1000} s` : duration(ms))
}

const CIRCUIT_CLASS = { closed: 'h-active', 'half-open': 'h-degraded', open: 'h-failing' } as const

function Overview({ connection: c }: ConnectionSectionProps) {
  const facts: Array<[string, string]> = [
    ['Service', c.service],
    ['Configured in', c.source.kind === 'file' ? (c.source.file ?? 'a file') : c.source.kind === 'env' ? 'environment' : 'code'],
    ...(c.plan ? ([['Plan', c.plan]] as Array<[string, string]>) : []),
    ...(c.baseUrl ? ([['Base URL', c.baseUrl]] as Array<[string, string]>) : []),
    ...(c.owner ? ([['Owner', c.owner]] as Array<[string, string]>) : []),
    ...(c.tags.length ? ([['Tags', c.tags.join(', ')]] as Array<[string, string]>) : []),
  ]
  return (
    <>
      {c.active ? null : (
        <p class="reasons" role="note">
          Inactive: {c.problem ?? 'not usable'}
        </p>
      )}
      {c.description ? <p>{c.description}</p> : null}
      <dl class="facts">
        {facts.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </>
  )
}

function Limits({ connection: c }: ConnectionSectionProps) {
  return (
    <>
      <h3>Limits and rate</h3>
      <ul class="limits">
        {c.limits.rates.map((r) => (
          <li key={r.name}>
            {r.name}: {count(r.limit)} per {per(r.windowMs)}
            {r.actions ? <span class="muted"> ({r.actions.join(', ')})</span> : null}
          </li>
        ))}
        {c.limits.maxConcurrent ? <li>{count(c.limits.maxConcurrent)} in flight at most</li> : null}
        {c.limits.rates.length === 0 && !c.limits.maxConcurrent ? <li class="muted">no rate limits</li> : null}
      </ul>
      <p>
        <span data-rate>{count(c.rate.lastMinute)} calls in the last minute</span>
        {c.rate.rateLimitedLastMinute ? <span class="muted">, {count(c.rate.rateLimitedLastMinute)} held by a rate limit</span> : null}
      </p>
      <p>
        Circuit <span class={`badge ${CIRCUIT_CLASS[c.circuit.state]}`}>{c.circuit.state}</span>
        {c.circuit.state !== 'closed' ? <span class="muted"> retry in {duration(c.circuit.retryAfterMs)}</span> : null}
      </p>
      {c.circuit.origins.length ? (
        <ul class="limits">
          {c.circuit.origins.map((o) => (
            <li key={o.origin}>
              <span class="mono">{o.origin}</span> <span class={`badge ${CIRCUIT_CLASS[o.state]}`}>{o.state}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </>
  )
}

function Budgets({ connection: c }: ConnectionSectionProps) {
  if (c.budgets.length === 0) return null
  return (
    <>
      <h3>Budgets</h3>
      <ul class="budgets">
        {c.budgets.map((b) => {
          const pct = b.limit ? Math.round((b.used / b.limit) * 100) : 0
          return (
            <li key={b.name} class={b.level >= 95 ? 'hot' : b.level >= 70 ? 'warm' : undefined}>
              {b.name} ({b.period}): {count(b.used)} of {count(b.limit)}{' '}
              <progress max={b.limit || 1} value={Math.min(b.used, b.limit || 1)} aria-label={`${c.id} ${b.name}: ${pct} % used`} /> {pct} %
              {b.level ? <span class="badge h-degraded"> level {b.level} %</span> : null}
            </li>
          )
        })}
      </ul>
    </>
  )
}

const CREDENTIAL_CLASS = { present: 'h-active', unchecked: 'h-paused', missing: 'h-failing' } as const
const ROTATION_CLASS = { ok: 'h-active', none: 'h-paused', due: 'h-degraded', overdue: 'h-failing' } as const

function Credential({ connection: c }: ConnectionSectionProps) {
  const cred = c.credential
  if (cred.kind === 'none') return null
  const where = cred.kind === 'env' ? `variable ${cred.name}` : cred.kind === 'stored' ? `stored credential ${cred.name}` : 'given in code'
  return (
    <>
      <h3>Credential</h3>
      <p data-credential>
        {where} <span class={`badge ${CREDENTIAL_CLASS[cred.status]}`}>{cred.status}</span>
        {cred.rotateBy ? (
          <>
            {' '}
            rotate by {cred.rotateBy.slice(0, 10)} <span class={`badge ${ROTATION_CLASS[cred.rotation]}`}>{cred.rotation}</span>
          </>
        ) : null}
      </p>
    </>
  )
}

/** The sections of each connection's card, in order. Add yours here (status, charts, pause/resume). */
export const CONNECTION_SECTIONS: ComponentType<ConnectionSectionProps>[] = [ConnectionHealth, Overview, Limits, Budgets, Credential]
