import { describe, expect, it } from 'vitest'
import type { IncidentRecord } from '../store/observe/contract.js'
import { computeStatus, type StatusInputs } from './status.js'

const base = (over: Partial<StatusInputs> = {}): StatusInputs => ({
  pipelines: [],
  syncs: [],
  connections: [],
  incidents: [],
  runs: new Map(),
  circuits: new Map(),
  budgets: new Map(),
  ...over,
})

const incident = (over: Partial<IncidentRecord>): IncidentRecord => ({
  id: 'inc_1',
  rule: 'provider-429',
  subject: 'hubspot:main',
  severity: 'warning',
  level: 0,
  status: 'firing',
  summary: '12 provider 429s in the last hour',
  value: 12,
  details: { connection: 'hubspot:main' },
  channels: [],
  startedAt: 0,
  firedAt: 0,
  lastTrueAt: 0,
  resolvedAt: null,
  updatedAt: 0,
  ...over,
})

describe('computeStatus', () => {
  it('tells failing (most recent runs dead) from degraded (a few dead) from active', () => {
    const r = computeStatus(
      base({
        pipelines: [
          { id: 'b-orders', connections: [] },
          { id: 'a-leads', connections: [] },
          { id: 'c-quiet', connections: [] },
        ],
        runs: new Map([
          ['a-leads', { ended: 5, dead: 3 }],
          ['b-orders', { ended: 40, dead: 1 }],
        ]),
      }),
    )
    expect(r.pipelines.map((p) => [p.id, p.status])).toEqual([
      ['a-leads', 'failing'],
      ['b-orders', 'degraded'],
      ['c-quiet', 'active'],
    ])
    expect(r.pipelines[0]!.reasons).toEqual(['3 of 5 runs died in the last 15 min'])
    expect(r.counts).toEqual({ active: 1, paused: 0, degraded: 1, failing: 1 })
  })

  it('a budget used up or an open circuit fails a connection, and the pipelines that call it are degraded', () => {
    const r = computeStatus(
      base({
        pipelines: [{ id: 'enrich', connections: ['clay:default'] }],
        connections: ['clay:default', 'hubspot:main', 'slack:default', 'smtp:default'],
        unusable: new Map([['smtp:default', 'SMTP_URL is not set']]),
        circuits: new Map([['hubspot:main', 'half-open']]),
        budgets: new Map([['clay:default', { budget: 'submissions', used: 50_000, limit: 50_000 }]]),
        incidents: [incident({}), incident({ id: 'inc_2', status: 'pending', details: { connection: 'slack:default' } })],
      }),
    )
    expect(r.connections.map((c) => [c.id, c.status])).toEqual([
      ['clay:default', 'failing'],
      ['hubspot:main', 'degraded'],
      ['slack:default', 'active'],
      ['smtp:default', 'failing'],
    ])
    expect(r.connections[3]!.reasons).toEqual(['not usable: SMTP_URL is not set'])
    expect(r.connections[1]!.incidents).toEqual(['inc_1'])
    expect(r.connections[1]!.reasons).toContain('warning alert provider-429: 12 provider 429s in the last hour')
    expect(r.pipelines[0]).toMatchObject({ status: 'degraded', reasons: ['uses clay:default, which is failing'] })
  })

  it('paused wins over any health, and keeps the reasons', () => {
    const r = computeStatus(
      base({
        pipelines: [{ id: 'leads', connections: [] }],
        syncs: [{ id: 'crm', pipelines: ['sync:crm'], connections: [], lastPass: null }],
        runs: new Map([['leads', { ended: 3, dead: 3 }]]),
        paused: { pipeline: ['leads'], sync: new Set(['crm']) },
      }),
    )
    expect(r.pipelines[0]).toMatchObject({ status: 'paused', reasons: ['3 of 3 runs died in the last 15 min', 'paused by an operator'] })
    expect(r.syncs[0]!.status).toBe('paused')
  })

  it('a sync fails when its last pass wrote nothing and its writes died; conflicts degrade it', () => {
    const r = computeStatus(
      base({
        syncs: [
          { id: 'a', pipelines: ['sync:a'], connections: [], lastPass: { runs: { started: 4, succeeded: 0, dead: 4 } } },
          { id: 'b', pipelines: ['sync:b'], connections: [], lastPass: { runs: { started: 4, succeeded: 4, dead: 0 } } },
        ],
        incidents: [incident({ rule: 'sync-conflicts', details: { sync: 'b', conflicts: 3 }, summary: 'b: 3 conflicts' })],
      }),
    )
    expect(r.syncs.map((s) => s.status)).toEqual(['failing', 'degraded'])
    expect(r.syncs[0]!.reasons).toEqual(['last pass: 4 of 4 write runs died, none succeeded'])
  })
})
