/** Typed calls of the /api/v1 routes the dashboard uses; a new page adds its own here. */
import { api, query } from './client.js'
import type {
  AlertsOverview,
  ChartData,
  ConnectionView,
  DeadLetterFilter,
  DeadLetterRecord,
  IncidentRecord,
  PassReport,
  PipelineSummary,
  ReplayFrom,
  ReplayResult,
  ReplayVersion,
  RunDetail,
  RunStatus,
  RunSummary,
  StatusReport,
  SyncConflict,
  SyncStatus,
  SyncSummary,
  UsageRow,
} from './types.js'

const id = encodeURIComponent

export const listPipelines = () => api<{ pipelines: PipelineSummary[] }>('/pipelines').then((r) => r.pipelines)

export const listRuns = (q: { status?: RunStatus; pipeline?: string; before?: string; limit: number }) =>
  api<{ runs: RunSummary[] }>(`/runs${query(q)}`).then((r) => r.runs)

export const getRun = (runId: string) => api<RunDetail>(`/runs/${id(runId)}`)

export const replayRun = (runId: string, from: ReplayFrom, version: ReplayVersion) =>
  api<ReplayResult>(`/runs/${id(runId)}/replay`, { from, version })

export const listDeadLetters = (f: DeadLetterFilter, limit: number) =>
  api<{ deadLetters: DeadLetterRecord[] }>(`/dead-letters${query({ ...f, limit })}`).then((r) => r.deadLetters)

/** The exact count a bulk replay would select, and the `until` bound that pins that set. */
export const countDeadLetters = (f: DeadLetterFilter) => api<{ count: number; until: number }>(`/dead-letters/count${query({ ...f })}`)

export const replayDeadLetter = (runId: string, from: ReplayFrom, version: ReplayVersion) =>
  api<ReplayResult>(`/dead-letters/${id(runId)}/replay`, { from, version })

/** Replay at most `limit` dead letters of the filter created before `until` (from countDeadLetters). */
export const replayDeadLetters = (f: DeadLetterFilter, until: number, limit: number, from: ReplayFrom, version: ReplayVersion) =>
  api<ReplayResult>('/dead-letters/replay', { filter: { ...f, until }, limit, from, version })

export const discardDeadLetter = (runId: string) => api<{ discarded: boolean }>(`/dead-letters/${id(runId)}/discard`, {})

export interface PausedRow {
  kind: 'pipeline' | 'sync'
  id: string
  pausedAt: number
  pausedBy: string
  reason: string | null
}
export const listPaused = () => api<{ paused: PausedRow[] }>('/paused').then((r) => r.paused)
export const pausePipeline = (pipelineId: string) =>
  api<{ paused: boolean; changed: boolean }>(`/pipelines/${id(pipelineId)}/pause`, { reason: 'paused from the dashboard' })
export const resumePipeline = (pipelineId: string) => api<{ paused: boolean; changed: boolean }>(`/pipelines/${id(pipelineId)}/resume`, {})
export const pauseSync = (syncId: string) =>
  api<{ paused: boolean; changed: boolean }>(`/syncs/${id(syncId)}/pause`, { reason: 'paused from the dashboard' })
export const resumeSync = (syncId: string) => api<{ paused: boolean; changed: boolean }>(`/syncs/${id(syncId)}/resume`, {})

/** One operator action of the audit log (pages/audit.tsx). */
export interface AuditEntry {
  id: number
  at: number
  actor: string
  action: string
  target: string
  details: Record<string, unknown> | null
}
export interface AuditQuery {
  actor?: string
  action?: string
  /** Entries whose target starts with this. */
  target?: string
  /** Entries older than this id. */
  before?: number
  limit?: number
}
export const listAudit = (q: AuditQuery) => api<{ entries: AuditEntry[] }>(`/audit${query({ ...q })}`).then((r) => r.entries)
export const listUsage = () => api<{ usage: UsageRow[] }>('/usage').then((r) => r.usage)
export const listConnections = () => api<{ connections: ConnectionView[] }>('/connections').then((r) => r.connections)

/** Status of each pipeline, sync and connection (active, paused, degraded, failing) with the reasons. */
export const getStatus = () => api<StatusReport>('/status')

// Syncs (pages/syncs.tsx)
export const listSyncs = () => api<{ syncs: SyncSummary[] }>('/syncs').then((r) => r.syncs)
export const getSync = (syncId: string) => api<SyncStatus>(`/syncs/${id(syncId)}`)
export const listSyncConflicts = (syncId: string, limit: number) =>
  api<{ conflicts: SyncConflict[] }>(`/syncs/${id(syncId)}/conflicts${query({ limit })}`).then((r) => r.conflicts)
/** A dry run: what a pass would write on each side (nothing is written). */
export const planSync = (syncId: string, mode: 'incremental' | 'repair') => api<PassReport>(`/syncs/${id(syncId)}/plan${query({ mode })}`)
/** Run a pass now; resolves with its report once its writes are done (bounded). */
export const runSync = (syncId: string, mode: 'incremental' | 'repair') => api<PassReport>(`/syncs/${id(syncId)}/run`, { mode })

/** Per-minute series over the last `hours` (runs by status, p95 step latency, provider 429s). */
export const getCharts = (q: { hours?: number; pipeline?: string; connection?: string } = {}) => api<ChartData>(`/charts${query(q)}`)

/** Alert rules and channels in force, and open incidents. */
export const getAlerts = () => api<AlertsOverview>('/alerts')

export const listIncidents = (q: { status?: string; limit: number }) =>
  api<{ incidents: IncidentRecord[] }>(`/alerts/incidents${query(q)}`).then((r) => r.incidents)

/** Evaluate a rule now and send a test message through its channels. */
export const testAlertRule = (ruleId: string) =>
  api<{
    rule: string
    findings: unknown[]
    queued: number
    delivery: { sent: unknown[]; failed: Array<{ channel: string; error: string }> } | null
  }>(`/alerts/rules/${id(ruleId)}/test`, { send: true })
