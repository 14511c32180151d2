/**
 * `createEmulator`: the small HTTP server every sandbox emulator is built on (node:http, no
 * framework, keep-alive). It gives an emulator routing, body parsing, a request log for tests,
 * an in-memory state that `reset()` rebuilds, sliding-window limiters, pre-handler hooks
 * (auth, rate limits) and fault injection, plus control endpoints under `/__emulator/`.
 *
 * @example
 * ```ts
 * const emu = createEmulator({ service: 'acme', state: () => ({ rows: [] as unknown[] }),
 *   tooManyRequests: (_req, ms) => json(429, { error: 'slow down' }, { 'retry-after': String(Math.ceil(ms / 1000)) }) })
 * emu.route('POST', '/rows', (req, ctx) => { ctx.state.rows.push(req.body); return json(201, { ok: true }) })
 * const url = await emu.listen()
 * ```
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { handleControl } from './control.js'
import { type FaultConfig, FaultController } from './faults.js'
import { type EmulatorReply, type EmulatorRequest, encodeBody, json } from './reply.js'
import { Router } from './router.js'
import { WindowLimiter } from './window-limiter.js'

/** Per-request context handed to hooks and handlers. */
export interface EmulatorContext<S> {
  state: S
  /** Emulator clock, epoch ms. */
  now: number
  random: () => number
  /** Headers merged into whatever reply is sent (e.g. rate-limit headers). */
  replyHeaders: Record<string, string>
}

export type EmulatorHandler<S> = (req: EmulatorRequest, ctx: EmulatorContext<S>) => EmulatorReply | Promise<EmulatorReply>
/** A hook runs before the handler; returning a reply answers the request without the handler. */
export type EmulatorHook<S> = (
  req: EmulatorRequest,
  ctx: EmulatorContext<S>,
) => EmulatorReply | undefined | Promise<EmulatorReply | undefined>

/** One logged request, for test inspection. */
export interface LoggedRequest {
  method: string
  path: string
  query: Record<string, string>
  headers: Record<string, string | string[] | undefined>
  body: unknown
  /** Status answered, or 0 for a connection reset. */
  status: number
  /** Which injected fault answered it, if any. */
  fault?: 'error' | 'rate-limit' | 'reset'
  receivedAt: number
}

export interface CreateEmulatorOptions<S> {
  /** Service name used by the sandbox, e.g. `hubspot`. */
  service: string
  /** Builds the in-memory state; called at creation and by `reset()`. */
  state: () => S
  clock?: { now(): number }
  random?: () => number
  /** Faults active from the start. */
  faults?: FaultConfig
  /** The vendor's 429 reply (used by 429 storms and by limiters). */
  tooManyRequests?: (req: EmulatorRequest, retryAfterMs: number) => EmulatorReply
  /** The vendor's 5xx reply (used by injected errors). */
  serverError?: (req: EmulatorRequest, status: number) => EmulatorReply
  /** Reply for unknown paths. */
  notFound?: (req: EmulatorRequest) => EmulatorReply
  /** Largest accepted body. @defaultValue 5 MiB */
  bodyLimitBytes?: number
  /** Requests kept in the log (oldest dropped). @defaultValue 10000 */
  logLimit?: number
}

/** The service-agnostic view of an emulator used by the sandbox and tests. */
export interface Emulator {
  readonly service: string
  /** Base URL once listening, e.g. `http://127.0.0.1:4301`. */
  readonly url: string
  readonly faults: FaultController
  listen(options?: { port?: number; host?: string }): Promise<string>
  close(): Promise<void>
  /** Requests received so far (control endpoints excluded). */
  requests(): LoggedRequest[]
  /** Rebuild the state, empty the log and the limiters, restore the start faults. */
  reset(): void
}

export interface EmulatorServer<S> extends Emulator {
  readonly state: S
  route(method: string, pattern: string, handler: EmulatorHandler<S>): void
  use(hook: EmulatorHook<S>): void
  /** A named sliding-window limiter that `reset()` clears. */
  limiter(limit: number, windowMs: number): WindowLimiter
  now(): number
}

