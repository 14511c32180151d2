/**
 * The last 24 hours from the store's per-minute series (GET /charts): runs ended per minute by
 * status, p95 step latency, and provider 429s per connection (our own pacing waits are not
 * 429s and are not drawn here). Shown on the Pipelines page; each chart has a summary sentence
 * with its figures for screen readers.
 */
import { useRef } from 'preact/hooks'
import { getCharts } from '../api/endpoints.js'
import type { ChartData } from '../api/types.js'
import { count, plural } from '../lib/format.js'
import { useResource } from '../lib/use-resource.js'
import { Loaded } from './loaded.js'
import { TimeChart } from './time-chart.js'

const STATUS_COLOURS: Record<string, string> = { succeeded: '#1f7a44', dead: '#b42318', filtered: '#6b7079' }
export function ActivityCharts({ pipeline, connection }: { pipeline?: string; connection?: string }) {
  // The series change once a minute (the store is written every 10 s): every fourth tick is enough.
  const ticks = useRef(0)
  const charts = useResource(
    () => getCharts({ hours: 24, ...(pipeline ? { pipeline } : {}), ...(connection ? { connection } : {}) }),
    [pipeline, connection],
    {
      poll: () => ++ticks.current % 4 === 0,
    },
  )
  return (
    <section id="activity" class="activity" aria-labelledby="activity-title">
      <h2 id="activity-title">Last 24 hours</h2>
      <Loaded resource={charts}>{(d) => <Charts data={d} />}</Loaded>
    </section>
  )
}

function Charts({ data: d }: { data: ChartData }) {
  // Dead last, so its line is drawn over the (usually far larger) succeeded one.
  const ORDER = ['succeeded', 'filtered', 'dead']
  const statuses = Object.keys(d.runs).sort((a, b) => (ORDER.indexOf(a) + 1 || 9) - (ORDER.indexOf(b) + 1 || 9) || (a < b ? -1 : 1))
  const totals = Object.fromEntries(statuses.map((s) => [s, d.runs[s]!.reduce((a, b) => a + b, 0)]))
  const peak = Math.max(0, ...statuses.flatMap((s) => d.runs[s]!))
  const p95s = d.stepP95.filter((v): v is number => v !== null)
  const connections = Object.keys(d.provider429).sort()
  const limited = connections.map((c) => [c, d.provider429[c]!.reduce((a, b) => a + b, 0)] as const)
  return (
    <div class="charts">
      <div id="chart-runs">
        <TimeChart
          label="Runs per minute by status"
          summary={`${statuses.map((s) => `${count(totals[s]!)} ${s}`).join(', ')} in the last 24 hours; at most ${count(peak)} in one minute.`}
          times={d.times}
          series={statuses.map((s) => ({ label: s, values: d.runs[s]!, ...(STATUS_COLOURS[s] ? { color: STATUS_COLOURS[s] } : {}) }))}
          height={180}
        />
      </div>
      <div id="chart-latency">
        <TimeChart
          label="p95 step latency"
          summary={
            p95s.length
              ? `p95 step latency between ${Math.min(...p95s)} s and ${Math.max(...p95s)} s over ${plural(p95s.length, 'minute')} with steps.`
              : 'No steps ran in the last 24 hours.'
          }
          times={d.times}
          series={[{ label: 'p95', unit: 's', values: d.stepP95 }]}
          height={180}
          points
        />
      </div>
      <div id="chart-429">
        <TimeChart
          label="Provider 429s per minute"
          summary={
            limited.length
              ? `${limited.map(([c, n]) => `${c}: ${plural(n, '429')}`).join('; ')} in the last 24 hours (our own pacing waits are not counted).`
              : 'No provider answered 429 in the last 24 hours.'
          }
          times={d.times}
          series={
            connections.length
              ? connections.map((c) => ({ label: c, values: d.provider429[c]! }))
              : [{ label: '429s', values: d.times.map(() => 0) }]
          }
          height={180}
        />
      </div>
    </div>
  )
}

/**
 * The Connections page's view of the last 24 hours: provider 429s per minute by connection, and
 * beside them our own rate limiter's pacing waits (calls held back before they were sent) — the
 * two were once counted together; here they are apart.
 */
export function ProviderCharts() {
  const ticks = useRef(0)
  const charts = useResource(() => getCharts({ hours: 24 }), [], { poll: () => ++ticks.current % 4 === 0 })
  return (
    <section id="provider-activity" class="activity" aria-labelledby="provider-activity-title">
      <h2 id="provider-activity-title">Last 24 hours</h2>
      <Loaded resource={charts}>
        {(d) => {
          const series = (by: Record<string, number[]>, fallback: string) => {
            const keys = Object.keys(by).sort()
            return keys.length ? keys.map((k) => ({ label: k, values: by[k]! })) : [{ label: fallback, values: d.times.map(() => 0) }]
          }
          const total = (by: Record<string, number[]>) =>
            Object.keys(by)
              .sort()
              .map((k) => `${k}: ${count(by[k]!.reduce((a, b) => a + b, 0))}`)
              .join('; ')
          return (
            <div class="charts">
              <div id="chart-provider-429">
                <TimeChart
                  label="Provider 429s per minute"
                  summary={
                    total(d.provider429)
                      ? `Provider 429s in the last 24 hours: ${total(d.provider429)}.`
                      : 'No provider answered 429 in the last 24 hours.'
                  }
                  times={d.times}
                  series={series(d.provider429, '429s')}
                  height={180}
                />
              </div>
              <div id="chart-pacing">
                <TimeChart
                  label="Calls held back by our rate limits per minute"
                  summary={
                    total(d.pacingWaits)
                      ? `Calls our rate limits held back in the last 24 hours: ${total(d.pacingWaits)}.`
                      : 'Our rate limits held no call back in the last 24 hours.'
                  }
                  times={d.times}
                  series={series(d.pacingWaits, 'waits')}
                  height={180}
                />
              </div>
            </div>
          )
        }}
      </Loaded>
    </section>
  )
}
