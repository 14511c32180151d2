/**
 * The multi-statement write operations of the Postgres store, each a named async unit run
 * inside the group-commit transaction on one pooled client. Each checks its lease (or
 * existence) before writing anything, so a rejected unit has written nothing.
 * @module
 */
import { ErrorCodes, PipewrightError } from '../../errors.js'
import type { RunRecord, StepResultRecord } from '../../types.js'
import type { AcceptInput, AcceptResult, LeaseRequest, RunTransition } from '../contract.js'
import { LeaseLostError } from '../errors.js'
import { deadLetterValues, eventValues, runValues, stepValues, toJson, toRun } from '../sqlite/rows.js'
import type { RunsTable } from '../sqlite/schema.js'
import { prefixed } from './accept-statements.js'
import type { Querier } from './querier.js'

/** One round trip per accept (accept-statements.ts); dedupe claim first, in issue order. */
export async function acceptOne(q: Querier, input: AcceptInput): Promise<AcceptResult> {
  const { event, run, dedupe } = input
  const values = { ...prefixed('e_', eventValues(event, input.payloadJson)), ...prefixed('r_', runValues(run)) }
  if (!dedupe) {
    await q.run('acceptPlain', values)
    return { accepted: true, eventId: event.id, runId: run.id }
  }
  const now = event.receivedAt
  const row = await q.get<{ claimed: string | null; existing: string | null }>('acceptDeduped', {
    ...values,
    scope: dedupe.scope,
    key: dedupe.key,
    expires_at: dedupe.expiresAt,
    now,
  })
  if (row?.claimed) return { accepted: true, eventId: event.id, runId: run.id }
  // Lost the claim: the live key is in the snapshot, or was committed by another process meanwhile.
  const existing = row?.existing ?? (await q.get<{ run_id: string }>('findDedupe', { scope: dedupe.scope, key: dedupe.key, now }))?.run_id
  if (existing) return { accepted: false, duplicateOf: existing }
  throw new PipewrightError(`dedupe key ${dedupe.scope}/${dedupe.key} was neither claimed nor found; retry the delivery`, {
    code: ErrorCodes.INTERNAL,
  })
}

export async function leaseRun(q: Querier, req: LeaseRequest): Promise<RunRecord | null> {
  const row = await q.get<RunsTable>('leaseRun', { runId: req.runId, owner: req.owner, now: req.now, expiresAt: req.now + req.leaseMs })
  return row ? toRun(row) : null
}

async function writeSteps(q: Querier, runId: string, steps: readonly StepResultRecord[] | undefined): Promise<void> {
  for (const step of steps ?? []) await q.run('upsertStep', stepValues(runId, step))
}

export async function saveSteps(
  q: Querier,
  runId: string,
  owner: string,
  steps: readonly StepResultRecord[],
  progress?: { currentStep: string | null; attempt: number; at: number },
): Promise<void> {
  const held = progress
    ? await q.run('saveProgress', { runId, owner, currentStep: progress.currentStep, attempt: progress.attempt, at: progress.at })
    : await q.run('checkLease', { runId, owner })
  if (held === 0) throw new LeaseLostError(runId, owner)
  await writeSteps(q, runId, steps)
}

export async function transition(
  q: Querier,
  runId: string,
  owner: string,
  to: RunTransition,
  steps?: readonly StepResultRecord[],
): Promise<void> {
  const base = { runId, owner, at: to.at }
  let held: number
  switch (to.status) {
    case 'succeeded':
    case 'filtered':
      held = await q.run('finishRun', { ...base, status: to.status })
      break
    case 'waiting':
      held = await q.run('waitRun', {
        ...base,
        dueAt: to.dueAt,
        reason: to.reason,
        currentStep: to.currentStep,
        attempt: to.attempt,
        errorGiven: to.error !== undefined,
        error: toJson(to.error ?? null),
      })
      break
    case 'queued':
      held = await q.run('requeueRun', { ...base, dueAt: to.dueAt })
      break
    case 'dead':
      held = await q.run('killRun', { ...base, currentStep: to.currentStep, attempt: to.attempt, error: toJson(to.error) })
      if (held > 0) await q.run('upsertDeadLetter', deadLetterValues({ ...to.deadLetter, runId }))
      break
  }
  if (held === 0) throw new LeaseLostError(runId, owner)
  await writeSteps(q, runId, steps)
}

export async function markReplayed(
  q: Querier,
  pairs: ReadonlyArray<{ runId: string; newRun: RunRecord; from: RunRecord['replayFrom']; copySteps: readonly StepResultRecord[] }>,
): Promise<void> {
  for (const { runId, newRun, from, copySteps } of pairs) {
    if ((await q.run('markReplayed', { runId, newRunId: newRun.id })) === 0) {
      throw new PipewrightError(`dead letter for run ${runId} not found; nothing was replayed`, { code: ErrorCodes.DEAD_LETTER_NOT_FOUND })
    }
    await q.run('insertRun', runValues({ ...newRun, replayOf: runId, replayFrom: from }))
    await writeSteps(q, newRun.id, copySteps)
  }
}
