/**
 * Gathering the facts `computeStatus` decides from: open incidents and per-minute run totals
 * from the store (the whole cluster's), circuit gauges every process publishes, budget rows
 * from the gateway, the syncs' last passes, and what is paused. The CLI (`pipewright status`,
 * `pipewright docs`) and the server (`/api/v1/status`) both call `gatherStatus`.
 * @module
 */
import type { CompiledPipeline } from '../pipeline/types.js'
import type { BudgetRow } from '../resilience/budget.js'
import type { Store } from '../store/contract.js'
import { hookPipelineId } from '../sync/pipelines.js'
import type { CompiledSync } from '../sync/types.js'
import { writePipelineId } from '../sync/writes.js'
import { parseLabels } from './labels.js'
import { sumSeries } from './series-query.js'
import { MINUTE_MS, SERIES } from './series-recorder.js'
import { computeStatus, type RunTotals, type StatusKind, type StatusReport } from './status.js'
import { isSyncPipeline, pipelineConnections, syncConnections } from './uses.js'

export interface StatusSources {
  store: Store
  now: number
  /** Every loaded pipeline; a sync's own (`sync:<id>…`) are reported under the sync. */
  pipelines: readonly CompiledPipeline[]
  syncs?: readonly CompiledSync[]
  /** The last pass of a sync (the sync runner's `lastPass`). */
  lastPass?: (syncId: string) => Promise<{ runs: { started: number; succeeded: number; dead: number } } | null>
  /**
   * Configured connections (keys such as `hubspot:main`, or the registry's entries, whose
   * `active: false` makes them failing with their `problem`); those pipelines call are added.
   */
  connections?: ReadonlyArray<string | { id: string; active?: boolean; problem?: string }>
  usage?: () => Promise<BudgetRow[]> | BudgetRow[]
  /**
   * What operators paused (pipelines, syncs, connections). @defaultValue the store's pause
   * registry (`store.pauses.list()`) when the store has one
   */
  paused?: () => Promise<Partial<Record<StatusKind, readonly string[]>>>
  /** @defaultValue 15 minutes */
  windowMs?: number
}

const CIRCUIT = ['closed', 'half-open', 'open'] as const

/**
 * The store's pause registry (`pipewright pause`), read by shape: `store.pauses.list()` giving
 * `{ kind, id }` rows. A store without one pauses nothing.
 */
async function pausedInStore(store: Store): Promise<Partial<Record<StatusKind, string[]>>> {
  const registry = (store as unknown as { pauses?: { list(): Promise<Array<{ kind: string; id: string }>> } }).pauses
  if (!registry || typeof registry.list !== 'function') return {}
  const out: Partial<Record<StatusKind, string[]>> = {}
  for (const r of await registry.list())
    if (r.kind === 'pipeline' || r.kind === 'sync' || r.kind === 'connection') out[r.kind] = [...(out[r.kind] ?? []), r.id]
  return out
}

export async function gatherStatus(s: StatusSources): Promise<StatusReport> {
  const windowMs = s.windowMs ?? 15 * MINUTE_MS
  const own = s.pipelines.filter((p) => !isSyncPipeline(p.id))
  const syncs = s.syncs ?? []
  const connections = new Set<string>()
  const unusable = new Map<string, string>()
  for (const c of s.connections ?? []) {
    if (typeof c === 'string') connections.add(c)
    else {
      connections.add(c.id)
      if (c.active === false) unusable.set(c.id, c.problem ?? 'inactive')
    }
  }
  for (const p of own) for (const c of pipelineConnections(p)) connections.add(c)
  for (const sy of syncs) for (const c of syncConnections(sy)) if (!c.startsWith('folder:')) connections.add(c)

  const [incidents, totals, gauges, usage, paused, passes] = await Promise.all([
    s.store.alerts.listIncidents({ status: ['firing'], limit: 1000 }),
    sumSeries(s.store, SERIES.runs, s.now - windowMs, (l) => `${l.pipeline ?? ''}\n${l.status ?? ''}`),
    s.store.series.listGauges([SERIES.circuit], s.now),
    Promise.resolve(s.usage?.() ?? []),
    (s.paused ?? (() => pausedInStore(s.store)))(),
    Promise.all(syncs.map(async (sy) => [sy.id, (await s.lastPass?.(sy.id)) ?? null] as const)),
  ])

  const runs = new Map<string, RunTotals>()
  for (const [key, n] of totals) {
    const [pipeline = '', status] = key.split('\n')
    const t = runs.get(pipeline) ?? { ended: 0, dead: 0 }
    t.ended += n
    if (status === 'dead') t.dead += n
    runs.set(pipeline, t)
  }
  const circuits = new Map<string, (typeof CIRCUIT)[number]>()
  for (const g of gauges) {
    const l = parseLabels(g.labels)
    const key = `${l.connector}:${l.connection}`
    const state = CIRCUIT[Math.max(0, Math.min(2, Math.round(g.value)))]!
    if (CIRCUIT.indexOf(state) > CIRCUIT.indexOf(circuits.get(key) ?? 'closed')) circuits.set(key, state)
  }
  const budgets = new Map<string, { budget: string; used: number; limit: number }>()
  for (const r of usage) {
    if (r.limit <= 0) continue
    const prev = budgets.get(r.connection)
    if (!prev || r.used / r.limit > prev.used / prev.limit) budgets.set(r.connection, { budget: r.budget, used: r.used, limit: r.limit })
  }
  const lastPass = new Map(passes)
  return computeStatus({
    pipelines: own.map((p) => ({ id: p.id, connections: pipelineConnections(p) })),
    syncs: syncs.map((sy) => ({
      id: sy.id,
      pipelines: [writePipelineId(sy.id), ...sy.webhooks.map((_, n) => hookPipelineId(sy.id, n))],
      connections: syncConnections(sy),
      lastPass: lastPass.get(sy.id) ?? null,
    })),
    connections: [...connections],
    unusable,
    paused,
    incidents,
    runs,
    circuits,
    budgets,
    windowMinutes: Math.round(windowMs / MINUTE_MS),
  })
}
