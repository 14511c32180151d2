/**
 * The HTTP server: webhook ingress, health, metrics, the JSON API and the dashboard.
 *
 * @example
 * ```ts
 * const server = await createServer(hub, { host: '127.0.0.1', port: 4280 })
 * await server.listen()
 * ```
 * @module
 */

import { readFile } from 'node:fs/promises'
import { createServer as createHttpServer } from 'node:http'
import { dirname, extname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import Fastify, { type FastifyInstance } from 'fastify'
import type { ConnectionInfo } from '../connections/types.js'
import type { CircuitRow } from '../connectors/gateway/gateway.js'
import type { Hub } from '../engine/hub.js'
import { ConfigError, ErrorCodes } from '../errors.js'
import type { Alerting } from '../observe/alerts/alerting.js'
import { createMetrics, type HubMetrics } from '../observe/metrics.js'
import type { BudgetRow } from '../resilience/budget.js'
import type { SyncRunner } from '../sync/runner.js'
import { registerApi } from './api.js'
import { assertApiToken } from './api-auth.js'
import { createApiGuard } from './api-guard.js'
import type { StatusSource } from './api-status.js'
import type { NamedToken } from './api-tokens.js'
import { readiness } from './health.js'
import { createWebhookIngress, registerHooks, webhookListener } from './hooks.js'
import { onError, sendError } from './http-error.js'
import { registerOpenApi } from './openapi.js'
import { compileAllowedHosts } from './request-guard.js'

export interface ServerOptions {
  host?: string
  port?: number
  /** Bearer token for /api and the dashboard (at least 32 characters); required unless `host` is loopback. */
  apiToken?: string | null
  /** Named tokens with a scope, besides `apiToken` (which is the admin token `default`). docs/governance.md#api-tokens */
  apiTokens?: NamedToken[]
  /**
   * Host names (`name`, `name:port`, `*.domain`) /api and the dashboard answer to, besides
   * `localhost`, `127.0.0.1`, `[::1]` and the bind address. Any other `Host` gets 421.
   */
  allowedHosts?: string[]
  /** Keep stack traces in API responses. @defaultValue false */
  debug?: boolean
  usage?: () => Promise<BudgetRow[]> | BudgetRow[]
  /** Circuit state per connection (the gateway's), for `/metrics`. */
  circuits?: () => CircuitRow[]
  /** Every configured connection, for /api/v1/connections (`listConnections`). */
  connections?: () => ConnectionInfo[]
  /** This process's alerting, for /api/v1/alerts. */
  alerting?: Alerting | null
  /** Status of pipelines, syncs and connections, for /api/v1/status. */
  status?: StatusSource
  /** The sync runner, for /api/v1/syncs. */
  syncs?: SyncRunner | null
  log?: (msg: string, data?: object) => void
  /** Body limit for endpoints other than webhooks. @defaultValue 1 MiB */
  apiBodyLimit?: number
  /** Export the process's CPU, memory and event-loop metrics on /metrics. @defaultValue false */
  processMetrics?: boolean
  /**
   * Reverse proxies in front of the server (env `PIPEWRIGHT_TRUSTED_PROXIES`): a webhook's
   * `allowIps` checks the address that many hops back in `X-Forwarded-For`. @defaultValue 0
   */
  trustedProxies?: number | string
}

export interface PipewrightServer {
  app: FastifyInstance
  metrics: HubMetrics
  /** Start listening; resolves with the base URL to reach it from this machine. */
  listen(): Promise<string>
  url(): string
  /** The address actually bound, e.g. `http://0.0.0.0:4280` (for banners). */
  boundUrl(): string
  /** Stop listening; requests in flight get `graceMs` (default 2 s) before connections are cut. */
  close(graceMs?: number): Promise<void>
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}

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

export async function createServer(hub: Hub, options: ServerOptions = {}): Promise<PipewrightServer> {
  const host = options.host ?? '127.0.0.1'
  const port = options.port ?? 4280
  const named = options.apiTokens ?? []
  if (named.length && !options.apiToken && !named.some((t) => t.scope === 'admin'))
    throw new ConfigError(
      [
        {
          field: 'PIPEWRIGHT_API_TOKENS',
          message: 'needs at least one admin token (or PIPEWRIGHT_API_TOKEN), else no one could change anything',
        },
      ],
      ErrorCodes.CONFIG_INVALID,
    )
  // The token the dashboard signs in with and its sessions are keyed on: the default token, else the first admin one.
  const token = options.apiToken || named.find((t) => t.scope === 'admin')?.token || null
  const tokens: NamedToken[] = [
    ...(options.apiToken ? [{ name: 'default', scope: 'admin' as const, token: options.apiToken }] : []),
    ...named,
  ]
  if (!token && !isLoopback(host)) {
    throw new ConfigError(
      [
        {
          field: 'PIPEWRIGHT_API_TOKEN',
          message: `is required when listening on ${host}: /api and the dashboard would be open to the network`,
        },
      ],
      ErrorCodes.CONFIG_INVALID,
    )
  }
  assertApiToken(token)
  let hosts: ReturnType<typeof compileAllowedHosts>
  try {
    hosts = compileAllowedHosts(options.allowedHosts, host)
  } catch (e) {
    throw new ConfigError([{ field: 'PIPEWRIGHT_ALLOWED_HOSTS', message: (e as Error).message }], ErrorCodes.CONFIG_INVALID)
  }
  const trustedProxies = Number(options.trustedProxies ?? 0)
  if (!Number.isInteger(trustedProxies) || trustedProxies < 0 || trustedProxies > 16)
    throw new ConfigError(
      [
        {
          field: 'PIPEWRIGHT_TRUSTED_PROXIES',
          message: `must be a whole number of proxies from 0 to 16 (got ${JSON.stringify(options.trustedProxies)})`,
        },
      ],
      ErrorCodes.CONFIG_INVALID,
    )
  const guard = createApiGuard({ hosts, token, tokens, clock: hub.clock })
  const log = options.log ?? (() => {})
  const bodyLimit = Math.max(
    1024 * 1024,
    ...hub.pipelines().map((p) => (p.trigger.kind === 'webhook' ? p.trigger.options.maxBodyBytes : 0)),
  )
  const metrics = createMetrics(hub.events, hub.dispatch, {
    process: options.processMetrics,
    usage: options.usage,
    circuits: options.circuits,
    incidents: () => hub.store.alerts.listIncidents({ status: ['pending', 'firing'], limit: 1000 }),
    oldestDueMs: async () => {
      const now = hub.clock.now()
      const [oldest] = await hub.store.listDueRuns(now, 1)
      return oldest ? Math.max(0, now - oldest.dueAt) : null
    },
  })
  const ingress = createWebhookIngress({ hub, metrics, bodyLimit, log, trustedProxies })
  let closing = false
  const hooks = webhookListener(ingress, {
    isClosing: () => closing,
    onError: (message, error) => hub.events.emit('hub:error', { message, error }),
  })
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
    // Webhook deliveries take the plain node:http listener (see hooks.ts); the rest is fastify's.
    serverFactory: (handler) => {
      const server = createHttpServer((req, res) => {
        if (!hooks(req, res)) handler(req, res)
      })
      server.keepAliveTimeout = 72_000
      return server
    },
  })
  app.addHook('preClose', async () => {
    closing = true
  })
  app.setErrorHandler(onError((msg, err) => hub.events.emit('hub:error', { message: msg, error: err })))
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, ErrorCodes.NOT_FOUND, `no route ${req.method} ${req.url.split('?')[0]}`))

  // Every /api request passes the guard, unknown routes included (their 404 comes after it).
  app.addHook('onRequest', async (req) => {
    if (req.url.startsWith('/api/') || req.url === '/api') await guard.api(req)
  })
  await registerHooks(app, { hub, metrics, bodyLimit, log, trustedProxies }, ingress)
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

  let address = ''
  let bound = ''
  return {
    app,
    metrics,
    async listen() {
      await app.listen({ host, port })
      const a = app.server.address()
      if (a && typeof a === 'object') {
        const ip = a.family === 'IPv6' ? `[${a.address}]` : a.address
        bound = `http://${ip}:${a.port}`
        const reach = a.address === '0.0.0.0' ? '127.0.0.1' : a.address === '::' ? '[::1]' : ip
        address = `http://${reach === '[::1]' ? 'localhost' : reach}:${a.port}`
      }
      return address
    },
    url: () => address,
    boundUrl: () => bound,
    async close(graceMs = 2000) {
      // Requests in flight get a short grace; then connections that never send a request (a
      // browser's spare socket) are cut, so shutdown never waits for Node's 60 s header timeout.
      const timer = setTimeout(() => app.server.closeAllConnections(), graceMs)
      timer.unref()
      try {
        await app.close()
      } finally {
        clearTimeout(timer)
      }
    },
  }
}
