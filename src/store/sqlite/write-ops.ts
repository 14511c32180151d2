/**
 * The multi-statement write operations of the SQLite store, each a named synchronous unit
 * run inside the group-commit transaction (and its own savepoint). A unit that throws is
 * rolled back alone.
 * @module
 */
import { ErrorCodes, PipewrightError } from '../../errors.js'
import type { RunRecord, StepResultRecord } from '../../types.js'
import type { AcceptInput, AcceptResult, LeaseRequest, RunTransition } from '../contract.js'
import { LeaseLostError } from '../errors.js'
import type { Connection, Statements } from './connection.js'
import { deadLetterValues, eventValues, runValues, stepValues, toJson, toRun } from './rows.js'
import type { RunsTable } from './schema.js'

/** Dedupe check+claim, then event and run — in the order accepts were issued. */
export function acceptOne(s: Statements, input: AcceptInput): AcceptResult {
  const { event, run, dedupe } = input
  if (dedupe) {
    const claimed = s.claimDedupe.get({
      scope: dedupe.scope,
      key: dedupe.key,
      runId: run.id,
      expiresAt: dedupe.expiresAt,
      now: event.receivedAt,
    })
    if (!claimed) {
      const live = s.findDedupe.get<{ run_id: string }>({ scope: dedupe.scope, key: dedupe.key, now: event.receivedAt })
      if (live) return { accepted: false, duplicateOf: live.run_id }
    }
  }
  s.insertEvent.run(eventValues(event, input.payloadJson))
  s.insertRun.run(runValues(run))
  return { accepted: true, eventId: event.id, runId: run.id }
}

/**
 * Accepts without a delivery id to claim (nothing to look up first): every event, then every
 * run, each table in as few multi-row INSERTs as the count allows. Same rows as `acceptOne`.
 */
export function acceptPlain(c: Connection, inputs: readonly AcceptInput[]): AcceptResult[] {
  const events = new Array(inputs.length)
  const runs = new Array(inputs.length)
  const results: AcceptResult[] = new Array(inputs.length)
  for (let i = 0; i < inputs.length; i++) {
    const { event, run, payloadJson } = inputs[i]!
    events[i] = eventValues(event, payloadJson)
    runs[i] = runValues(run)
    results[i] = { accepted: true, eventId: event.id, runId: run.id }
  }
  c.insertRows('events', events)
  c.insertRows('runs', runs)
  return results
}

export function leaseRun(s: Statements, req: LeaseRequest): RunRecord | null {
  const row = s.leaseRun.get<RunsTable>({ runId: req.runId, owner: req.owner, now: req.now, expiresAt: req.now + req.leaseMs })
  return row ? toRun(row) : null
}

function writeSteps(s: Statements, runId: string, steps: readonly StepResultRecord[] | undefined): void {
  for (const step of steps ?? []) s.upsertStep.run(stepValues(runId, step))
}

export function saveSteps(
  s: Statements,
  runId: string,
  owner: string,
  steps: readonly StepResultRecord[],
  progress?: { currentStep: string | null; attempt: number; at: number },
): void {
  const held = progress
    ? s.saveProgress.run({ runId, owner, currentStep: progress.currentStep, attempt: progress.attempt, at: progress.at })
    : s.checkLease.run({ runId, owner })
  if (held === 0) throw new LeaseLostError(runId, owner)
  writeSteps(s, runId, steps)
}

export function transition(s: Statements, runId: string, owner: string, to: RunTransition, steps?: readonly StepResultRecord[]): void {
  const base = { runId, owner, at: to.at }
  let held: number
  switch (to.status) {
    case 'succeeded':
    case 'filtered':
      held = s.finishRun.run({ ...base, status: to.status })
      break
    case 'waiting':
      held = s.waitRun.run({
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
      held = s.requeueRun.run({ ...base, dueAt: to.dueAt })
      break
    case 'dead':
      held = s.killRun.run({ ...base, currentStep: to.currentStep, attempt: to.attempt, error: toJson(to.error) })
      if (held > 0) s.upsertDeadLetter.run(deadLetterValues({ ...to.deadLetter, runId }))
      break
  }
  if (held === 0) throw new LeaseLostError(runId, owner)
  writeSteps(s, runId, steps)
}

export function markReplayed(
  s: Statements,
  pairs: ReadonlyArray<{ runId: string; newRun: RunRecord; from: RunRecord['replayFrom']; copySteps: readonly StepResultRecord[] }>,
): void {
  for (const { runId, newRun, from, copySteps } of pairs) {
    if (s.markReplayed.run({ runId, newRunId: newRun.id }) === 0) {
      throw new PipewrightError(`dead letter for run ${runId} not found; nothing was replayed`, { code: ErrorCodes.DEAD_LETTER_NOT_FOUND })
    }
    s.insertRun.run(runValues({ ...newRun, replayOf: runId, replayFrom: from }))
    writeSteps(s, newRun.id, copySteps)
  }
}
