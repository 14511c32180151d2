/**
 * Shapes of the /api/v1 answers the dashboard reads. Records come straight from the engine's
 * types (type-only imports: nothing of the server is bundled).
 */
import type {
  DeadLetterRecord,
  DeadReason,
  EventRecord,
  RunRecord,
  RunStatus,
  SerializedError,
  StepResultRecord,
  WaitReason,
} from '../../../src/types.js'

export type { ChartData } from '../../../src/observe/charts.js'
export type { HealthStatus, StatusEntry, StatusReport } from '../../../src/observe/status.js'
export type { IncidentRecord } from '../../../src/store/observe/contract.js'

/** `GET /alerts`: rules and channels in force (no secrets), open incidents. */
export interface AlertsOverview {
  file: string | null
  evaluateEveryMs: number
  rules: Array<{
    id: string
    kind: string
    enabled: boolean
    severity: string
    description: string
    for: string
    cooldown: string
    channels: string[] | string
    scope: string
  }>
  channels: Array<{ name: string; type: string } & Record<string, unknown>>
  incidents: import('../../../src/store/observe/contract.js').IncidentRecord[]
}
export type { DeadLetterRecord, DeadReason, RunRecord, RunStatus, SerializedError }

export const RUN_STATUSES: RunStatus[] = ['queued', 'running', 'waiting', 'succeeded', 'filtered', 'dead']
export const DEAD_REASONS: DeadReason[] = ['retryable-exhausted', 'permanent', 'quota', 'circuit', 'timeout', 'invalid']
export const FINISHED: RunStatus[] = ['succeeded', 'filtered', 'dead']

/** One row of `GET /runs`. */
export interface RunSummary {
  id: string
  pipeline: string
  version: string
  status: RunStatus
  step: string | null
  attempt: number
  waitReason: WaitReason | null
  dueAt: number | null
  replayOf: string | null
  error: { code?: string; message: string } | null
  createdAt: number
  finishedAt: number | null
}

/** `GET /runs/:id`. */
export interface RunDetail {
  run: RunRecord
  event: EventRecord | null
  steps: StepResultRecord[]
  deadLetter: DeadLetterRecord | null
}

/** One entry of `GET /pipelines`. */
export interface PipelineSummary {
  id: string
  version: string
  description?: string | null
  trigger: { kind: string; path?: string; cron?: string; timezone?: string }
  steps: Array<{ id: string; kind: string }>
  source?: { format: 'ts' | 'yaml'; file: string | null }
}

/** One row of `GET /usage`: a connection's budget in the current period. */
export interface UsageRow {
  connection: string
  budget: string
  period: string
  used: number
  limit: number
  remaining: number
  level: number
}

export interface ReplayResult {
  replayed: Array<{ runId: string; newRunId: string }>
  skipped: Array<{ runId: string; reason: string }>
}

export type ReplayFrom = 'trigger' | 'failed-step'
export type ReplayVersion = 'pinned' | 'latest'

export interface DeadLetterFilter {
  pipeline?: string
  reason?: DeadReason
}

// Syncs (`/syncs…`): shapes straight from the sync engine (type-only).
export type { SyncConflict } from '../../../src/store/sync-contract.js'
export type { PassReport, PlannedWrite, RepairFix } from '../../../src/sync/report.js'
export type { PassBrief, SyncStatus, SyncSummary } from '../../../src/sync/status.js'

/** `GET /api/v1/connections` (src/server/api-connections.ts). */
export interface ConnectionView {
  id: string
  service: string
  name: string
  source: { kind: 'env' | 'file' | 'options'; file?: string }
  active: boolean
  problem?: string
  baseUrl?: string
  plan?: string
  owner?: string
  tags: string[]
  description?: string
  allowPrivateNetwork: boolean | string[]
  limits: { rates: Array<{ name: string; limit: number; windowMs: number; actions?: string[] }>; maxConcurrent?: number }
  rate: { lastMinute: number; rateLimitedLastMinute: number }
  circuit: {
    state: 'closed' | 'open' | 'half-open'
    retryAfterMs: number
    origins: Array<{ origin: string; state: 'closed' | 'open' | 'half-open'; retryAfterMs: number }>
  }
  budgets: Array<{ name: string; period: string; limit: number; used: number; remaining: number; level: number }>
  credential: {
    kind: 'env' | 'stored' | 'inline' | 'none'
    name?: string
    status: 'present' | 'missing' | 'unchecked'
    owner?: string | null
    rotateBy?: string | null
    rotation: 'ok' | 'due' | 'overdue' | 'none'
  }
}
