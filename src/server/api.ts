/**
 * `/api/v1/…`: JSON for pipelines, runs, dead letters (with replay), usage and connections.
 * Every request passes the guard of api-guard.ts first (Host, origin, body type, token or
 * session). Stack traces are left out of responses unless the server runs with `debug`.
 * @module
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ConnectionInfo } from '../connections/types.js'
import type { CircuitRow } from '../connectors/gateway/gateway.js'
import type { Hub } from '../engine/hub.js'
import { describeRun, listRunsQuery } from '../engine/queries.js'
import { discardDeadLetter, replayDeadLetters, replayRuns } from '../engine/replay.js'
import { ErrorCodes } from '../errors.js'
import type { Alerting } from '../observe/alerts/alerting.js'
import type { SyncRunner } from '../sync/runner.js'
import type { DeadReason, ReplayFrom, ReplayVersion, RunStatus } from '../types.js'
import { registerAlertsApi } from './api-alerts.js'
import { registerChartsApi } from './api-charts.js'
import { registerConnectionsApi } from './api-connections.js'
import { auditDiscard, auditReplay, registerGovernanceApi } from './api-governance.js'
import { type ApiGuard, type GuardRouteConfig, registerSessionRoutes } from './api-guard.js'
import { apiDocs } from './api-schemas.js'
import { registerStatusApi, type StatusSource } from './api-status.js'
import { registerSyncsApi } from './api-syncs.js'
import { HttpError } from './http-error.js'
import { withoutStacks } from './public-errors.js'

export interface ApiOptions {
  hub: Hub
  /** Required bearer token; null allows anonymous access (loopback only). */
  token: string | null
  guard: ApiGuard
  /** Keep stack traces in responses. @defaultValue false */
  debug?: boolean
  /** Rows for `usage` (from the gateway), when available. */
  usage?: () => Promise<unknown[]> | unknown[]
  /** Every configured connection (the runtime's registry). */
  connections?: () => ConnectionInfo[]
  /** Circuit states (from the gateway), for the connections' answers. */
  circuits?: () => CircuitRow[]
  alerting?: Alerting | null
  /** Status of pipelines, syncs and connections (the runtime's); else from the hub alone. */
  status?: StatusSource
  syncs?: SyncRunner | null
}

const STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'filtered', 'dead']

