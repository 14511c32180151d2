/**
 * Structured logs: one pino JSON line per run end and per step failure, with the fields
 * `timestamp, pipeline, event, run_id, step, status, duration_ms, attempt, action` (and `trace_id`
 * when tracing is on).
 * Secrets are masked by the hub's redactor before anything reaches the logger.
 * @module
 */
import pino, { type DestinationStream, type Logger } from 'pino'
import type { HubEvents } from '../engine/events.js'
import type { Redactor } from '../engine/redact.js'

export interface LoggerOptions {
  level?: string
  /** Where lines go. @defaultValue asynchronous stdout */
  destination?: DestinationStream
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: ['*.authorization', '*.Authorization', '*.token', '*.secret', '*.password', 'headers.*'], censor: '[redacted]' },
    },
    options.destination ?? pino.destination({ sync: false }),
  )
}

export interface RunLogOptions {
  /** When tracing is on: the trace id of a run, added to its lines as `trace_id`. */
  traceIdOf?: (runId: string) => string
}

/** Subscribe a logger to the hub's events. Returns an unsubscribe function. */
export function attachRunLogs(events: HubEvents, log: Logger, redactor: Redactor, options: RunLogOptions = {}): () => void {
  const { traceIdOf } = options
  const trace = traceIdOf ? (runId: string) => ({ trace_id: traceIdOf(runId) }) : () => undefined
  const offs = [
    events.on('run:end', ({ run, status, durationMs }) => {
      log.info(
        {
          pipeline: run.pipelineId,
          event: run.eventId,
          run_id: run.id,
          step: null,
          status,
          duration_ms: durationMs,
          attempt: run.attempt,
          action: null,
          ...trace(run.id),
        },
        `run ${status}`,
      )
    }),
    events.on('step:end', (e) => {
      if (e.status !== 'failed') return
      log.warn(
        {
          pipeline: e.run.pipelineId,
          event: e.run.eventId,
          run_id: e.run.id,
          step: e.stepId,
          status: 'failed',
          duration_ms: e.durationMs,
          attempt: e.attempt,
          action: e.action,
          error: e.error ? { name: e.error.name, code: e.error.code, message: e.error.message, status: e.error.status } : undefined,
          ...trace(e.run.id),
        },
        `step ${e.stepId} failed`,
      )
    }),
    events.on('run:waiting', (e) => {
      if (e.reason === 'retry' || e.reason === 'delay') return
      log.info(
        {
          pipeline: e.run.pipelineId,
          event: e.run.eventId,
          run_id: e.run.id,
          step: e.stepId,
          status: 'waiting',
          reason: e.reason,
          due_at: new Date(e.dueAt).toISOString(),
          attempt: e.attempt,
          ...trace(e.run.id),
        },
        `run waiting (${e.reason})`,
      )
    }),
    events.on('step:log', (e) => {
      log[e.level](
        { pipeline: e.run.pipelineId, event: e.run.eventId, run_id: e.run.id, step: e.stepId, data: e.data, ...trace(e.run.id) },
        e.message,
      )
    }),
    events.on('hub:error', ({ message, error }) => {
      log.error(
        {
          err:
            error instanceof Error
              ? { name: error.name, message: redactor.text(error.message), code: (error as { code?: string }).code }
              : undefined,
        },
        redactor.text(message),
      )
    }),
  ]
  return () => {
    for (const off of offs) off()
  }
}
