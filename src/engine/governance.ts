/**
 * Operator actions that the CLI and the API share (docs/governance.md): pause and resume a
 * pipeline, the audit log entry every action writes, and the dry run of a replay. The caller
 * says who acts (`cli:<user>`, `token:<name>`); the store keeps who, when and what.
 * @module
 */
import { ErrorCodes, PipewrightError } from '../errors.js'
import type { DeadLetterFilter, Store } from '../store/contract.js'
import type { AuditEntry, AuditEntryInput, PauseRow } from '../store/governance/contract.js'
import type { Clock } from '../types.js'

/** Write one audit entry; never carries secrets (callers pass ids, counts and options only). */
export function audit(store: Store, clock: Clock, entry: Omit<AuditEntryInput, 'at'>): Promise<AuditEntry> {
  return store.audit.append({ ...entry, at: clock.now(), details: entry.details ?? null })
}

export interface PauseResult {
  pipeline: string
  paused: boolean
  /** False when it already was in the requested state (nothing written to the audit log). */
  changed: boolean
  pausedBy?: string
  pausedAt?: number
}

function known(pipelineId: string, pipelines: readonly string[] | null): void {
  if (pipelines && !pipelines.includes(pipelineId))
    throw new PipewrightError(`no pipeline "${pipelineId}"; loaded: ${pipelines.join(', ') || '(none)'}`, {
      code: ErrorCodes.PIPELINE_NOT_FOUND,
    })
}

/**
 * Pause a pipeline: its webhooks and schedules still accept and store events, its runs wait.
 * `pipelines` (the loaded ids) rejects a typo; null skips the check.
 */
export async function pausePipeline(
  store: Store,
  clock: Clock,
  pipelineId: string,
  by: { actor: string; reason?: string | null; pipelines: readonly string[] | null },
): Promise<PauseResult> {
  known(pipelineId, by.pipelines)
  const row: PauseRow = { kind: 'pipeline', id: pipelineId, pausedAt: clock.now(), pausedBy: by.actor, reason: by.reason ?? null }
  const changed = await store.pauses.pause(row)
  if (changed)
    await audit(store, clock, {
      actor: by.actor,
      action: 'pause',
      target: `pipeline:${pipelineId}`,
      details: by.reason ? { reason: by.reason } : null,
    })
  const now = changed ? row : await store.pauses.get('pipeline', pipelineId)
  return { pipeline: pipelineId, paused: true, changed, pausedBy: now?.pausedBy, pausedAt: now?.pausedAt }
}

/** Resume a pipeline: the runs that waited are dispatched (within seconds in every process). */
export async function resumePipeline(
  store: Store,
  clock: Clock,
  pipelineId: string,
  by: { actor: string; pipelines: readonly string[] | null },
): Promise<PauseResult> {
  known(pipelineId, by.pipelines)
  const changed = await store.pauses.resume('pipeline', pipelineId)
  if (changed) await audit(store, clock, { actor: by.actor, action: 'resume', target: `pipeline:${pipelineId}` })
  return { pipeline: pipelineId, paused: false, changed }
}

export interface ReplayPlan {
  /** The runs a replay would start again, with why each died. */
  wouldReplay: Array<{ runId: string; pipelineId: string; reason: string | null; stepId: string | null }>
  skipped: Array<{ runId: string; reason: string }>
  /** Matching dead letters in all (a filter's list shows at most `limit`). */
  total: number
}

/** What `dlq replay` would do, without doing it. */
export async function planReplay(
  store: Store,
  clock: Clock,
  loaded: readonly string[],
  target: { runIds: string[] } | { filter: DeadLetterFilter },
  limit = 1000,
): Promise<ReplayPlan> {
  const plan: ReplayPlan = { wouldReplay: [], skipped: [], total: 0 }
  if ('filter' in target) {
    const scope: DeadLetterFilter = { ...target.filter, includeResolved: false, until: target.filter.until ?? clock.now() + 1 }
    plan.total = Math.min(await store.countDeadLetters(scope), target.filter.limit ?? Number.POSITIVE_INFINITY)
    for (const d of await store.listDeadLetters({ ...scope, limit: Math.min(limit, plan.total || 1) })) {
      if (!loaded.includes(d.pipelineId)) plan.skipped.push({ runId: d.runId, reason: `pipeline ${d.pipelineId} is not loaded` })
      else plan.wouldReplay.push({ runId: d.runId, pipelineId: d.pipelineId, reason: d.reason, stepId: d.stepId })
    }
    return plan
  }
  for (const runId of target.runIds) {
    const run = await store.getRun(runId)
    if (!run) plan.skipped.push({ runId, reason: 'no such run' })
    else if (!['succeeded', 'filtered', 'dead'].includes(run.status))
      plan.skipped.push({ runId, reason: `run is ${run.status}; only finished runs can be replayed` })
    else if (!loaded.includes(run.pipelineId)) plan.skipped.push({ runId, reason: `pipeline ${run.pipelineId} is not loaded` })
    else {
      const dead = run.status === 'dead' ? await store.getDeadLetter(runId) : null
      plan.wouldReplay.push({ runId, pipelineId: run.pipelineId, reason: dead?.reason ?? null, stepId: dead?.stepId ?? null })
    }
  }
  plan.total = plan.wouldReplay.length
  return plan
}
