/**
 * Prometheus metrics (prom-client, one registry per hub): runs by pipeline and status, step
 * latency, queue depth and the oldest due run, connector calls, provider 429s and our own
 * pacing waits as separate series, circuit state, budget use, alert state, saved calls,
 * dedupe hits and rejected webhook requests. Everything about a connection is labelled with
 * both `connector` and `connection` (`default` is a name every connector has).
 *
 * Gauges that describe state (circuits, budgets, alerts, queue) are read when scraped.
 * The metric names are listed in docs/alerts.md; the generated Prometheus rules and Grafana
 * dashboard (`pipewright alerts export`) use them.
 * @module
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client'
import type { CircuitRow } from '../connectors/gateway/gateway.js'
import type { Dispatch } from '../dispatch/contract.js'
import type { HubEvents } from '../engine/events.js'
import type { BudgetRow } from '../resilience/budget.js'
import type { IncidentRecord } from '../store/observe/contract.js'
import { registerStepHistogram } from './step-histogram.js'

export interface HubMetrics {
  registry: Registry
  rejected: Counter<'reason' | 'path'>
  accepted: Counter<'pipeline'>
  render(): Promise<string>
}

/** Where the state gauges come from; each is optional (a bare hub has no gateway). */
export interface MetricSources {
  usage?: () => Promise<BudgetRow[]> | BudgetRow[]
  circuits?: () => CircuitRow[]
  /** Open (pending or firing) incidents. */
  incidents?: () => Promise<IncidentRecord[]>
  /** Age in ms of the oldest run that is due and not running, or null. */
  oldestDueMs?: () => Promise<number | null>
  /**
   * Also export the process's own metrics (prom-client defaults: CPU, resident memory, heap,
   * event-loop lag, open handles, GC) under their standard names (`process_*`, `nodejs_*`).
   * On for `pipewright start|worker|dev`; off in tests, which build many servers in one process.
   * @defaultValue false
   */
  process?: boolean
}

/** Step latency buckets (seconds), shared with the store's series (series-recorder.ts). */
export const STEP_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.5, 5, 10, 30] as const

const CIRCUIT_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const

