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