export async function registerApi(app: FastifyInstance, opts: ApiOptions) {
  const { hub } = opts
  // Secrets masked (also those stored before the hub knew them) and, unless debug, no stack traces.
  const pub = <T>(v: T): T => hub.redactor.value(opts.debug ? v : withoutStacks(v))
  await app.register(
    async (api) => {
      // An empty body with a JSON type is `{}` (a POST that needs no parameters still sends the type).
      const json = api.getDefaultJsonParser('error', 'error')
      api.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) =>
        (body as string).trim() === '' ? done(null, {}) : json(req, body as string, done),
      )
      await registerSessionRoutes(api, opts.guard, opts.token, hub.clock)
      // Route schemas document the API (GET /api/v1/openapi.json); handlers check their input
      // and answers go out as they are, so nothing an answer carries is dropped by a schema.
      api.setValidatorCompiler(() => (data) => ({ value: data }))
      api.setSerializerCompiler(() => (data) => JSON.stringify(data))
      api.get('/openapi.json', { schema: { hide: true } }, async () => api.swagger())

      api.get('/pipelines', { schema: apiDocs.listPipelines }, async () => ({
        pipelines: hub.pipelines().map((p) => ({
          id: p.id,
          version: p.version,
          description: p.description,
          trigger: {
            kind: p.trigger.kind,
            ...(p.trigger.kind === 'webhook'
              ? { path: p.trigger.options.path }
              : p.trigger.kind === 'schedule'
                ? { cron: p.trigger.options.cron, timezone: p.trigger.options.timezone }
                : p.trigger.kind === 'poll'
                  ? { source: p.trigger.options.source }
                  : {}),
          },
          steps: p.steps.map((s) => ({ id: s.id, kind: s.kind })),
          source: p.source,
        })),
      }))

      api.get('/runs', { schema: apiDocs.listRuns }, async (req) => {
        const q = req.query as Record<string, string | undefined>
        if (q.status && !q.status.split(',').every((s) => STATUSES.includes(s)))
          throw new HttpError(400, ErrorCodes.BAD_REQUEST, `status must be one of ${STATUSES.join(', ')}`)
        return {
          runs: await listRunsQuery(hub, {
            pipeline: q.pipeline,
            status: q.status?.split(',') as RunStatus[] | undefined,
            limit: q.limit ? Number(q.limit) : 50,
            before: q.before,
          }),
        }
      })

      // CSV import: the body streams through the parser (one run per row), no size limit.
      api.addContentTypeParser(['text/csv', 'application/csv'], (_req, payload, done) => done(null, payload))
      const csvBody: GuardRouteConfig = { bodyTypes: ['text/csv', 'application/csv'] }
      api.post('/pipelines/:id/import', { config: csvBody, schema: apiDocs.importCsv }, async (req) => {
        const id = (req.params as { id: string }).id
        if (!hub.getPipeline(id)) throw new HttpError(404, ErrorCodes.PIPELINE_NOT_FOUND, `no pipeline ${id}`)
        const ct = String(req.headers['content-type'] ?? '')
        if (!/^(text|application)\/csv/.test(ct))
          throw new HttpError(415, ErrorCodes.UNSUPPORTED_MEDIA_TYPE, 'send the CSV with content-type text/csv')
        const q = req.query as Record<string, string | undefined>
        // The CSV modules load with the first import or export, not at start-up.
        const { importCsv } = await import('../csv/import.js')
        const summary = await importCsv(hub, id, req.body as NodeJS.ReadableStream as never, {
          idColumn: q.idColumn,
          delimiter: q.delimiter,
        })
        return { ...summary, runIds: summary.runIds.slice(0, 1000) }
      })

      api.get('/runs/export.csv', { schema: apiDocs.exportRuns }, async (req, reply) => {
        const q = req.query as Record<string, string | undefined>
        if (q.status && !q.status.split(',').every((s) => STATUSES.includes(s)))
          throw new HttpError(400, ErrorCodes.BAD_REQUEST, `status must be one of ${STATUSES.join(', ')}`)
        const { runsCsvString } = await import('../csv/export.js')
        const csv = await runsCsvString(hub, {
          pipeline: q.pipeline,
          status: q.status?.split(',') as RunStatus[] | undefined,
          limit: q.limit ? Number(q.limit) : 1000,
          steps: q.steps === 'true',
        })
        reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="runs.csv"')
        return csv
      })

      api.get('/runs/:id', { schema: apiDocs.getRun }, async (req) => {
        const out = await describeRun(hub, (req.params as { id: string }).id)
        if (!out) throw new HttpError(404, ErrorCodes.RUN_NOT_FOUND, `no run ${(req.params as { id: string }).id}`)
        return pub(out)
      })

      api.post('/runs/:id/replay', { schema: apiDocs.replayRun }, async (req) => {
        const body = parseBody(req)
        const id = (req.params as { id: string }).id
        const r = await auditReplay(hub, req, await replayRuns(hub, [id], replayOptions(body)), `run:${id}`, replayOptions(body))
        if (r.replayed.length === 0) throw new HttpError(409, ErrorCodes.BAD_REQUEST, r.skipped[0]?.reason ?? 'cannot replay')
        return r
      })

      api.get('/dead-letters', { schema: apiDocs.listDeadLetters }, async (req) => {
        const q = req.query as Record<string, string | undefined>
        return pub({
          deadLetters: await hub.store.listDeadLetters({
            pipelineId: q.pipeline,
            reason: q.reason as DeadReason | undefined,
            stepId: q.step,
            includeResolved: q.all === 'true',
            limit: q.limit ? Number(q.limit) : 100,
          }),
        })
      })

      // The exact number a bulk replay of this filter would select now, and the `until` bound that
      // pins the set: POST /dead-letters/replay with `filter: { ..., until }, limit: count` replays
      // those and no dead letter created after the count.
      api.get('/dead-letters/count', { schema: apiDocs.countDeadLetters }, async (req) => {
        const q = req.query as Record<string, string | undefined>
        const until = hub.clock.now() + 1
        const count = await hub.store.countDeadLetters({
          pipelineId: q.pipeline,
          reason: q.reason as DeadReason | undefined,
          stepId: q.step,
          until,
        })
        return { count, until }
      })

      api.get('/dead-letters/:runId', { schema: apiDocs.getDeadLetter }, async (req) => {
        const d = await hub.store.getDeadLetter((req.params as { runId: string }).runId)
        if (!d)
          throw new HttpError(404, ErrorCodes.DEAD_LETTER_NOT_FOUND, `no dead letter for run ${(req.params as { runId: string }).runId}`)
        return pub(d)
      })

      api.post('/dead-letters/replay', { schema: apiDocs.replayDeadLetters }, async (req) => {
        const body = parseBody(req) as {
          runIds?: string[]
          filter?: { pipeline?: string; reason?: DeadReason; step?: string; until?: unknown }
          limit?: unknown
          from?: string
          version?: string
        }
        if (Array.isArray(body.runIds)) {
          const ids = body.runIds.map(String)
          const target = ids.length === 1 ? `run:${ids[0]}` : 'dead-letters'
          return auditReplay(hub, req, await replayRuns(hub, ids, replayOptions(body)), target, replayOptions(body))
        }
        if (body.filter && typeof body.filter === 'object') {
          const target = body.filter.pipeline ? `pipeline:${body.filter.pipeline}` : 'dead-letters'
          const details = { ...replayOptions(body), filter: { ...body.filter } }
          const r = await replayDeadLetters(
            hub,
            {
              pipelineId: body.filter.pipeline,
              reason: body.filter.reason,
              stepId: body.filter.step,
              until: optionalCount(body.filter.until, 'filter.until'),
              limit: optionalCount(body.limit, 'limit'),
            },
            replayOptions(body),
          )
          return auditReplay(hub, req, r, target, details)
        }
        throw new HttpError(400, ErrorCodes.BAD_REQUEST, 'give runIds: [...] or filter: { pipeline, reason, step }')
      })

      api.post('/dead-letters/:runId/replay', { schema: apiDocs.replayDeadLetter }, async (req) => {
        const id = (req.params as { runId: string }).runId
        const options = replayOptions(parseBody(req))
        return auditReplay(hub, req, await replayRuns(hub, [id], options), `run:${id}`, options)
      })

      api.post('/dead-letters/:runId/discard', { schema: apiDocs.discardDeadLetter }, async (req) => {
        await discardDeadLetter(hub, (req.params as { runId: string }).runId)
        await auditDiscard(hub, req, (req.params as { runId: string }).runId)
        return { discarded: true }
      })

      await registerAlertsApi(api, opts)
      await registerStatusApi(api, opts)
      await registerChartsApi(api, opts)
      await registerSyncsApi(api, opts)
      await registerGovernanceApi(api, opts)
      api.get('/usage', { schema: apiDocs.usage }, async () => ({ usage: opts.usage ? await opts.usage() : [] }))
      await registerConnectionsApi(api, opts)
    },
    { prefix: '/api/v1' },
  )
}

function parseBody(req: FastifyRequest): Record<string, unknown> {
  const b = req.body
  if (b === undefined || b === null || b === '') return {}
  if (typeof b === 'object' && !Buffer.isBuffer(b)) return b as Record<string, unknown>
  try {
    return JSON.parse(Buffer.isBuffer(b) ? b.toString('utf8') : String(b))
  } catch {
    throw new HttpError(400, ErrorCodes.BAD_REQUEST, 'request body must be JSON')
  }
}

function optionalCount(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new HttpError(400, ErrorCodes.BAD_REQUEST, `${name} must be a whole number ≥ 0`)
  return value
}

function replayOptions(body: Record<string, unknown>): { from: ReplayFrom; version: ReplayVersion } {
  const from = (body.from ?? 'trigger') as ReplayFrom
  const version = (body.version ?? 'pinned') as ReplayVersion
  if (!['trigger', 'failed-step'].includes(from)) throw new HttpError(400, ErrorCodes.BAD_REQUEST, 'from must be trigger or failed-step')
  if (!['pinned', 'latest'].includes(version)) throw new HttpError(400, ErrorCodes.BAD_REQUEST, 'version must be pinned or latest')
  return { from, version }
}
