/**
 * `POST /hooks/<path>`: verify, parse, validate, dedupe, store, acknowledge. A 202 goes out only
 * after the event and its run are durably committed; nothing is stored for a rejected request
 * except a rejection counter (`pipewright_webhook_rejected_total{reason,path}`) and a log line
 * without body or secrets. A client's mistake is always a 4xx, never a 500.
 *
 * One framework-free core ({@link createWebhookIngress}) answers every request. Requests on a
 * real connection reach it through {@link webhookListener}, a plain `node:http` handler placed in
 * front of fastify (ingress is the hot path: fastify's routing, body parser and reply pipeline
 * cost more per request than everything else here but the store). The fastify route registered
 * by {@link registerHooks} serves the same core to `app.inject` and anything else that enters
 * through fastify.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import type { Hub, IngestResult } from '../engine/hub.js'
import { ErrorCodes, isPipewrightError } from '../errors.js'
import type { HubMetrics } from '../observe/metrics.js'
import type { Scope } from '../pipeline/types.js'
import { verifyWebhookAuth } from '../triggers/auth/index.js'
import { prepareDelivery } from '../triggers/ingress.js'
import { senderAllowed } from '../triggers/ip-gate.js'
import { retainedCopy, startRetentionSweeper, storeRetained } from '../triggers/retention.js'
import { errorBody, onError } from './http-error.js'

export interface HooksOptions {
  hub: Hub
  metrics: HubMetrics
  /** Largest body any trigger accepts (fastify reads at most this much). */
  bodyLimit: number
  log: (msg: string, data?: object) => void
  /**
   * Reverse proxies in front of this server whose `X-Forwarded-For` entries are trusted when
   * checking a trigger's `allowIps` (read right to left). @defaultValue 0 (the socket's peer)
   */
  trustedProxies?: number
}

/** What to answer: status, JSON body and extra headers. */
export interface WebhookResponse {
  status: number
  body: unknown
  headers?: Record<string, string>
}

export interface WebhookRequest {
  /** Path and query as received, e.g. `/hooks/crm?src=x`. */
  url: string
  method: string
  headers: Record<string, string | string[] | undefined>
  rawBody: Buffer
  /** The socket's peer address, for `allowIps`. */
  remoteAddress?: string
}

export interface WebhookIngress {
  handle(req: WebhookRequest): Promise<WebhookResponse>
  /**
   * A `GET` on a webhook path: the URL check some senders make when a webhook is saved
   * (Mailchimp). 200 for a `normalize: 'mailchimp'` trigger whose URL auth passes, 401 when it
   * does not, 405 for other triggers, 404 for unknown paths. Nothing is stored.
   */
  handshake(req: WebhookRequest): WebhookResponse
  /** A rejection decided outside `handle` (body too large, aborted upload, shutting down). */
  reject(path: string, status: number, code: string, message: string, headers?: Record<string, string>): WebhookResponse
  /** The body limit of the pipeline listening on this path, or null when none does. */
  bodyLimitFor(path: string): number | null
}

/** Error code reported for a status fastify produced before our handler ran. */
const CODE_BY_STATUS: Record<number, string> = {
  400: ErrorCodes.BAD_REQUEST,
  413: ErrorCodes.PAYLOAD_TOO_LARGE,
  415: ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
  503: ErrorCodes.SHUTTING_DOWN,
}

/** Same default as the trigger compiler (`1mb`). */
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024

/** `/hooks/a/b/?x=1` → `a/b` */
export function webhookPath(url: string): string {
  const q = url.indexOf('?')
  const p = q < 0 ? url : url.slice(0, q)
  if (!p.startsWith('/hooks/')) return ''
  const rest = p.slice('/hooks/'.length)
  return rest.endsWith('/') ? rest.replace(/\/+$/, '') : rest
}

