/**
 * `POST /hooks/<path>`: verify, parse, validate, dedupe, store, acknowledge. A 202 goes out only
 * after the event and its run are durably committed; nothing is stored for a rejected request
 * except a rejection counter (`pipewright_webhook_rejected_total{reason,path}`) and a log line
 * without body or secrets. A client's mistake is always a 4xx, never a 500.
 * @module
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Hub, IngestResult } from '../engine/hub.js'
import { ErrorCodes, isPipewrightError } from '../errors.js'
import type { HubMetrics } from '../observe/metrics.js'
import type { Scope } from '../pipeline/types.js'
import { prepareDelivery } from '../triggers/ingress.js'
import { retainedCopy, startRetentionSweeper, storeRetained } from '../triggers/retention.js'
import { onError, sendError } from './http-error.js'

export interface HooksOptions {
  hub: Hub
  metrics: HubMetrics
  /** Largest body any trigger accepts (fastify reads at most this much). */
  bodyLimit: number
  log: (msg: string, data?: object) => void
}

/** Error code reported for a status fastify produced before our handler ran. */
const CODE_BY_STATUS: Record<number, string> = {
  400: ErrorCodes.BAD_REQUEST,
  413: ErrorCodes.PAYLOAD_TOO_LARGE,
  415: ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
  503: ErrorCodes.SHUTTING_DOWN,
}

export async function registerHooks(app: FastifyInstance, opts: HooksOptions) {
  const { hub, metrics } = opts
  const count = (code: string, path: string, status: number) => {
    metrics.rejected.inc({ reason: code, path })
    opts.log('webhook rejected', { path, status, code })
  }
  if (hub.pipelines().some((p) => p.trigger.kind === 'webhook' && p.trigger.options.retainMs)) {
    const stop = startRetentionSweeper(
      hub.store,
      () => hub.clock.now(),
      (error) => hub.events.emit('hub:error', { message: 'purging expired retained webhook copies failed', error }),
    )
    app.addHook('onClose', async () => stop())
  }

  await app.register(async (scope) => {
    // Every content type arrives raw: signatures are computed over the exact bytes.
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: opts.bodyLimit }, (_req, body, done) => done(null, body))

    // Errors raised before or outside our handler (body too large for fastify's limit, bad
    // Content-Length, aborted uploads) answer as usual and are counted like every rejection.
    const fallback = onError((msg, err) => hub.events.emit('hub:error', { message: msg, error: err }))
    scope.setErrorHandler((error, req, reply) => {
      const sent = fallback(error as Error, req, reply)
      const status = reply.statusCode
      const path = hub.getPipelineByPath(webhookPath(req.url)) ? webhookPath(req.url) : 'unknown'
      count(CODE_BY_STATUS[status] ?? (status >= 500 ? ErrorCodes.INTERNAL : ErrorCodes.BAD_REQUEST), path, status)
      return sent
    })

    scope.post('/hooks/*', async (req, reply) => {
      const path = webhookPath(req.url)
      const pipeline = hub.getPipelineByPath(path)
      const reject = (status: number, code: string, message: string, details?: unknown, headers?: Record<string, string>) => {
        count(code, pipeline ? path : 'unknown', status)
        return sendError(reply, status, code, message, details, headers)
      }
      if (pipeline?.trigger.kind !== 'webhook') return reject(404, ErrorCodes.NOT_FOUND, `no pipeline listens on /hooks/${path}`)
      const trigger = pipeline.trigger.options
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
      const now = hub.clock.now()
      const prepared = prepareDelivery(trigger, { rawBody, headers: req.headers, url: req.url, method: req.method }, now)
      if (!prepared.ok) return reject(prepared.status, prepared.code, prepared.message, prepared.details)
      // A CSV with only a header, or an empty array with `split`: nothing to store, nothing to run.
      if (prepared.events.length === 0) return reply.code(202).send({ runs: [] })

      let results: IngestResult[]
      try {
        results = await hub.ingest(pipeline.id, prepared.events, { trigger: 'webhook', now })
      } catch (e) {
        if (isPipewrightError(e) && (e.code === ErrorCodes.STORE_UNAVAILABLE || e.code === ErrorCodes.BACK_PRESSURE)) {
          const busy = e.code === ErrorCodes.BACK_PRESSURE
          const after = Math.max(1, Math.ceil(((e as { retryAfterMs?: number }).retryAfterMs ?? 5000) / 1000))
          const message = busy
            ? 'too many runs are waiting; nothing was stored, retry shortly'
            : 'the store is unavailable; nothing was stored, retry shortly'
          return reject(busy ? 429 : 503, e.code, message, undefined, { 'retry-after': String(after) })
        }
        throw e
      }
      if (trigger.retainMs) {
        results.forEach((r, i) => {
          if (r.duplicate || !r.eventId) return
          const copy = retainedCopy(pipeline.id, prepared.events[i]!, trigger.redact, now, trigger.retainMs!)
          storeRetained(hub.store, r.eventId, copy).catch((error) =>
            hub.events.emit('hub:error', { message: `keeping the raw copy of ${r.eventId} failed; the event itself is stored`, error }),
          )
        })
      }

      if (results.length === 1) {
        const r = results[0]!
        if (r.duplicate) return reply.code(200).send({ duplicate: true, runId: r.runId })
        if (trigger.respond) return respondSync(hub, reply, r.runId, r.eventId!, trigger.respond, opts.log)
        return reply.code(202).send({ runId: r.runId, eventId: r.eventId })
      }
      const fresh = results.filter((r) => !r.duplicate)
      if (fresh.length === 0) return reply.code(200).send({ duplicate: true, runId: results[0]!.runId, runs: results })
      return reply.code(202).send({ runId: fresh[0]!.runId, eventId: fresh[0]!.eventId, runs: results })
    })
  })
}

