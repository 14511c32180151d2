/**
 * Read-side library functions shared by the CLI (`runs list|show`) and the API.
 * @module
 */
import { redactPaths } from '../triggers/body/redact.js'
import type { RunStatus } from '../types.js'
import type { Hub } from './hub.js'

export interface RunListQuery {
  pipeline?: string
  status?: RunStatus[]
  limit?: number
  before?: string
}

export async function listRunsQuery(hub: Pick<Hub, 'store'>, q: RunListQuery) {
  const runs = await hub.store.listRuns({
    pipelineId: q.pipeline,
    status: q.status,
    limit: Math.min(Math.max(1, q.limit ?? 50), 1000),
    before: q.before,
  })
  return runs.map((r) => ({
    id: r.id,
    pipeline: r.pipelineId,
    version: r.pipelineVersion,
    status: r.status,
    step: r.currentStep,
    attempt: r.attempt,
    waitReason: r.waitReason,
    dueAt: r.status === 'waiting' || r.status === 'queued' ? r.dueAt : null,
    replayOf: r.replayOf,
    error: r.error ? { code: r.error.code, message: r.error.message } : null,
    createdAt: r.createdAt,
    finishedAt: r.finishedAt,
  }))
}

/**
 * A run with its event payload, step trace and dead letter, for `runs show` and the API. The
 * payload is masked by the hub's redactor and by the webhook trigger's `redact` paths.
 */
export async function describeRun(hub: Pick<Hub, 'store' | 'redactor'> & Partial<Pick<Hub, 'getPipeline'>>, runId: string) {
  const run = await hub.store.getRun(runId)
  if (!run) return null
  const [event, steps, deadLetter] = await Promise.all([
    hub.store.getEvent(run.eventId),
    hub.store.getSteps(runId),
    run.status === 'dead' ? hub.store.getDeadLetter(runId) : null,
  ])
  const trigger = hub.getPipeline?.(run.pipelineId)?.trigger
  const paths = trigger?.kind === 'webhook' ? (trigger.options.redact ?? []) : []
  // Everything through the redactor: errors and the dead letter's input carry secrets too.
  return hub.redactor.value({
    run,
    event: event ? { ...event, payload: paths.length > 0 ? redactPaths(event.payload, paths) : event.payload } : null,
    steps,
    deadLetter,
  })
}