export function createWebhookIngress(opts: HooksOptions): WebhookIngress {
  const { hub, metrics } = opts
  /**
   * The webhook trigger listening on `path`; for a `url-secret` trigger also one segment up
   * (`/hooks/mailchimp/<secret>`). `path` in the result is the trigger's own path: the one to
   * log and count, never the URL (which may hold the secret).
   */
  const webhook = (path: string) => {
    const p = hub.getPipelineByPath(path)
    if (p?.trigger.kind === 'webhook') return { pipeline: p, trigger: p.trigger.options, path }
    const slash = path.lastIndexOf('/')
    if (slash <= 0) return null
    const up = hub.getPipelineByPath(path.slice(0, slash))
    if (up?.trigger.kind !== 'webhook' || up.trigger.options.auth?.scheme !== 'url-secret') return null
    return { pipeline: up, trigger: up.trigger.options, path: path.slice(0, slash) }
  }
  const reject = (path: string, status: number, code: string, message: string, headers?: Record<string, string>, details?: unknown) => {
    const label = webhook(path)?.path ?? 'unknown'
    metrics.rejected.inc({ reason: code, path: label })
    opts.log('webhook rejected', { path: label, status, code })
    return headers ? { status, body: errorBody(code, message, details), headers } : { status, body: errorBody(code, message, details) }
  }

  async function handle(req: WebhookRequest): Promise<WebhookResponse> {
    const path = webhookPath(req.url)
    const found = webhook(path)
    if (!found) return reject(path, 404, ErrorCodes.NOT_FOUND, `no pipeline listens on /hooks/${path}`)
    const { pipeline, trigger } = found
    if (!senderAllowed(trigger, req, opts.trustedProxies ?? 0))
      return reject(path, 403, ErrorCodes.IP_NOT_ALLOWED, 'this webhook does not accept requests from your address')
    const now = hub.clock.now()
    const prepared = prepareDelivery(trigger, req, now)
    if (!prepared.ok) return reject(path, prepared.status, prepared.code, prepared.message, undefined, prepared.details)
    // A CSV with only a header, or an empty array with `split`: nothing to store, nothing to run.
    if (prepared.events.length === 0) return { status: 202, body: { runs: [] } }

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
        return reject(path, busy ? 429 : 503, e.code, message, { 'retry-after': String(after) })
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
      if (r.duplicate) return { status: 200, body: { duplicate: true, runId: r.runId } }
      if (trigger.respond) return respondSync(hub, r.runId, r.eventId!, trigger.respond, opts.log)
      return { status: 202, body: { runId: r.runId, eventId: r.eventId } }
    }
    const fresh = results.filter((r) => !r.duplicate)
    if (fresh.length === 0) return { status: 200, body: { duplicate: true, runId: results[0]!.runId, runs: results } }
    return { status: 202, body: { runId: fresh[0]!.runId, eventId: fresh[0]!.eventId, runs: results } }
  }

  function handshake(req: WebhookRequest): WebhookResponse {
    const path = webhookPath(req.url)
    const found = webhook(path)
    if (!found) return reject(path, 404, ErrorCodes.NOT_FOUND, 'no pipeline listens on this path')
    if (!senderAllowed(found.trigger, req, opts.trustedProxies ?? 0))
      return reject(path, 403, ErrorCodes.IP_NOT_ALLOWED, 'this webhook does not accept requests from your address')
    if (found.trigger.normalize !== 'mailchimp')
      return reject(path, 405, ErrorCodes.METHOD_NOT_ALLOWED, 'this webhook accepts POST only', { allow: 'POST' })
    const auth = verifyWebhookAuth(found.trigger.auth, { ...req, method: 'GET' }, hub.clock.now())
    if (!auth.ok) return reject(path, 401, ErrorCodes.UNAUTHORIZED, `webhook authentication failed: ${auth.reason}`)
    return { status: 200, body: { ok: true } }
  }

  return {
    handle,
    handshake,
    reject,
    bodyLimitFor: (path) => {
      const found = webhook(path)
      return found ? (found.trigger.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES) : null
    },
  }
}

/** Retained raw copies expire on their own; the sweeper runs only when some trigger keeps them. */
function startRetention(app: FastifyInstance, hub: Hub): void {
  if (!hub.pipelines().some((p) => p.trigger.kind === 'webhook' && p.trigger.options.retainMs)) return
  const stop = startRetentionSweeper(
    hub.store,
    () => hub.clock.now(),
    (error) => hub.events.emit('hub:error', { message: 'purging expired retained webhook copies failed', error }),
  )
  app.addHook('onClose', async () => stop())
}

/** The fastify route for `/hooks/*` (used by `app.inject` and as the fallback for real requests). */
export async function registerHooks(app: FastifyInstance, opts: HooksOptions, ingress: WebhookIngress) {
  const { hub } = opts
  startRetention(app, hub)
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
      const code = CODE_BY_STATUS[status] ?? (status >= 500 ? ErrorCodes.INTERNAL : ErrorCodes.BAD_REQUEST)
      ingress.reject(webhookPath(req.url), status, code, '')
      return sent
    })

    scope.get('/hooks/*', async (req, reply) => {
      const r = ingress.handshake({
        url: req.url,
        method: 'GET',
        headers: req.headers,
        rawBody: Buffer.alloc(0),
        remoteAddress: req.socket.remoteAddress,
      })
      const { type, payload } = serialize(r)
      return reply
        .code(r.status)
        .headers(r.headers ?? {})
        .type(type)
        .send(payload)
    })

    scope.post('/hooks/*', async (req, reply) => {
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
      const r = await ingress.handle({
        url: req.url,
        method: req.method,
        headers: req.headers,
        rawBody,
        remoteAddress: req.socket.remoteAddress,
      })
      const { type, payload } = serialize(r)
      return reply
        .code(r.status)
        .headers(r.headers ?? {})
        .type(type)
        .send(payload)
    })
  })
}

