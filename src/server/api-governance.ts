/**
 * `/api/v1` governance routes (docs/governance.md):
 *
 * - `POST /pipelines/:id/pause` `{ reason? }` → `{ pipeline, paused: true, changed, pausedBy, pausedAt }`
 * - `POST /pipelines/:id/resume` → `{ pipeline, paused: false, changed }`
 * - `GET /paused` → `{ paused: [{ kind, id, pausedAt, pausedBy, reason }] }`
 * - `GET /audit?action=&actor=&target=&limit=&before=` → `{ entries }`, newest first
 *
 * The actor recorded is the caller's token name (`token:<name>`), the dashboard session
 * (`session:<name>`), or `local` on an open loopback API. Pause and resume need an admin token.
 * @module
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { audit, pausePipeline, resumePipeline } from '../engine/governance.js'
import type { Hub } from '../engine/hub.js'
import { ErrorCodes, isPipewrightError } from '../errors.js'
import { actorOf } from './api-guard.js'
import { doc, errors, jsonSchema, obj } from './api-schemas.js'
import { HttpError } from './http-error.js'

const ms = z.number().int().describe('epoch milliseconds')
const pauseResult = obj({
  pipeline: z.string(),
  paused: z.boolean(),
  changed: z.boolean().describe('false when it already was in that state (no audit entry then)'),
  pausedBy: z.string().optional(),
  pausedAt: ms.optional(),
})
const pauseRow = obj({
  kind: z.enum(['pipeline', 'sync']),
  id: z.string(),
  pausedAt: ms,
  pausedBy: z.string(),
  reason: z.string().nullable(),
})
const auditEntry = obj({
  id: z.number().int(),
  at: ms,
  actor: z.string().describe('token:<name>, session:<name>, cli:<user> or local'),
  action: z.string().describe('pause, resume, replay, discard, credential.add, credential.rotate, credential.remove, …'),
  target: z.string().describe('pipeline:<id>, run:<id>, credential:<name>, …'),
  details: z.record(z.string(), z.unknown()).nullable(),
})
const idParam = jsonSchema(obj({ id: z.string().describe('pipeline id') }))

export const governanceDocs = {
  pause: doc('governance', 'Pause a pipeline: events are still accepted and stored, runs wait', {
    params: idParam,
    body: jsonSchema(obj({ reason: z.string().optional() }), 'input'),
    response: { 200: jsonSchema(pauseResult), ...errors(403, 404) },
  }),
  resume: doc('governance', 'Resume a paused pipeline: the runs that waited start', {
    params: idParam,
    response: { 200: jsonSchema(pauseResult), ...errors(403, 404) },
  }),
  paused: doc('governance', 'Paused pipelines and syncs, who paused them and when', {
    response: { 200: jsonSchema(obj({ paused: z.array(pauseRow) })), ...errors() },
  }),
  audit: doc('governance', 'The audit log of operator actions, newest first', {
    querystring: jsonSchema(
      obj({
        action: z.string().optional(),
        actor: z.string().optional(),
        target: z.string().optional().describe('prefix, e.g. pipeline: or run:run_01'),
        limit: z.string().optional().describe('1 to 1000, default 100'),
        before: z.string().optional().describe('entries with a smaller id (the next page)'),
      }),
      'input',
    ),
    response: { 200: jsonSchema(obj({ entries: z.array(auditEntry) })), ...errors(400) },
  }),
}

export async function registerGovernanceApi(api: FastifyInstance, opts: { hub: Hub }) {
  const { hub } = opts
  const loaded = () => hub.pipelines().map((p) => p.id)
  const notFound = (e: unknown) => {
    if (isPipewrightError(e) && e.code === ErrorCodes.PIPELINE_NOT_FOUND) throw new HttpError(404, e.code, e.message)
    throw e
  }

  api.post('/pipelines/:id/pause', { schema: governanceDocs.pause }, async (req) => {
    const id = (req.params as { id: string }).id
    const body = (req.body ?? {}) as { reason?: unknown }
    if (body.reason !== undefined && typeof body.reason !== 'string')
      throw new HttpError(400, ErrorCodes.BAD_REQUEST, 'reason must be text')
    const r = await pausePipeline(hub.store, hub.clock, id, {
      actor: actorOf(req),
      reason: (body.reason as string | undefined) ?? null,
      pipelines: loaded(),
    }).catch(notFound)
    await hub.refreshPauses()
    return r
  })

  api.post('/pipelines/:id/resume', { schema: governanceDocs.resume }, async (req) => {
    const id = (req.params as { id: string }).id
    const r = await resumePipeline(hub.store, hub.clock, id, { actor: actorOf(req), pipelines: loaded() }).catch(notFound)
    await hub.refreshPauses()
    return r
  })

  api.get('/paused', { schema: governanceDocs.paused }, async () => ({ paused: await hub.store.pauses.list() }))

  api.get('/audit', { schema: governanceDocs.audit }, async (req) => {
    const q = req.query as Record<string, string | undefined>
    const num = (name: string, v: string | undefined, max: number) => {
      if (v === undefined) return undefined
      const n = Number(v)
      if (!Number.isInteger(n) || n < 1 || n > max)
        throw new HttpError(400, ErrorCodes.BAD_REQUEST, `${name} must be a whole number from 1 to ${max}`)
      return n
    }
    return {
      entries: await hub.store.audit.list({
        action: q.action,
        actor: q.actor,
        target: q.target,
        limit: num('limit', q.limit, 1000) ?? 100,
        before: num('before', q.before, Number.MAX_SAFE_INTEGER),
      }),
    }
  })
}

/** Audit a replay made through the API (nothing when nothing was replayed); returns the result. */
export async function auditReplay<R extends { replayed: Array<{ runId: string; newRunId: string }> }>(
  hub: Hub,
  req: FastifyRequest,
  r: R,
  target: string,
  details: Record<string, unknown>,
): Promise<R> {
  if (r.replayed.length)
    await audit(hub.store, hub.clock, {
      actor: actorOf(req),
      action: 'replay',
      target,
      details: { count: r.replayed.length, ...details, runs: r.replayed.slice(0, 100) },
    })
  return r
}

export function auditDiscard(hub: Hub, req: FastifyRequest, runId: string) {
  return audit(hub.store, hub.clock, { actor: actorOf(req), action: 'discard', target: `run:${runId}` })
}