export function createEmulator<S>(options: CreateEmulatorOptions<S>): EmulatorServer<S> {
  const clock = options.clock ?? { now: () => Date.now() }
  const random = options.random ?? Math.random
  const router = new Router<EmulatorHandler<S>>()
  const hooks: EmulatorHook<S>[] = []
  const limiters: WindowLimiter[] = []
  const bodyLimit = options.bodyLimitBytes ?? 5 * 1024 * 1024
  const logLimit = options.logLimit ?? 10_000
  const faults = new FaultController(() => clock.now(), random, options.faults ?? {})
  const tooMany =
    options.tooManyRequests ?? ((_r, ms) => json(429, { error: 'rate_limited' }, { 'retry-after': String(Math.ceil(ms / 1000)) }))
  const serverError = options.serverError ?? ((_r, status) => json(status, { error: 'server_error' }))
  const notFound = options.notFound ?? ((r) => json(404, { error: 'not_found', path: r.path }))
  let state = options.state()
  let log: LoggedRequest[] = []
  let server: Server | null = null
  let baseUrl: string | null = null

  const record = (req: EmulatorRequest, status: number, fault?: LoggedRequest['fault']) => {
    const entry: LoggedRequest = {
      method: req.method,
      path: req.path,
      query: Object.fromEntries(req.query),
      headers: { ...req.headers },
      body: req.body,
      status,
      receivedAt: req.receivedAt,
    }
    if (fault) entry.fault = fault
    log.push(entry)
    if (log.length > logLimit) log = log.slice(log.length - logLimit)
  }

  const emulator: EmulatorServer<S> = {
    service: options.service,
    faults,
    get url() {
      if (baseUrl === null) throw new Error(`emulator ${options.service} is not listening; call listen() first`)
      return baseUrl
    },
    get state() {
      return state
    },
    now: () => clock.now(),
    route: (method, pattern, handler) => router.add(method, pattern, handler),
    use: (hook) => {
      hooks.push(hook)
    },
    limiter: (limit, windowMs) => {
      const l = new WindowLimiter(limit, windowMs)
      limiters.push(l)
      return l
    },
    requests: () => log.slice(),
    reset: () => {
      state = options.state()
      log = []
      for (const l of limiters) l.reset()
      faults.replace(options.faults ?? {})
    },
    listen: async ({ port = 0, host = '127.0.0.1' } = {}) => {
      if (server) return emulator.url
      const srv = createServer({ keepAlive: true }, (req, res) => void onRequest(req, res))
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject)
        srv.listen(port, host, () => {
          srv.off('error', reject)
          resolve()
        })
      })
      server = srv
      const addr = srv.address() as AddressInfo
      const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address
      baseUrl = `http://${h}:${addr.port}`
      return baseUrl
    },
    close: async () => {
      const srv = server
      server = null
      baseUrl = null
      if (!srv) return
      srv.closeAllConnections()
      await new Promise<void>((resolve) => srv.close(() => resolve()))
    },
  }

  async function onRequest(raw: IncomingMessage, res: ServerResponse): Promise<void> {
    let req: EmulatorRequest
    try {
      req = await readRequest(raw, clock.now(), bodyLimit)
    } catch {
      send(res, json(413, { error: 'payload_too_large' }))
      return
    }
    if (req.path.startsWith('/__emulator/')) {
      send(res, handleControl(req, emulator, faults))
      return
    }
    const ctx: EmulatorContext<S> = { state, now: req.receivedAt, random, replyHeaders: {} }
    const fault = faults.decide(req.path)
    if (fault.delayMs > 0) await new Promise((r) => setTimeout(r, fault.delayMs))
    if (fault.kind === 'reset') {
      record(req, 0, 'reset')
      res.socket?.destroy()
      return
    }
    if (fault.kind === 'rate-limit') return finish(req, res, tooMany(req, fault.retryAfterMs), ctx, 'rate-limit')
    if (fault.kind === 'error') return finish(req, res, serverError(req, fault.status), ctx, 'error')
    let reply: EmulatorReply
    try {
      reply = await dispatch(req, ctx)
    } catch (e) {
      reply = serverError(req, 500)
      reply.headers = { ...reply.headers, 'x-emulator-error': String((e as Error)?.message ?? e).slice(0, 200) }
    }
    finish(req, res, reply, ctx)
  }

  async function dispatch(req: EmulatorRequest, ctx: EmulatorContext<S>): Promise<EmulatorReply> {
    const { match } = router.match(req.method, req.path)
    if (!match) return notFound(req)
    req.params = match.params
    for (const hook of hooks) {
      const early = await hook(req, ctx)
      if (early) return early
    }
    return match.handler(req, ctx)
  }

  function finish(
    req: EmulatorRequest,
    res: ServerResponse,
    reply: EmulatorReply,
    ctx: EmulatorContext<S>,
    fault?: LoggedRequest['fault'],
  ): void {
    if (reply.reset) {
      record(req, 0, fault ?? 'reset')
      res.socket?.destroy()
      return
    }
    record(req, reply.status, fault)
    send(res, { ...reply, headers: { ...ctx.replyHeaders, ...reply.headers } })
  }

  return emulator
}

function send(res: ServerResponse, reply: EmulatorReply): void {
  const { data, isJson } = encodeBody(reply.body)
  const headers: Record<string, string> = { ...reply.headers }
  if (isJson && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type'))
    headers['content-type'] = 'application/json; charset=utf-8'
  headers['content-length'] = String(Buffer.byteLength(data))
  res.writeHead(reply.status, headers)
  res.end(data)
}

async function readRequest(raw: IncomingMessage, now: number, limit: number): Promise<EmulatorRequest> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of raw) {
    size += (chunk as Buffer).length
    if (size > limit) throw new Error('body too large')
    chunks.push(chunk as Buffer)
  }
  const rawBody = Buffer.concat(chunks).toString('utf8')
  const url = new URL(raw.url ?? '/', 'http://emulator.local')
  return {
    method: (raw.method ?? 'GET').toUpperCase(),
    path: url.pathname,
    query: url.searchParams,
    headers: raw.headers,
    params: {},
    rawBody,
    body: parseBody(rawBody, raw.headers['content-type']),
    receivedAt: now,
  }
}

function parseBody(rawBody: string, contentType: string | undefined): unknown {
  if (rawBody.length === 0) return undefined
  const ct = (contentType ?? '').toLowerCase()
  if (ct.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(rawBody))
  if (ct.includes('json') || /^[\s]*[{[]/.test(rawBody)) {
    try {
      return JSON.parse(rawBody)
    } catch {
      return rawBody
    }
  }
  return rawBody
}
