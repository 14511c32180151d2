import { describe, expect, it } from 'vitest'
import { createMemoryDispatch } from '../dispatch/memory.js'
import { systemClock } from '../engine/clock.js'
import { HubEvents } from '../engine/events.js'
import { createMetrics } from './metrics.js'

const accept = (events: HubEvents, pipelineId: string) =>
  events.emit('event:accepted', { pipelineId, eventId: 'evt_1', runId: 'run_1', trigger: 'webhook' })

describe('accepted-events counter', () => {
  it('reports every accepted event per pipeline, across scrapes, and never counts one twice', async () => {
    const events = new HubEvents()
    const metrics = createMetrics(events, createMemoryDispatch({ clock: systemClock }))
    accept(events, 'leads')
    let text = await metrics.render()
    expect(text).toContain('pipewright_events_accepted_total{pipeline="leads"} 1')

    accept(events, 'leads')
    accept(events, 'leads')
    accept(events, 'orders')
    text = await metrics.render()
    expect(text).toContain('pipewright_events_accepted_total{pipeline="leads"} 3')
    expect(text).toContain('pipewright_events_accepted_total{pipeline="orders"} 1')
    // A scrape with nothing new in between leaves the figures where they were.
    expect(await metrics.render()).toContain('pipewright_events_accepted_total{pipeline="leads"} 3')
    expect((await metrics.accepted.get()).values.find((v) => v.labels.pipeline === 'orders')?.value).toBe(1)
  })
})

describe('connector metrics', () => {
  const where = { connector: 'hubspot', connection: 'main', action: 'contacts.upsert' }

  it('counts provider 429s apart from our own pacing waits, labelled by connector and connection', async () => {
    const events = new HubEvents()
    const metrics = createMetrics(events, createMemoryDispatch({ clock: systemClock }))
    for (let i = 0; i < 166; i++) events.emit('connector:rateLimited', { ...where, window: 'burst', waitMs: 250, parked: false })
    events.emit('connector:rateLimited', { ...where, window: 'daily', waitMs: 60_000, parked: true })
    events.emit('connector:providerLimited', { ...where, httpStatus: 429, retryAfterMs: 1000 })
    events.emit('connector:saved', {
      connector: 'airtable',
      connection: 'main',
      action: 'records.upsert',
      effectKey: 'k',
      runId: 'r',
      stepId: 's',
    })
    const text = await metrics.render()
    expect(text).toContain('pipewright_provider_rate_limited_total{connector="hubspot",connection="main",action="contacts.upsert"} 1')
    expect(text).toContain('pipewright_pacing_waits_total{connector="hubspot",connection="main",window="burst",parked="false"} 166')
    expect(text).toContain('pipewright_pacing_waits_total{connector="hubspot",connection="main",window="daily",parked="true"} 1')
    expect(text).toContain('pipewright_pacing_wait_seconds_total{connector="hubspot",connection="main",window="burst"} 41.5')
    // Two connectors with a connection named alike never share a series.
    expect(text).toContain('pipewright_saved_calls_total{connector="airtable",connection="main"} 1')
    expect(text).not.toContain('pipewright_rate_limited_total')
  })

  it('exports budget use, circuit state, alert state and the oldest due run when scraped', async () => {
    const events = new HubEvents()
    const metrics = createMetrics(events, createMemoryDispatch({ clock: systemClock }), {
      usage: () => [
        { connection: 'clay:default', budget: 'submissions', period: 'lifetime', limit: 50_000, used: 47_500, remaining: 2_500, level: 95 },
      ],
      circuits: () => [
        { connector: 'hubspot', connection: 'main', state: 'open', retryAfterMs: 1000 },
        { connector: 'slack', connection: 'main', state: 'closed', retryAfterMs: 0 },
      ],
      incidents: async () => [
        {
          id: 'inc_1',
          rule: 'circuit-open',
          subject: 'hubspot:main',
          severity: 'critical',
          level: 1,
          status: 'firing',
          summary: 's',
          value: 2,
          details: null,
          channels: [],
          startedAt: 0,
          firedAt: 0,
          lastTrueAt: 0,
          resolvedAt: null,
          updatedAt: 0,
        },
      ],
      oldestDueMs: async () => 4_000,
    })
    const text = await metrics.render()
    const budget = 'connector="clay",connection="default",budget="submissions",period="lifetime"'
    expect(text).toContain(`pipewright_budget_used_ratio{${budget}} 0.95`)
    expect(text).toContain(`pipewright_budget_used{${budget}} 47500`)
    expect(text).toContain(`pipewright_budget_limit{${budget}} 50000`)
    expect(text).toContain('pipewright_circuit_state{connector="hubspot",connection="main"} 2')
    expect(text).toContain('pipewright_circuit_state{connector="slack",connection="main"} 0')
    expect(text).toContain('pipewright_alert_firing{rule="circuit-open",subject="hubspot:main",severity="critical"} 1')
    expect(text).toContain('pipewright_oldest_due_run_age_seconds 4')
    expect(text).toContain('pipewright_queue_depth{dispatch="memory"} 0')
  })
})
