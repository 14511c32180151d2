/**
 * `POST /hooks/<path>`: verify, parse, validate, dedupe, store, acknowledge. A 202 goes out only
 * after the event and its run are durably committed; nothing is stored for a rejected request
 * except a rejection counter and a log line.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import type { Hub } from '../engine/hub.js'
import { ErrorCodes, isPipewrightError } from '../errors.js'
import type { HubMetrics } from '../observe/metrics.js'
import type { Scope } from '../pipeline/types.js'
import { prepareDelivery } from '../triggers/ingress.js'
import { sendError } from './http-error.js'

export interface HooksOptions {
  hub: Hub
  metrics: HubMetrics
  /** Largest body any trigger accepts (fastify reads at most this much). */
  bodyLimit: number
  log: (msg: string, data?: object) => void
}

export async function registerHooks(app: FastifyInstance, opts: HooksOptions) {
  const { hub, metrics } = opts
  await app.register(async (scope) => {
    // Every content type arrives raw: signatures are computed over the exact bytes.
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: opts.bodyLimit }, (_req, body, done) => done(null, body))

    scope.post('/hooks/*', async (req, reply) => {
      const path = (req.params as { '*': string })['*'].replace(/\/+$/, '')
      const reject = (status: number, code: string, message: string, details?: unknown, headers?: Record<string, string>) => {
        metrics.rejected.inc({ reason: code, path: pipeline ? path : 'unknown' })
        opts.log('webhook rejected', { path, status, code })
        return sendError(reply, status, code, message, details, headers)
      }
      const pipeline = hub.getPipelineByPath(path)
      if (!pipeline || pipeline.trigger.kind !== 'webhook') return reject(404, ErrorCodes.NOT_FOUND, `no pipeline listens on /hooks/${path}`)
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
      const prepared = prepareDelivery(pipeline.trigger.options, { rawBody, headers: req.headers, url: req.url, method: req.method }, hub.clock.now())
      if (!prepared.ok) return reject(prepared.status, prepared.code, prepared.message, prepared.details)
      let results: Awaited<ReturnType<Hub['ingest']>>
      try {
        results = await hub.ingest(pipeline.id, prepared.events, { trigger: 'webhook' })
      } catch (e) {
        if (isPipewrightError(e) && (e.code === ErrorCodes.STORE_UNAVAILABLE || e.code === ErrorCodes.BACK_PRESSURE)) {
          const status = e.code === ErrorCodes.BACK_PRESSURE ? 429 : 503
          const after = Math.max(1, Math.ceil(((e as { retryAfterMs?: number }).retryAfterMs ?? 5000) / 1000))
          return reject(status, e.code, status === 429 ? 'too many runs are waiting; retry shortly' : 'the store is unavailable; nothing was stored, retry shortly', undefined, { 'retry-after': String(after) })
        }
        throw e
      }
      if (results.length === 1) {
        const r = results[0]!
        if (r.duplicate) return reply.code(200).send({ duplicate: true, runId: r.runId })
        const respond = pipeline.trigger.options.respond
        if (respond) return respondSync(hub, reply, r.runId, r.eventId!, respond)
        return reply.code(202).send({ runId: r.runId, eventId: r.eventId })
      }
      const fresh = results.filter((r) => !r.duplicate)
      if (fresh.length === 0) return reply.code(200).send({ duplicate: true, runId: results[0]?.runId ?? null, runs: results })
      return reply.code(202).send({ runId: fresh[0]!.runId, eventId: fresh[0]!.eventId, runs: results })
    })
  })
}

/** Synchronous response mode: wait up to `timeoutMs` for the run and answer with its response. */
async function respondSync(hub: Hub, reply: any, runId: string, eventId: string, respond: { timeoutMs: number; body?: unknown; status?: number }) {
  const run = await hub.waitForRun(runId, respond.timeoutMs)
  if (!run || run.status !== 'succeeded') {
    return reply.code(202).send({ runId, eventId, status: run?.status ?? 'queued' })
  }
  const steps = await hub.store.getSteps(runId)
  const event = await hub.store.getEvent(eventId)
  const scope: Scope = { event: event?.payload, run: { id: run.id, pipelineId: run.pipelineId, attempt: run.attempt, createdAt: run.createdAt } }
  for (const s of steps) if (!s.stepPath.includes('.') && !s.stepPath.includes('#')) scope[s.stepPath] = s.output
  let body: unknown = { runId, status: run.status }
  if (typeof respond.body === 'function') body = await (respond.body as (s: Scope) => unknown)(scope)
  else if (respond.body !== undefined) body = respond.body
  return reply.code(respond.status ?? 200).send(body)
}