/** `/hooks/a/b/?x=1` → `a/b` */
function webhookPath(url: string): string {
  const p = url.split('?')[0]!
  return p.startsWith('/hooks/') ? p.slice('/hooks/'.length).replace(/\/+$/, '') : ''
}

/**
 * Synchronous response mode: wait up to `timeoutMs` for the run. A run that succeeded in time
 * answers `status` (default 200) with the mapped `body` (default `{ runId, status }`); anything
 * else (still running, filtered, dead, or a mapping that throws) answers the usual 202 with
 * the run's state, because the event is stored and will run either way.
 */
async function respondSync(
  hub: Hub,
  reply: FastifyReply,
  runId: string,
  eventId: string,
  respond: { timeoutMs: number; body?: unknown; status?: number },
  log: HooksOptions['log'],
) {
  const run = await hub.waitForRun(runId, respond.timeoutMs)
  if (run?.status !== 'succeeded') return reply.code(202).send({ runId, eventId, status: run?.status ?? 'queued' })
  let body: unknown = { runId, status: run.status }
  if (respond.body !== undefined) {
    try {
      const [steps, event] = await Promise.all([hub.store.getSteps(runId), hub.store.getEvent(eventId)])
      const scope: Scope = {
        event: event?.payload,
        run: { id: run.id, pipelineId: run.pipelineId, attempt: run.attempt, createdAt: run.createdAt },
      }
      for (const s of steps) if (!s.stepPath.includes('.') && !s.stepPath.includes('#')) scope[s.stepPath] = s.output
      body = typeof respond.body === 'function' ? await (respond.body as (s: Scope) => unknown)(scope) : respond.body
    } catch (e) {
      log('webhook respond.body failed; answering 202', { runId, error: (e as Error).message })
      return reply.code(202).send({ runId, eventId, status: run.status })
    }
  }
  return reply.code(respond.status ?? 200).send(body ?? null)
}
