/**
 * Row ↔ record mapping for SQLite: JSON columns are TEXT, times INTEGER ms.
 * @module
 */
import type { DeadLetterRecord, EventRecord, RunRecord, StepResultRecord } from '../../types.js'
import type { DeadLettersTable, EventsTable, RunsTable, StepResultsTable } from './schema.js'

export function toJson(v: unknown): string | null {
  return v === undefined ? null : JSON.stringify(v)
}

export function fromJson<T = unknown>(v: string | null): T {
  return (v === null ? null : JSON.parse(v)) as T
}

/** `payloadJson`: the payload's JSON text when the caller already has it (see AcceptInput). */
export function eventValues(e: EventRecord, payloadJson?: string): EventsTable {
  return {
    id: e.id,
    pipeline_id: e.pipelineId,
    trigger: e.trigger,
    delivery_id: e.deliveryId,
    payload: payloadJson ?? toJson(e.payload),
    meta: toJson(e.meta),
    received_at: e.receivedAt,
  }
}

export function toEvent(r: EventsTable): EventRecord {
  return {
    id: r.id,
    pipelineId: r.pipeline_id,
    trigger: r.trigger as EventRecord['trigger'],
    deliveryId: r.delivery_id,
    payload: fromJson(r.payload),
    meta: fromJson(r.meta),
    receivedAt: r.received_at,
  }
}

export function runValues(r: RunRecord): RunsTable {
  return {
    id: r.id,
    pipeline_id: r.pipelineId,
    pipeline_version: r.pipelineVersion,
    event_id: r.eventId,
    status: r.status,
    current_step: r.currentStep,
    attempt: r.attempt,
    due_at: r.dueAt,
    wait_reason: r.waitReason,
    lease_owner: r.leaseOwner,
    lease_expires_at: r.leaseExpiresAt,
    concurrency_key: r.concurrencyKey,
    replay_of: r.replayOf,
    replay_from: r.replayFrom,
    error: toJson(r.error),
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    finished_at: r.finishedAt,
  }
}

export function toRun(r: RunsTable): RunRecord {
  return {
    id: r.id,
    pipelineId: r.pipeline_id,
    pipelineVersion: r.pipeline_version,
    eventId: r.event_id,
    status: r.status as RunRecord['status'],
    currentStep: r.current_step,
    attempt: r.attempt,
    dueAt: r.due_at,
    waitReason: r.wait_reason as RunRecord['waitReason'],
    leaseOwner: r.lease_owner,
    leaseExpiresAt: r.lease_expires_at,
    concurrencyKey: r.concurrency_key,
    replayOf: r.replay_of,
    replayFrom: r.replay_from as RunRecord['replayFrom'],
    error: fromJson(r.error),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
  }
}

export function stepValues(runId: string, s: StepResultRecord): Omit<StepResultsTable, 'seq'> {
  return {
    run_id: runId,
    step_path: s.stepPath,
    status: s.status,
    output: toJson(s.output),
    attempts: s.attempts,
    started_at: s.startedAt,
    finished_at: s.finishedAt,
    error: toJson(s.error),
  }
}

export function toStep(r: Omit<StepResultsTable, 'seq'>): StepResultRecord {
  return {
    runId: r.run_id,
    stepPath: r.step_path,
    status: r.status as StepResultRecord['status'],
    output: fromJson(r.output),
    attempts: r.attempts,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: fromJson(r.error),
  }
}

export function deadLetterValues(d: DeadLetterRecord): DeadLettersTable {
  return {
    run_id: d.runId,
    pipeline_id: d.pipelineId,
    pipeline_version: d.pipelineVersion,
    event_id: d.eventId,
    reason: d.reason,
    step_id: d.stepId,
    attempts: d.attempts,
    error: toJson(d.error),
    last_input: toJson(d.lastInput),
    created_at: d.createdAt,
    replayed_by: d.replayedBy,
    discarded_at: d.discardedAt,
  }
}

export function toDeadLetter(r: DeadLettersTable): DeadLetterRecord {
  return {
    runId: r.run_id,
    pipelineId: r.pipeline_id,
    pipelineVersion: r.pipeline_version,
    eventId: r.event_id,
    reason: r.reason as DeadLetterRecord['reason'],
    stepId: r.step_id,
    attempts: r.attempts,
    error: fromJson(r.error),
    lastInput: fromJson(r.last_input),
    createdAt: r.created_at,
    replayedBy: r.replayed_by,
    discardedAt: r.discarded_at,
  }
}
