/**
 * Status of each pipeline, sync and connection (DESIGN §13): Active, Paused, Degraded or
 * Failing, decided from what the store knows about its health — open incidents, runs ended in
 * the last minutes, circuit state and budget use. Pure: `computeStatus` takes the facts as
 * inputs (status-sources.ts gathers them), so the CLI, the API, the dashboard header and
 * `pipewright docs` say the same thing.
 *
 * - **paused**: an operator paused it (`pipewright pause`); events are still stored.
 * - **failing**: it does not work now — most of its recent runs died, its circuit is open, a
 *   budget is used up, its credential is missing, or (a sync) its writes keep dying.
 * - **degraded**: it works, but something is wrong — a firing incident is about it, some
 *   recent runs died, its circuit is probing, or a connection it uses is failing.
 * - **active**: none of the above.
 * @module
 */
import type { IncidentRecord } from '../store/observe/contract.js'

export type HealthStatus = 'active' | 'paused' | 'degraded' | 'failing'
export type StatusKind = 'pipeline' | 'sync' | 'connection'

export interface StatusEntry {
  kind: StatusKind
  /** Pipeline id, sync id, or connection key (`hubspot:main`). */
  id: string
  status: HealthStatus
  /** Why, one short sentence each; empty when active. */
  reasons: string[]
  /** Open (firing) incidents about it, by id. */
  incidents: string[]
}

export interface RunTotals {
  ended: number
  dead: number
}

export interface StatusInputs {
  /** Pipelines (not a sync's own pipelines) with the connections their actions use. */
  pipelines: ReadonlyArray<{ id: string; connections: readonly string[] }>
  /** Syncs with the pipelines that carry their writes, and the last pass's runs. */
  syncs: ReadonlyArray<{
    id: string
    pipelines: readonly string[]
    connections: readonly string[]
    lastPass?: { runs: { started: number; succeeded: number; dead: number } } | null
  }>
  /** Connection keys `connector:name`. */
  connections: readonly string[]
  /** What is paused, by kind (pipelines and syncs by id, connections by key). */
  paused?: Partial<Record<StatusKind, ReadonlySet<string> | readonly string[]>>
  /** Open incidents (pending ones are ignored). */
  incidents: readonly IncidentRecord[]
  /** Runs ended per pipeline over the status window. */
  runs: ReadonlyMap<string, RunTotals>
  /** Worst circuit state per connection key (any process). */
  circuits: ReadonlyMap<string, 'closed' | 'half-open' | 'open'>
  /** Connections that cannot be used (a missing credential, invalid settings): key → why. */
  unusable?: ReadonlyMap<string, string>
  /** Budget use per connection key: the highest share of an allowance used this period (0..1+). */
  budgets: ReadonlyMap<string, { budget: string; used: number; limit: number }>
  /** Minutes the run totals cover (for the reasons' wording). @defaultValue 15 */
  windowMinutes?: number
}

export interface StatusReport {
  pipelines: StatusEntry[]
  syncs: StatusEntry[]
  connections: StatusEntry[]
  /** How many of all entries are in each status. */
  counts: Record<HealthStatus, number>
}

/** At least this many dead runs, and more than half of those ended, is failing. */
const FAILING_MIN_DEAD = 3

const RANK: Record<HealthStatus, number> = { active: 0, degraded: 1, failing: 2, paused: 3 }

/** What an incident is about, from the details its rule records. */
export function incidentSubjects(i: IncidentRecord): { pipelines: string[]; syncs: string[]; connections: string[] } {
  const d = i.details ?? {}
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null)
  const pipeline = str(d.pipeline)
  const sync = str(d.sync)
  const connections: string[] = []
  const connector = str(d.connector)
  const connection = str(d.connection)
  if (connector && connection) connections.push(`${connector}:${connection}`)
  else if (connection) connections.push(connection)
  if (Array.isArray(d.connections)) for (const c of d.connections) if (str(c)) connections.push(c as string)
  return { pipelines: pipeline ? [pipeline] : [], syncs: sync ? [sync] : [], connections }
}

class Verdict {
  status: HealthStatus = 'active'
  reasons: string[] = []
  incidents: string[] = []
  raise(status: HealthStatus, reason: string) {
    if (RANK[status] > RANK[this.status]) this.status = status
    this.reasons.push(reason)
  }
}

