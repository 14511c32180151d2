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

import { createServer as createHttpServer } from 'node:http'
import type { FastifyInstance } from 'fastify'
import type { ConnectionInfo } from '../connections/types.js'
import type { CircuitRow } from '../connectors/gateway/gateway.js'
import type { Hub } from '../engine/hub.js'
import { ConfigError, ErrorCodes } from '../errors.js'
import type { Alerting } from '../observe/alerts/alerting.js'
import { createMetrics, type HubMetrics } from '../observe/metrics.js'
import type { BudgetRow } from '../resilience/budget.js'
import type { SyncRunner } from '../sync/runner.js'
import type { ApiApp } from './api-app.js'
import { assertApiToken } from './api-auth.js'
import { createApiGuard } from './api-guard.js'
import type { StatusSource } from './api-status.js'
import type { NamedToken } from './api-tokens.js'
import { callRates } from './call-rates.js'
import { healthListener } from './health.js'
import { createWebhookIngress, webhookListener } from './hooks.js'
import { errorBody } from './http-error.js'
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
  /**
   * Listen before the API is built: webhooks, `/healthz`, `/readyz` and `/metrics` are answered
   * at once and the fastify app (API, OpenAPI, dashboard) is built on the first other request,
   * which waits for it. `app` throws until then; `api()` builds and returns it. @defaultValue false
   */
  lazyApi?: boolean
}

export interface PipewrightServer {
  /** The fastify app (API, dashboard, `inject`); with `lazyApi` only once built (see `api()`). */
  readonly app: FastifyInstance
  /** The fastify app, built first if it is not yet. */
  api(): Promise<FastifyInstance>
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
  const server = createHttpServer((req, res) => {
    if (hooks(req, res) || (lazy && health(req, res))) return
    if (api) api.handler(req, res)
    else
      buildApi().then(
        (a) => a.handler(req, res),
        (error) => {
          hub.events.emit('hub:error', { message: 'building the API failed', error })
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' })
          res.end(JSON.stringify(errorBody(ErrorCodes.INTERNAL, 'internal error; see the server log')))
        },
      )
  })
  server.keepAliveTimeout = 72_000
  let api: ApiApp | null = null
  let building: Promise<ApiApp> | null = null
  const buildApi = () => {
    building ??= import('./api-app.js')
      .then((m) =>
        m.buildApiApp({
          hub,
          options,
          token,
          guard,
          metrics,
          ingress,
          bodyLimit,
          log,
          trustedProxies,
          server,
          onClosing: () => {
            closing = true
          },
        }),
      )
      .then((a) => {
        api = a
        return a
      })
    return building
  }
  // `lazy`: webhooks, /healthz, /readyz and /metrics are answered by the plain listener from the
  // start, and the API, dashboard and OpenAPI document are built on the first other request.
  const lazy = options.lazyApi ?? false
  const health = healthListener(hub, metrics)
  callRates(hub)
  if (!lazy) await buildApi()

  let address = ''
  let bound = ''
  return {
    get app() {
      if (!api) throw new Error('the API is not built yet (lazyApi); await server.api()')
      return api.app
    },
    api: async () => (await buildApi()).app,
    metrics,
    async listen() {
      await new Promise<void>((ok, fail) => {
        server.once('error', fail)
        server.listen({ host, port }, () => {
          server.off('error', fail)
          ok()
        })
      })
      const a = server.address()
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
      closing = true
      const timer = setTimeout(() => server.closeAllConnections(), graceMs)
      timer.unref()
      try {
        const closed = server.listening ? new Promise<void>((ok) => server.close(() => ok())) : Promise.resolve()
        server.closeIdleConnections()
        const app = building ? await building.catch(() => null) : null
        await app?.app.close()
        await closed
      } finally {
        clearTimeout(timer)
      }
    },
  }
}
