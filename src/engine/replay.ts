/**
 * Replay: a new run linked to the old one (`replayOf`), from the trigger (all steps again) or
 * from the failed step (finished steps copied, so their effects are not repeated), on the
 * pinned pipeline version or the latest. The CLI (`pipewright dlq replay`) and the API
 * (`POST /api/v1/dead-letters/replay`) both call these functions.
 * @module
 */
import { ErrorCodes, PipewrightError } from '../errors.js'
import { newId } from '../ids.js'
import type { DeadLetterFilter } from '../store/contract.js'
import type { ReplayFrom, ReplayVersion, RunRecord } from '../types.js'
import type { Hub } from './hub.js'

export interface ReplayOptions {
  from?: ReplayFrom
  version?: ReplayVersion
  /** Called after each batch with the count done so far. */
  onProgress?: (done: number, total: number) => void
}

export interface ReplayResult {
  replayed: Array<{ runId: string; newRunId: string }>
  skipped: Array<{ runId: string; reason: string }>
}

/** Replay specific runs (dead or not). Dead letters are marked replayed in the same write. */
export async function replayRuns(hub: Hub, runIds: string[], options: ReplayOptions = {}): Promise<ReplayResult> {
  const from = options.from ?? 'trigger'
  const version = options.version ?? 'pinned'
  const result: ReplayResult = { replayed: [], skipped: [] }
  const now = hub.clock.now()
  const batch: Array<{ runId: string; newRun: RunRecord; from: ReplayFrom; copySteps: any[] }> = []
  let done = 0
  const flush = async () => {
    if (!batch.length) return
    const items = batch.splice(0)
    const dead = items.filter((b) => deadIds.has(b.runId))
    if (dead.length) await hub.store.markReplayed(dead)
    for (const b of items) if (!deadIds.has(b.runId)) await hub.store.insertRun(b.newRun)
  }
  const deadIds = new Set<string>()
  for (const runId of runIds) {
    const old = await hub.store.getRun(runId)
    if (!old) {
      result.skipped.push({ runId, reason: 'no such run' })
      continue
    }
    if (!['succeeded', 'filtered', 'dead'].includes(old.status)) {
      result.skipped.push({ runId, reason: `run is ${old.status}; only finished runs can be replayed` })
      continue
    }
    const pipeline = hub.getPipeline(old.pipelineId)
    if (!pipeline) {
      result.skipped.push({ runId, reason: `pipeline ${old.pipelineId} is not loaded` })
      continue
    }
    const newRunId = newId('run', now)
    if (old.status === 'dead') deadIds.add(runId)
    const copySteps =
      from === 'failed-step' && old.status === 'dead'
        ? (await hub.store.getSteps(runId))
            .filter((s) => s.status !== 'failed' && s.stepPath !== old.currentStep)
            .map((s) => ({ ...s, runId: newRunId }))
        : []
    const newRun: RunRecord = {
      ...old,
      id: newRunId,
      pipelineVersion: version === 'latest' ? pipeline.version : old.pipelineVersion,
      status: 'queued',
      currentStep: null,
      attempt: 0,
      dueAt: now,
      waitReason: null,
      leaseOwner: null,
      leaseExpiresAt: null,
      replayOf: old.id,
      replayFrom: from,
      error: null,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
    }
    batch.push({ runId, newRun, from, copySteps })
    result.replayed.push({ runId, newRunId })
    if (batch.length >= 200) {
      await flush()
      done = result.replayed.length
      options.onProgress?.(done, runIds.length)
    }
  }
  await flush()
  options.onProgress?.(result.replayed.length, runIds.length)
  await hub.dispatch.dispatchMany(result.replayed.map((r) => ({ runId: r.newRunId })))
  return result
}

/** Dead letters read per batch of a bulk replay. */
const BULK_BATCH = 500

/**
 * Replay every unresolved dead letter matching a filter — all of them, or at most `filter.limit`
 * — in batches, so memory stays flat whatever the count. The set is fixed when the call starts:
 * dead letters created after it (`until` defaults to now, and the count taken then caps the
 * total) are not picked up, so replaying runs that die again can never loop.
 */
export async function replayDeadLetters(hub: Hub, filter: DeadLetterFilter, options: ReplayOptions = {}): Promise<ReplayResult> {
  const scope: DeadLetterFilter = { ...filter, includeResolved: false, until: filter.until ?? hub.clock.now() + 1 }
  const matching = await hub.store.countDeadLetters(scope)
  const total = Math.min(matching, filter.limit ?? matching)
  const result: ReplayResult = { replayed: [], skipped: [] }
  // Skipped letters stay unresolved and are listed again; read past them.
  const skipped = new Set<string>()
  while (result.replayed.length + result.skipped.length < total) {
    const want = Math.min(BULK_BATCH, total - result.replayed.length - result.skipped.length)
    const letters = await hub.store.listDeadLetters({ ...scope, limit: want + skipped.size })
    const fresh = letters.filter((d) => !skipped.has(d.runId)).slice(0, want)
    if (fresh.length === 0) break
    const done = result.replayed.length
    const r = await replayRuns(
      hub,
      fresh.map((d) => d.runId),
      { ...options, onProgress: (n) => options.onProgress?.(done + n, total) },
    )
    result.replayed.push(...r.replayed)
    result.skipped.push(...r.skipped)
    for (const s of r.skipped) skipped.add(s.runId)
  }
  if (total === 0) options.onProgress?.(0, 0)
  return result
}

export async function discardDeadLetter(hub: Hub, runId: string): Promise<void> {
  const ok = await hub.store.discardDeadLetter(runId, hub.clock.now())
  if (!ok) throw new PipewrightError(`no open dead letter for run ${runId}`, { code: ErrorCodes.DEAD_LETTER_NOT_FOUND })
}