const TEXT_TYPE = 'text/plain; charset=utf-8'
const JSON_TYPE = 'application/json; charset=utf-8'

/** A mapped response body that is a string goes out as text; anything else as JSON. */
function serialize(r: WebhookResponse): { type: string; payload: string } {
  if (typeof r.body === 'string') return { type: TEXT_TYPE, payload: r.body }
  return { type: JSON_TYPE, payload: JSON.stringify(r.body ?? null) }
}

function send(res: ServerResponse, r: WebhookResponse, close = false): void {
  if (res.headersSent || res.destroyed) return
  const { type, payload } = serialize(r)
  const headers: Record<string, string | number> = { 'content-type': type, 'content-length': Buffer.byteLength(payload) }
  if (r.headers) Object.assign(headers, r.headers)
  if (close) headers.connection = 'close'
  res.writeHead(r.status, headers).end(payload)
}

/**
 * A `node:http` request listener for `POST /hooks/*` on real connections: reads the body up to
 * the trigger's limit (413 as soon as Content-Length or the bytes so far exceed it, closing the
 * connection rather than reading the rest), then answers from the core. Returns false for any
 * other request, which then goes to fastify.
 */
export function webhookListener(
  ingress: WebhookIngress,
  opts: { isClosing: () => boolean; onError: (message: string, error: unknown) => void },
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = req.url ?? ''
    if (req.method !== 'POST' || !url.startsWith('/hooks/')) return false
    const path = webhookPath(url)
    if (opts.isClosing()) {
      send(
        res,
        ingress.reject(path, 503, ErrorCodes.SHUTTING_DOWN, 'the server is shutting down; retry shortly', { 'retry-after': '5' }),
        true,
      )
      req.resume()
      return true
    }
    const limit = ingress.bodyLimitFor(path)
    if (limit === null) {
      // Unknown path: answer at once and discard whatever body comes.
      send(res, ingress.reject(path, 404, ErrorCodes.NOT_FOUND, `no pipeline listens on /hooks/${path}`))
      req.resume()
      return true
    }
    const declared = Number(req.headers['content-length'])
    if (declared > limit) {
      const message = `body is ${declared} bytes; this webhook accepts at most ${limit} bytes`
      send(res, ingress.reject(path, 413, ErrorCodes.PAYLOAD_TOO_LARGE, message), true)
      return true
    }
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const answer = (r: Promise<WebhookResponse>) =>
      r.then(
        (out) => send(res, out),
        (error) => {
          opts.onError('unhandled error in webhook handler', error)
          send(res, { status: 500, body: errorBody(ErrorCodes.INTERNAL, 'internal error; see the server log') })
        },
      )
    req.on('data', (chunk: Buffer) => {
      if (done) return
      size += chunk.length
      if (size > limit) {
        done = true
        const message = `body is larger than ${limit} bytes, the most this webhook accepts`
        send(res, ingress.reject(path, 413, ErrorCodes.PAYLOAD_TOO_LARGE, message), true)
        req.pause()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (done) return
      done = true
      const rawBody = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)
      void answer(ingress.handle({ url, method: 'POST', headers: req.headers, rawBody, remoteAddress: req.socket.remoteAddress }))
    })
    req.on('error', () => {
      // The client went away mid-body (aborted, bad framing): nothing was stored; count it.
      if (done) return
      done = true
      ingress.reject(path, 400, ErrorCodes.BAD_REQUEST, 'the request body was not received completely')
    })
    return true
  }
}

/**
 * Synchronous response mode: wait up to `timeoutMs` for the run. A run that succeeded in time
 * answers `status` (default 200) with the mapped `body` (default `{ runId, status }`); anything
 * else (still running, filtered, dead, or a mapping that throws) answers the usual 202 with
 * the run's state, because the event is stored and will run either way.
 */
async function respondSync(
  hub: Hub,
  runId: string,
  eventId: string,
  respond: { timeoutMs: number; body?: unknown; status?: number },
  log: HooksOptions['log'],
): Promise<WebhookResponse> {
  const run = await hub.waitForRun(runId, respond.timeoutMs)
  if (run?.status !== 'succeeded') return { status: 202, body: { runId, eventId, status: run?.status ?? 'queued' } }
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
      return { status: 202, body: { runId, eventId, status: run.status } }
    }
  }
  return { status: respond.status ?? 200, body: body ?? null }
}
