/**
 * Operator actions that the CLI and the API share (docs/governance.md): pause and resume a
 * pipeline or a sync, the audit log entry every action writes, and the dry run of a replay. The caller
 * says who acts (`cli:<user>`, `token:<name>`); the store keeps who, when and what.
 * @module
 */
import { ErrorCodes, PipewrightError } from '../errors.js'
import type { DeadLetterFilter, Store } from '../store/contract.js'
import type { AuditEntry, AuditEntryInput, PauseKind, PauseRow } from '../store/governance/contract.js'
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

/** What a sync pause or resume did (the sync's id in `sync`). */
export interface SyncPauseResult extends Omit<PauseResult, 'pipeline'> {
  sync: string
}

function knownSync(syncId: string, syncs: readonly string[] | null): void {
  if (syncs && !syncs.includes(syncId))
    throw new PipewrightError(`no sync "${syncId}"; loaded: ${syncs.join(', ') || '(none)'}`, { code: ErrorCodes.SYNC_NOT_FOUND })
}

async function pauseTarget(
  store: Store,
  clock: Clock,
  kind: PauseKind,
  id: string,
  by: { actor: string; reason?: string | null },
): Promise<Omit<PauseResult, 'pipeline'>> {
  const row: PauseRow = { kind, id, pausedAt: clock.now(), pausedBy: by.actor, reason: by.reason ?? null }
  const changed = await store.pauses.pause(row)
  if (changed)
    await audit(store, clock, {
      actor: by.actor,
      action: 'pause',
      target: `${kind}:${id}`,
      details: by.reason ? { reason: by.reason } : null,
    })
  const now = changed ? row : await store.pauses.get(kind, id)
  return { paused: true, changed, pausedBy: now?.pausedBy, pausedAt: now?.pausedAt }
}

async function resumeTarget(store: Store, clock: Clock, kind: PauseKind, id: string, actor: string) {
  const changed = await store.pauses.resume(kind, id)
  if (changed) await audit(store, clock, { actor, action: 'resume', target: `${kind}:${id}` })
  return { paused: false, changed }
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
  return { pipeline: pipelineId, ...(await pauseTarget(store, clock, 'pipeline', pipelineId, by)) }
}

/** Resume a pipeline: the runs that waited are dispatched (within seconds in every process). */
export async function resumePipeline(
  store: Store,
  clock: Clock,
  pipelineId: string,
  by: { actor: string; pipelines: readonly string[] | null },
): Promise<PauseResult> {
  known(pipelineId, by.pipelines)
  return { pipeline: pipelineId, ...(await resumeTarget(store, clock, 'pipeline', pipelineId, by.actor)) }
}

/**
 * Pause a sync: no pass runs (scheduled, repair or webhook-nudged); its webhooks still accept
 * events and mark the records to look at again. `syncs` (the loaded ids) rejects a typo.
 */
export async function pauseSync(
  store: Store,
  clock: Clock,
  syncId: string,
  by: { actor: string; reason?: string | null; syncs: readonly string[] | null },
): Promise<SyncPauseResult> {
  knownSync(syncId, by.syncs)
  return { sync: syncId, ...(await pauseTarget(store, clock, 'sync', syncId, by)) }
}

/** Resume a sync: the passes it held run within seconds in the process that runs it. */
export async function resumeSync(
  store: Store,
  clock: Clock,
  syncId: string,
  by: { actor: string; syncs: readonly string[] | null },
): Promise<SyncPauseResult> {
  knownSync(syncId, by.syncs)
  return { sync: syncId, ...(await resumeTarget(store, clock, 'sync', syncId, by.actor)) }
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
