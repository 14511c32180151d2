/**
 * The fastify app behind the plain listener of app.ts: the JSON API with its OpenAPI document,
 * the dashboard, health, metrics and the fastify route for webhooks (`app.inject`). Built by
 * app.ts — at once for {@link createServer}'s callers, or on the first request that is not a
 * webhook for `pipewright start` (docs/decisions.md, "Webhooks are served before the API is built").
 * @module
 */

import { readFile } from 'node:fs/promises'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { dirname, extname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Hub } from '../engine/hub.js'
import { ErrorCodes } from '../errors.js'
import type { HubMetrics } from '../observe/metrics.js'
import { registerApi } from './api.js'
import type { ApiGuard } from './api-guard.js'
import type { ServerOptions } from './app.js'
import { readiness } from './health.js'
import { registerHooks, type WebhookIngress } from './hooks.js'
import { onError, sendError } from './http-error.js'
import { registerOpenApi } from './openapi.js'

/** The built dashboard (`vite build` of web/ at `npm run build`); the package ships it. */
const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'dist')

/** Dashboard assets served under `/web/`: only these types, only files inside web/dist. */
const WEB_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
}
/** The dashboard loads only its own script and style, and talks only to this server. */
const WEB_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
}

/** Build output under assets/ has a content hash in its name: it never changes, so caches keep it. */
const IMMUTABLE = 'public, max-age=31536000, immutable'

/** Resolve a `/web/…` path to a file inside web/dist, or null for anything else (traversal, dotfiles, unknown types). */
function webFile(rel: string): { path: string; type: string } | null {
  if (rel.includes('\\') || rel.includes('\0') || rel.split('/').some((seg) => seg === '' || seg.startsWith('.'))) return null
  const path = resolve(WEB_DIR, rel)
  const type = WEB_TYPES[extname(path).toLowerCase()]
  return path.startsWith(WEB_DIR + sep) && type ? { path, type } : null
}

export interface ApiAppContext {
  hub: Hub
  options: ServerOptions
  token: string | null
  guard: ApiGuard
  metrics: HubMetrics
  ingress: WebhookIngress
  bodyLimit: number
  log: (msg: string, data?: object) => void
  trustedProxies: number
  /** The node:http server app.ts listens with. */
  server: Server
  /** Called when fastify starts closing (webhooks then answer 503). */
  onClosing: () => void
}

export interface ApiApp {
  app: FastifyInstance
  /** Fastify's request handler, for requests the plain listener does not answer itself. */
  handler: (req: IncomingMessage, res: ServerResponse) => void
}

export async function buildApiApp(ctx: ApiAppContext): Promise<ApiApp> {
  const { hub, options, token, guard, metrics, bodyLimit, log, trustedProxies } = ctx
  let handler: ApiApp['handler'] = () => {}
  const app = Fastify({
    logger: false,
    bodyLimit: options.apiBodyLimit ?? 1024 * 1024,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Route schemas only document the API (api.ts sets the same pass-through compilers on its
    // scope): given here, fastify does not load ajv and fast-json-stringify at start-up, about
    // 10 % of `pipewright start`'s CPU time before it listens.
    schemaController: {
      compilersFactory: {
        buildValidator: (() => () => (data: unknown) => ({ value: data })) as never,
        buildSerializer: (() => () => (data: unknown) => JSON.stringify(data)) as never,
      },
    },
    // The server exists already (app.ts listens with it before this app is built); fastify
    // gets its request handler from here and app.ts passes it the requests that are not webhooks.
    serverFactory: (h) => {
      handler = h
      return ctx.server
    },
  })
  app.addHook('preClose', async () => {
    ctx.onClosing()
  })
  app.setErrorHandler(onError((msg, err) => hub.events.emit('hub:error', { message: msg, error: err })))
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, ErrorCodes.NOT_FOUND, `no route ${req.method} ${req.url.split('?')[0]}`))

  // Every /api request passes the guard, unknown routes included (their 404 comes after it).
  app.addHook('onRequest', async (req) => {
    if (req.url.startsWith('/api/') || req.url === '/api') await guard.api(req)
  })
  await registerHooks(app, { hub, metrics, bodyLimit, log, trustedProxies }, ctx.ingress)
  await registerOpenApi(app)
  await registerApi(app, {
    hub,
    token,
    guard,
    debug: options.debug,
    usage: options.usage,
    connections: options.connections,
    ...(options.circuits ? { circuits: options.circuits } : {}),
    alerting: options.alerting ?? null,
    ...(options.status ? { status: options.status } : {}),
    syncs: options.syncs ?? null,
  })

  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', async (_req, reply) => {
    const r = await readiness(hub)
    if (r.status === 503) reply.header('retry-after', '5')
    return reply.code(r.status).send(r.body)
  })
  app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4').send(await metrics.render()))
  app.get('/', { onRequest: guard.page }, async (_req, reply) => {
    const html = await readFile(join(WEB_DIR, 'index.html'), 'utf8').catch(() => null)
    if (!html)
      return reply
        .type('text/plain')
        .send(
          'Pipewright is running. The JSON API is under /api/v1 (runs, dead-letters, pipelines); the dashboard is not built (npm run build).',
        )
    return reply.headers(WEB_HEADERS).type('text/html; charset=utf-8').send(html)
  })
  app.get('/web/*', { onRequest: guard.page }, async (req, reply) => {
    const file = webFile((req.params as { '*': string })['*'])
    const body = file ? await readFile(file.path).catch(() => null) : null
    if (!file || !body) return sendError(reply, 404, ErrorCodes.NOT_FOUND, `no route ${req.method} ${req.url.split('?')[0]}`)
    reply.headers(WEB_HEADERS)
    if (file.path.startsWith(join(WEB_DIR, 'assets') + sep)) reply.header('cache-control', IMMUTABLE)
    return reply.type(file.type).send(body)
  })

  await app.ready()
  return { app, handler }
}
