/**
 * Prometheus metrics (prom-client, one registry per hub): runs by pipeline and status, step
 * latency, queue depth, oldest due run, connector calls, 429s, circuit state, budget use,
 * saved calls, dedupe hits and rejected webhook requests.
 * @module
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { Dispatch } from '../dispatch/contract.js'
import type { HubEvents } from '../engine/events.js'

export interface HubMetrics {
  registry: Registry
  rejected: Counter<'reason' | 'path'>
  accepted: Counter<'pipeline'>
  render(): Promise<string>
}

export interface MetricsOptions {
  /**
   * Also export the process's own metrics (prom-client defaults: CPU, resident memory, heap,
   * event-loop lag, open handles, GC) under their standard names (`process_*`, `nodejs_*`).
   * On for `pipewright start|worker|dev`; off in tests, which build many servers in one process.
   * @defaultValue false
   */
  process?: boolean
}

export function createMetrics(events: HubEvents, dispatch: Dispatch, options: MetricsOptions = {}): HubMetrics {
  const registry = new Registry()
  if (options.process) collectDefaultMetrics({ register: registry })
  const runs = new Counter({
    name: 'pipewright_runs_total',
    help: 'Runs that ended, by pipeline and status',
    labelNames: ['pipeline', 'status'],
    registers: [registry],
  })
  const waits = new Counter({
    name: 'pipewright_run_waits_total',
    help: 'Runs parked as waiting, by reason',
    labelNames: ['pipeline', 'reason'],
    registers: [registry],
  })
  const steps = new Histogram({
    name: 'pipewright_step_duration_seconds',
    help: 'Step latency by pipeline, step kind and status',
    labelNames: ['pipeline', 'kind', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
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
  const duplicates = new Counter({
    name: 'pipewright_dedupe_hits_total',
    help: 'Deliveries answered as duplicates',
    labelNames: ['pipeline'],
    registers: [registry],
  })
  const rejected = new Counter({
    name: 'pipewright_webhook_rejected_total',
    help: 'Webhook requests rejected, by reason',
    labelNames: ['reason', 'path'],
    registers: [registry],
  })
  const calls = new Counter({
    name: 'pipewright_connector_calls_total',
    help: 'Connector calls by connector, action and outcome',
    labelNames: ['connector', 'action', 'status'],
    registers: [registry],
  })
  const limited = new Counter({
    name: 'pipewright_rate_limited_total',
    help: 'Calls held back by a rate limit or answered 429',
    labelNames: ['connector'],
    registers: [registry],
  })
  const saved = new Counter({
    name: 'pipewright_saved_calls_total',
    help: 'Writes skipped by the effect ledger',
    labelNames: ['connector'],
    registers: [registry],
  })
  const circuit = new Gauge({
    name: 'pipewright_circuit_state',
    help: 'Circuit state per connection: 0 closed, 1 half-open, 2 open',
    labelNames: ['connection'],
    registers: [registry],
  })
  const budget = new Gauge({
    name: 'pipewright_budget_used_ratio',
    help: 'Share of a connection budget used this period',
    labelNames: ['connection', 'budget'],
    registers: [registry],
  })
  new Gauge({
    name: 'pipewright_queue_depth',
    help: 'Runs waiting in dispatch in this process',
    registers: [registry],
    async collect() {
      this.set(await dispatch.depth())
    },
  })

  events.on('run:end', ({ run, status }) => runs.inc({ pipeline: run.pipelineId, status }))
  events.on('run:waiting', ({ run, reason }) => waits.inc({ pipeline: run.pipelineId, reason }))
  events.on('step:end', (e) => steps.observe({ pipeline: e.run.pipelineId, kind: e.kind, status: e.status }, e.durationMs / 1000))
  events.on('event:accepted', ({ pipelineId }) => acceptedBy.set(pipelineId, (acceptedBy.get(pipelineId) ?? 0) + 1))
  events.on('event:duplicate', ({ pipelineId }) => duplicates.inc({ pipeline: pipelineId }))
  events.on('connector:call', (e) =>
    calls.inc({ connector: String(e.connector ?? ''), action: String(e.action ?? ''), status: String(e.status ?? '') }),
  )
  events.on('connector:rateLimited', (e) => limited.inc({ connector: String(e.connector ?? '') }))
  events.on('connector:saved', (e) => saved.inc({ connector: String(e.connector ?? '') }))
  events.on('connector:circuit', (e) =>
    circuit.set({ connection: String(e.connection ?? '') }, e.state === 'open' ? 2 : e.state === 'half-open' ? 1 : 0),
  )
  events.on('budget:level', (e) =>
    budget.set(
      { connection: String(e.connection ?? ''), budget: String(e.budget ?? '') },
      Number(e.limit) > 0 ? Number(e.used) / Number(e.limit) : 0,
    ),
  )

  return { registry, rejected, accepted, render: () => registry.metrics() }
}
