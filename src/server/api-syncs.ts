/**
 * `/api/v1/syncs…`: the loaded syncs, their status and conflicts, a plan (dry run) and a run.
 *
 * - `GET /syncs` → `{ syncs }` (links, pending, conflicts, last pass per sync)
 * - `GET /syncs/:id` → the status: links, pending, conflicts, cursors, last pass, last drift repair
 * - `GET /syncs/:id/plan?mode=incremental|repair` → the report of a dry run (nothing written)
 * - `POST /syncs/:id/run` `{ mode?, force? }` → the report of a pass run now (its writes awaited,
 *   bounded); 409 `PW_SYNC_PAUSED` for a paused sync unless `force`
 * - `POST /syncs/:id/pause` `{ reason? }`, `POST /syncs/:id/resume` → `{ sync, paused, changed, … }`
 *   (audited as `sync:<id>`; admin token, like every state-changing route)
 * - `GET /syncs/:id/conflicts?limit=&before=` → `{ conflicts }`, newest first
 *
 * Status and conflicts come from the store; plan and run read the sides through the gateway.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { pauseSync, resumeSync } from '../engine/governance.js'
import type { Hub } from '../engine/hub.js'
import { ErrorCodes, isPipewrightError } from '../errors.js'
import type { SyncRunner } from '../sync/runner.js'
import { syncConflicts, syncStatus, syncSummary } from '../sync/status.js'
import type { CompiledSync } from '../sync/types.js'
import { actorOf } from './api-guard.js'
import { syncsDocs } from './api-syncs-schemas.js'
import { HttpError } from './http-error.js'

const MODES = ['incremental', 'repair'] as const
type Mode = (typeof MODES)[number]

export async function registerSyncsApi(api: FastifyInstance, opts: { hub: Hub; syncs?: SyncRunner | null }) {
  const { hub } = opts
  const all = (): CompiledSync[] => opts.syncs?.syncs() ?? []
  const one = (id: string): CompiledSync => {
    const s = all().find((x) => x.id === id)
    if (!s)
      throw new HttpError(
        404,
        ErrorCodes.SYNC_NOT_FOUND,
        `no sync "${id}" is loaded; known: ${
          all()
            .map((x) => x.id)
            .join(', ') || 'none'
        }`,
      )
    return s
  }
  const mode = (raw: unknown): Mode => {
    if (raw === undefined || raw === null || raw === '') return 'incremental'
    if (typeof raw === 'string' && (MODES as readonly string[]).includes(raw)) return raw as Mode
    throw new HttpError(400, ErrorCodes.BAD_REQUEST, `mode must be ${MODES.join(' or ')} (got ${JSON.stringify(raw)})`)
  }
  /** A sync being run by another process answers 409 with its code. */
  const busy = (e: unknown): never => {
    if (isPipewrightError(e) && (e.code === ErrorCodes.SYNC_BUSY || e.code === ErrorCodes.SYNC_PAUSED))
      throw new HttpError(409, e.code, e.message)
    throw e
  }

  api.get('/syncs', { schema: syncsDocs.list }, async () => ({
    syncs: await Promise.all(all().map((s) => syncSummary(hub.store, s, hub.clock.now()))),
  }))

  api.get('/syncs/:id', { schema: syncsDocs.get }, async (req) =>
    syncStatus(hub.store, one((req.params as { id: string }).id), hub.clock.now()),
  )

  api.get('/syncs/:id/plan', { schema: syncsDocs.plan }, async (req) => {
    const sync = one((req.params as { id: string }).id)
    const m = mode((req.query as { mode?: string }).mode)
    return opts.syncs!.plan(sync.id, { mode: m }).catch(busy)
  })

  api.post('/syncs/:id/run', { schema: syncsDocs.run }, async (req) => {
    const sync = one((req.params as { id: string }).id)
    const body = (req.body ?? {}) as { mode?: unknown; force?: unknown }
    if (typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, ErrorCodes.BAD_REQUEST, 'body must be { mode?, force? }')
    if (body.force !== undefined && typeof body.force !== 'boolean')
      throw new HttpError(400, ErrorCodes.BAD_REQUEST, 'force must be true or false')
    return opts.syncs!.run(sync.id, { mode: mode(body.mode), force: body.force === true }).catch(busy)
  })

  api.post('/syncs/:id/pause', { schema: syncsDocs.pause }, async (req) => {
    const sync = one((req.params as { id: string }).id)
    const body = (req.body ?? {}) as { reason?: unknown }
    if (body.reason !== undefined && typeof body.reason !== 'string')
      throw new HttpError(400, ErrorCodes.BAD_REQUEST, 'reason must be text')
    return pauseSync(hub.store, hub.clock, sync.id, {
      actor: actorOf(req),
      reason: (body.reason as string | undefined) ?? null,
      syncs: null,
    })
  })

  api.post('/syncs/:id/resume', { schema: syncsDocs.resume }, async (req) => {
    const sync = one((req.params as { id: string }).id)
    return resumeSync(hub.store, hub.clock, sync.id, { actor: actorOf(req), syncs: null })
  })

  api.get('/syncs/:id/conflicts', { schema: syncsDocs.conflicts }, async (req) => {
    const sync = one((req.params as { id: string }).id)
    const q = req.query as { limit?: string; before?: string }
    const limit = q.limit === undefined ? 100 : Number(q.limit)
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HttpError(400, ErrorCodes.BAD_REQUEST, 'limit must be 1 to 1000')
    const before = q.before === undefined ? undefined : Number(q.before)
    if (before !== undefined && !Number.isSafeInteger(before))
      throw new HttpError(400, ErrorCodes.BAD_REQUEST, 'before must be a createdAt in epoch ms')
    return { conflicts: await syncConflicts(hub.store, sync, { limit, ...(before !== undefined ? { before } : {}) }) }
  })
}