const asSet = (v: ReadonlySet<string> | readonly string[] | undefined) => (v instanceof Set ? v : new Set(v ?? []))
const sortById = (a: StatusEntry, b: StatusEntry) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

export function computeStatus(inputs: StatusInputs): StatusReport {
  const minutes = inputs.windowMinutes ?? 15
  const paused = {
    pipeline: asSet(inputs.paused?.pipeline),
    sync: asSet(inputs.paused?.sync),
    connection: asSet(inputs.paused?.connection),
  }
  const firing = inputs.incidents.filter((i) => i.status === 'firing')
  const about = (kind: 'pipelines' | 'syncs' | 'connections', id: string) => firing.filter((i) => incidentSubjects(i)[kind].includes(id))
  const withIncidents = (v: Verdict, list: IncidentRecord[]) => {
    for (const i of list) {
      v.incidents.push(i.id)
      v.raise('degraded', `${i.severity} alert ${i.rule}: ${i.summary}`)
    }
  }

  const connections = new Map<string, Verdict>()
  for (const key of [...new Set(inputs.connections)].sort()) {
    const v = new Verdict()
    const unusable = inputs.unusable?.get(key)
    if (unusable) v.raise('failing', `not usable: ${unusable}`)
    const circuit = inputs.circuits.get(key)
    if (circuit === 'open') v.raise('failing', 'circuit open: calls to the provider are stopped until a probe succeeds')
    else if (circuit === 'half-open') v.raise('degraded', 'circuit half-open: probing the provider after failures')
    const b = inputs.budgets.get(key)
    if (b && b.limit > 0 && b.used >= b.limit) v.raise('failing', `budget ${b.budget} used up (${b.used} of ${b.limit})`)
    withIncidents(v, about('connections', key))
    if (paused.connection.has(key)) v.raise('paused', 'paused by an operator')
    connections.set(key, v)
  }

  const pipelineVerdict = (id: string, uses: readonly string[]) => {
    const v = new Verdict()
    const r = inputs.runs.get(id)
    if (r && r.dead > 0) {
      const share = `${r.dead} of ${r.ended} runs died in the last ${minutes} min`
      if (r.dead >= FAILING_MIN_DEAD && r.dead * 2 > r.ended) v.raise('failing', share)
      else v.raise('degraded', share)
    }
    withIncidents(v, about('pipelines', id))
    for (const c of [...new Set(uses)].sort()) {
      const cv = connections.get(c)
      if (cv?.status === 'failing') v.raise('degraded', `uses ${c}, which is failing`)
    }
    return v
  }

  const pipelines = inputs.pipelines.map(({ id, connections: uses }) => {
    const v = pipelineVerdict(id, uses)
    if (paused.pipeline.has(id)) v.raise('paused', 'paused by an operator')
    return entry('pipeline', id, v)
  })

  const syncs = inputs.syncs.map((s) => {
    const v = new Verdict()
    for (const p of s.pipelines) {
      const pv = pipelineVerdict(p, s.connections)
      for (const reason of pv.reasons) if (!v.reasons.includes(reason)) v.raise(pv.status, `writes (${p}): ${reason}`)
    }
    const runs = s.lastPass?.runs
    if (runs && runs.dead > 0)
      v.raise(
        runs.succeeded === 0 ? 'failing' : 'degraded',
        `last pass: ${runs.dead} of ${runs.started} write runs died${runs.succeeded === 0 ? ', none succeeded' : ''}`,
      )
    withIncidents(v, about('syncs', s.id))
    if (paused.sync.has(s.id)) v.raise('paused', 'paused by an operator')
    return entry('sync', s.id, v)
  })

  const report: StatusReport = {
    pipelines: pipelines.sort(sortById),
    syncs: syncs.sort(sortById),
    connections: [...connections].map(([key, v]) => entry('connection', key, v)),
    counts: { active: 0, paused: 0, degraded: 0, failing: 0 },
  }
  for (const e of [...report.pipelines, ...report.syncs, ...report.connections]) report.counts[e.status]++
  return report
}

function entry(kind: StatusKind, id: string, v: Verdict): StatusEntry {
  return { kind, id, status: v.status, reasons: v.reasons, incidents: [...new Set(v.incidents)] }
}

/** `Active`, `Paused`, `Degraded`, `Failing` — how people read it. */
export function statusLabel(s: HealthStatus): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}