export function createMetrics(events: HubEvents, dispatch: Dispatch, sources: MetricSources = {}): HubMetrics {
  const registry = new Registry()
  if (sources.process) collectDefaultMetrics({ register: registry })
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] })
  // Counted per run and per connector call, so counted in plain numbers and handed to
  // prom-client when read, like the accepted events below.
  const runs = plainCounter(registry, 'pipewright_runs_total', 'Runs that ended, by pipeline and status', ['pipeline', 'status'])
  const waits = counter('pipewright_run_waits_total', 'Runs parked as waiting, by reason', ['pipeline', 'reason'])
  const steps = registerStepHistogram(registry, {
    name: 'pipewright_step_duration_seconds',
    help: 'Step latency by pipeline, step kind and status',
    buckets: STEP_BUCKETS,
  })
  // Counted once per acknowledged webhook, so counted in plain numbers and handed to the
  // counter when it is read: a prom-client child's inc() hashes and validates its labels on
  // every call, which the ingress hot path would pay per event.
  const acceptedBy = new Map<string, number>()
  const accepted = new Counter({
    name: 'pipewright_events_accepted_total',
    help: 'Events stored and acknowledged',
    labelNames: ['pipeline'],
    registers: [registry],
    collect() {
      this.reset()
      for (const [pipeline, n] of acceptedBy) this.inc({ pipeline }, n)
    },
  })
  const duplicates = counter('pipewright_dedupe_hits_total', 'Deliveries answered as duplicates', ['pipeline'])
  const rejected = counter('pipewright_webhook_rejected_total', 'Webhook requests rejected, by reason', ['reason', 'path'])
  const calls = plainCounter(registry, 'pipewright_connector_calls_total', 'Connector calls by connector, connection, action and outcome', [
    'connector',
    'connection',
    'action',
    'status',
  ])
  const provider429 = counter(
    'pipewright_provider_rate_limited_total',
    'Requests the provider refused as rate limited (HTTP 429, Slack ratelimited, SMTP 421)',
    ['connector', 'connection', 'action'],
  )
  const paced = counter(
    'pipewright_pacing_waits_total',
    'Calls our own rate limiter held back before sending (no request was refused); parked="true" when the run was parked',
    ['connector', 'connection', 'window', 'parked'],
  )
  const pacedSeconds = counter('pipewright_pacing_wait_seconds_total', 'Time calls were held back by our own rate limiter', [
    'connector',
    'connection',
    'window',
  ])
  const saved = counter('pipewright_saved_calls_total', 'Writes skipped by the effect ledger', ['connector', 'connection'])

  new Gauge({
    name: 'pipewright_circuit_state',
    help: 'Circuit state per connection: 0 closed, 1 half-open, 2 open',
    labelNames: ['connector', 'connection'],
    registers: [registry],
    collect() {
      this.reset()
      for (const c of sources.circuits?.() ?? []) this.set({ connector: c.connector, connection: c.connection }, CIRCUIT_VALUE[c.state])
    },
  })
  // prom-client collects every metric of a scrape at once: the three budget gauges share
  // one reading of the budgets per scrape.
  let budgetRead: Promise<BudgetRow[]> | null = null
  const budgetRows = () =>
    (budgetRead ??= Promise.resolve(sources.usage?.() ?? []).finally(() =>
      setImmediate(() => {
        budgetRead = null
      }),
    ))
  const budgetGauge = (name: string, help: string, value: (r: BudgetRow) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['connector', 'connection', 'budget', 'period'],
      registers: [registry],
      async collect() {
        const rows = await budgetRows()
        this.reset()
        for (const r of rows) {
          const [connector = '', connection = ''] = splitConnection(r.connection)
          this.set({ connector, connection, budget: r.budget, period: r.period }, value(r))
        }
      },
    })
  budgetGauge(
    'pipewright_budget_used_ratio',
    'Share of a connection budget used this period (0.7, 0.85, 0.95 and 1 are the alert levels)',
    (r) => (r.limit > 0 ? r.used / r.limit : 0),
  )
  budgetGauge('pipewright_budget_used', 'Budget units used this period', (r) => r.used)
  budgetGauge('pipewright_budget_limit', 'Budget units allowed per period', (r) => r.limit)
  new Gauge({
    name: 'pipewright_alert_firing',
    help: 'Open alert incidents: 1 firing, 0 pending (condition holds, not yet for the rule’s `for`)',
    labelNames: ['rule', 'subject', 'severity'],
    registers: [registry],
    async collect() {
      this.reset()
      for (const i of (await sources.incidents?.()) ?? [])
        this.set({ rule: i.rule, subject: i.subject, severity: i.severity }, i.status === 'firing' ? 1 : 0)
    },
  })
  new Gauge({
    name: 'pipewright_queue_depth',
    help: 'Runs waiting in dispatch: this process’s queue (dispatch="memory") or the shared BullMQ queue (dispatch="bullmq", the same figure from every process)',
    labelNames: ['dispatch'],
    registers: [registry],
    async collect() {
      // Redis unreachable: leave the last figure rather than fail the whole scrape.
      const depth = await dispatch.depth().catch(() => null)
      if (depth !== null) this.set({ dispatch: dispatch.kind }, depth)
    },
  })
  new Gauge({
    name: 'pipewright_oldest_due_run_age_seconds',
    help: 'How long the oldest run that is due (and not running) has waited, cluster-wide',
    registers: [registry],
    async collect() {
      this.set(((await sources.oldestDueMs?.()) ?? 0) / 1000)
    },
  })

  const where = (e: Record<string, unknown>) => ({ connector: String(e.connector ?? ''), connection: String(e.connection ?? '') })
  events.on('run:end', ({ run, status }) => runs([run.pipelineId, status]))
  events.on('run:waiting', ({ run, reason }) => waits.inc({ pipeline: run.pipelineId, reason }))
  events.on('step:end', (e) => steps.observe(e.run.pipelineId, e.kind, e.status, e.durationMs / 1000))
  events.on('event:accepted', ({ pipelineId }) => acceptedBy.set(pipelineId, (acceptedBy.get(pipelineId) ?? 0) + 1))
  events.on('event:duplicate', ({ pipelineId }) => duplicates.inc({ pipeline: pipelineId }))
  events.on('connector:call', (e) =>
    calls([String(e.connector ?? ''), String(e.connection ?? ''), String(e.action ?? ''), String(e.status ?? '')]),
  )
  events.on('connector:providerLimited', (e) => provider429.inc({ ...where(e), action: String(e.action ?? '') }))
  events.on('connector:rateLimited', (e) => {
    const window = String(e.window ?? '')
    paced.inc({ ...where(e), window, parked: String(e.parked === true) })
    pacedSeconds.inc({ ...where(e), window }, Number(e.waitMs ?? 0) / 1000)
  })
  events.on('connector:saved', (e) => saved.inc(where(e)))

  return { registry, rejected, accepted, render: () => registry.metrics() }
}

/** Nested maps, one level per label value, down to the count. */
type Counts = Map<string, Counts | number>

/**
 * A counter kept in plain numbers (a few map lookups per increment) and handed to prom-client
 * when the registry is read: a prom-client child's inc() validates and hashes its label object
 * on every call. Returns the increment, which takes the label values in `labelNames` order.
 */
function plainCounter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): (values: string[]) => void {
  const root: Counts = new Map()
  new Counter<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset()
      const walk = (m: Counts, depth: number, labels: Record<string, string>) => {
        for (const [value, next] of m) {
          const at = { ...labels, [labelNames[depth]!]: value }
          if (typeof next === 'number') this.inc(at as Partial<Record<L, string>>, next)
          else walk(next, depth + 1, at)
        }
      }
      walk(root, 0, {})
    },
  })
  const last = labelNames.length - 1
  return (values) => {
    let m = root
    for (let i = 0; i < last; i++) {
      let next = m.get(values[i]!) as Counts | undefined
      if (next === undefined) {
        next = new Map()
        m.set(values[i]!, next)
      }
      m = next
    }
    m.set(values[last]!, ((m.get(values[last]!) as number | undefined) ?? 0) + 1)
  }
}

function splitConnection(key: string): [string, string] {
  const i = key.indexOf(':')
  return i < 0 ? [key, 'default'] : [key.slice(0, i), key.slice(i + 1)]
}
