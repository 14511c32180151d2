/**
 * Assemble a running Pipewright from configuration: pipelines from a directory, the store
 * from a URL, connectors and their connections, the hub, optionally the HTTP server, the
 * scheduler and the sandbox. The CLI reads the environment and passes it in here; nothing
 * below reads `process.env`.
 * @module
 */
import { join } from 'node:path'
import type { DestinationStream, Logger } from 'pino'
import { type ConnectionRegistry, loadConnections } from './connections/registry.js'
import { jsonSecrets } from './connections/resolve.js'
import type { ConnectorDefinition } from './connectors/contract.js'
import { createGateway, type GatewayEvent } from './connectors/gateway/index.js'
import { type AllowList, mergeAllowLists, parseAllowList } from './connectors/net/address-policy.js'
import { builtinConnectors } from './connectors/registry.js'
import { credentialInfos, storedCredentialAccess, storedSecrets } from './credentials/resolve.js'
import { createVault, type Vault } from './credentials/vault.js'
import { type CredentialWatch, useRotatedCredential, watchStoredCredentials } from './credentials/watch.js'
import type { Dispatch } from './dispatch/contract.js'
import { systemClock } from './engine/clock.js'
import { createHub, type Hub } from './engine/hub.js'
import { ConfigError, ErrorCodes } from './errors.js'
import { type Alerting, createAlerting } from './observe/alerts/alerting.js'
import { type AlertsConfig, loadAlertsConfig } from './observe/alerts/config.js'
import { attachRunLogs, createLogger } from './observe/logger.js'
import { createMetrics } from './observe/metrics.js'
import { createSeriesRecorder, type SeriesRecorder } from './observe/series-recorder.js'
import { gatherStatus } from './observe/status-sources.js'
import { createTracing, type Tracing, tracingConfig } from './observe/tracing.js'
import { pipelineSecrets } from './pipeline/compile.js'
import { loadPipelines } from './pipeline/load.js'
import type { CompiledPipeline } from './pipeline/types.js'
import { preparePii } from './privacy/setup.js'
import { assertApiToken } from './server/api-auth.js'
import { apiTokensFromEnv } from './server/api-tokens.js'
import { createServer, type PipewrightServer } from './server/app.js'
import { type HealthServer, startHealthServer } from './server/health.js'
import type { Store } from './store/contract.js'
import { createStore } from './store/index.js'
import { loadSyncs } from './sync/load.js'
import { syncPipelines } from './sync/pipelines.js'
import { createSyncRunner, type SyncRunner } from './sync/runner.js'
import type { CompiledSync } from './sync/types.js'
import { createPoller, type Poller } from './triggers/poll.js'
import { createScheduler, type Scheduler } from './triggers/schedules.js'
import type { Clock } from './types.js'

export const DEFAULT_DATABASE_URL = 'sqlite:.pipewright/pipewright.db'

export interface RuntimeOptions {
  cwd: string
  /** Environment (passed in by the CLI). */
  env: Record<string, string | undefined>
  /** @defaultValue `<cwd>/pipelines` */
  pipelinesDir?: string
  /** Pipelines already compiled (skips loading the directory). */
  pipelines?: CompiledPipeline[]
  /** @defaultValue `<cwd>/syncs` */
  syncsDir?: string
  /** Syncs already compiled (skips loading the directory). */
  syncs?: CompiledSync[]
  /** Connectors besides the built-in ones (yours, or the `memory` connector in tests). */
  connectors?: ConnectorDefinition<any>[]
  /** Connections besides the environment's: connector id → connection name → raw config. */
  connections?: Record<string, Record<string, Record<string, unknown>>>
  /** Connection definitions (docs/connections.md). @defaultValue `<cwd>/connections` */
  connectionsDir?: string
  /** @defaultValue env PIPEWRIGHT_DATABASE_URL, else sqlite:.pipewright/pipewright.db */
  databaseUrl?: string
  store?: Store
  dispatch?: Dispatch
  /** Serve HTTP. @defaultValue false */
  server?: boolean
  /**
   * Without the server (a worker): serve /healthz, /readyz and /metrics on this port.
   * @defaultValue env PIPEWRIGHT_METRICS_PORT, else none
   */
  metricsPort?: number
  host?: string
  port?: number
  /** Host names /api and the dashboard answer to. @defaultValue env PIPEWRIGHT_ALLOWED_HOSTS (comma-separated) */
  allowedHosts?: string[]
  worker?: boolean
  scheduler?: boolean
  concurrency?: number
  leaseMs?: number
  sweepIntervalMs?: number
  /** How often pipeline and sync pauses are re-read (hub and sync runner). @defaultValue 2000 */
  pauseRefreshMs?: number
  /** Connector base URLs and credentials to use instead of the environment's (the sandbox). */
  connectionOverrides?: Record<string, string>
  /**
   * Private addresses every connection may reach, added to `PIPEWRIGHT_ALLOW_PRIVATE_NETWORK`
   * (CIDRs, hosts, `host:port` or `*`). The sandbox passes its emulators' sockets here.
   */
  allowPrivateNetwork?: string[] | boolean
  logDestination?: DestinationStream
  logLevel?: string
  clock?: Clock
  /**
   * Record metric series in the store and evaluate alert rules in this process. Off for
   * one-shot commands (`run`, `test`). @defaultValue true
   */
  observe?: boolean
  /** Alert rules and channels. @defaultValue `alerts.yaml` in `cwd`, else the defaults */
  alerts?: AlertsConfig
  /** How often the credential store is read for credentials rotated while running. @defaultValue 10000 */
  credentialRefreshMs?: number
}

export interface Runtime {
  hub: Hub
  server: PipewrightServer | null
  scheduler: Scheduler | null
  /** Poll triggers (read on their interval when scheduling; `poll(id)` reads now). */
  poller: Poller
  /** The loaded syncs and their runner (passes on schedule, on demand, on webhook nudges). */
  syncs: SyncRunner
  /** The pipelines the syncs bring (write and webhook pipelines); keep them when replacing pipelines. */
  syncPipelines: CompiledPipeline[]
  /**
   * Replace the loaded pipelines (hot reload, `pipewright dev`), keeping the syncs' pipelines;
   * poll triggers new in `list` start polling, removed ones stop.
   */
  reloadPipelines(list: CompiledPipeline[]): void
  logger: Logger
  url: string | null
  /** Where a worker serves /healthz, /readyz and /metrics, when it does. */
  healthUrl: string | null
  /** The address the server is bound to (`http://0.0.0.0:4280`), for banners. */
  boundUrl: string | null
  gateway: ReturnType<typeof createGateway>
  /** Every configured connection without secrets; read it with `listConnections(runtime)`. */
  connections: ConnectionRegistry
  /** Null when `observe` is off. */
  alerting: Alerting | null
  series: SeriesRecorder | null
  /** Reads the credential store for credentials rotated while running (every `credentialRefreshMs`; `check()` now). */
  credentialWatch: CredentialWatch
  /** OpenTelemetry traces; null unless the OTLP environment turns them on (docs/operations.md). */
  tracing: Tracing | null
  /**
   * Stop: no new webhooks, runs in flight get until `deadlineMs` from now; then their effects are
   * aborted, what completed is saved and the runs are handed back. Resolves within about
   * `deadlineMs` + 1 s. @defaultValue 10000
   */
  close(deadlineMs?: number): Promise<void>
}

/** Secret-looking environment values, masked wherever they would be stored or logged. */
export function secretValues(env: Record<string, string | undefined>): string[] {
  return Object.entries(env)
    .filter(([k, v]) => v && /(TOKEN|SECRET|PASSWORD|API_KEY|_KEY$)/.test(k) && !/^PIPEWRIGHT_(HOST|PORT)$/.test(k))
    .map(([, v]) => v!)
}

export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const env = { ...options.env, ...(options.connectionOverrides ?? {}) }
  // Server settings are checked before anything opens, so a bad token stops start-up cleanly.
  if (options.server) assertApiToken(env.PIPEWRIGHT_API_TOKEN || null)
  const pipelines =
    options.pipelines ?? (await loadPipelines(options.pipelinesDir ?? join(options.cwd, 'pipelines'), { env, cwd: options.cwd }))
  const syncs = options.syncs ?? (await loadSyncs(options.syncsDir ?? join(options.cwd, 'syncs'), { env, cwd: options.cwd }))
  const observe = options.observe ?? true
  // Read before anything starts, so a mistake in alerts.yaml stops start-up with its message.
  const alertsConfig = observe ? (options.alerts ?? (await loadAlertsConfig(options.cwd, env))) : null
  // Off unless the OTLP environment asks; a bad setting stops start-up here.
  const traces = tracingConfig(env)
  const databaseUrl = options.databaseUrl ?? env.PIPEWRIGHT_DATABASE_URL ?? DEFAULT_DATABASE_URL
  const allowPrivateNetwork = processAllowList(env.PIPEWRIGHT_ALLOW_PRIVATE_NETWORK, options.allowPrivateNetwork)
  const store = options.store ?? (await createStore(resolveSqlitePath(databaseUrl, options.cwd), env))
  const logger = createLogger({ level: options.logLevel ?? env.PIPEWRIGHT_LOG_LEVEL ?? 'info', destination: options.logDestination })
  const unwatchStore = store.onHealthChange?.((problem) =>
    problem
      ? logger.error({ store: store.kind }, `store cannot take writes: ${problem}`)
      : logger.info({ store: store.kind }, 'store files are back as they were; intake resumed'),
  )
  const connectors = [...builtinConnectors(), ...(options.connectors ?? [])]
  const clockForVault = options.clock ?? systemClock
  let hubRef: Hub | null = null
  let configured: Awaited<ReturnType<typeof loadConnections>>
  let vault: Vault
  let credentialRows: Awaited<ReturnType<Store['credentials']['list']>>
  let pii: Awaited<ReturnType<typeof preparePii>>
  try {
    // Stored credentials need the key they were encrypted with: a clear error now, not a failed run later.
    await store.migrate()
    vault = createVault({ store, secretKey: env.PIPEWRIGHT_SECRET_KEY || null, clock: clockForVault })
    await vault.assertUsable()
    pii = await preparePii({ store, env, pipelines, now: clockForVault.now() })
    credentialRows = await store.credentials.list()
    configured = await loadConnections({
      cwd: options.cwd,
      env,
      connectors,
      stored: storedSecrets(vault),
      // Rotated refresh tokens are written back, and masked in this process from then on.
      storedAccess: storedCredentialAccess({
        vault,
        store,
        clock: clockForVault,
        onSecret: (values) => hubRef?.redactor.addSecrets(values),
      }),
      ...(options.connectionsDir ? { dir: options.connectionsDir } : {}),
      ...(options.connections ? { extra: options.connections } : {}),
    })
  } catch (e) {
    if (!options.store) await store.close().catch(() => undefined)
    throw e
  }
  const connections = configured.raw
  const clock = options.clock ?? systemClock
  // Distributed mode: rate-limit windows shared through Redis by every process on the same prefix.
  const redisUrl = env.PIPEWRIGHT_REDIS_URL || undefined
  const redisPrefix = env.PIPEWRIGHT_REDIS_PREFIX || undefined
  const limiterBackend = redisUrl
    ? (await import('./resilience/redis-limiter.js')).createRedisLimiterBackend({ url: redisUrl, prefix: redisPrefix })
    : undefined
  const gateway = createGateway({
    connectors,
    connections,
    store,
    clock,
    allowPrivateNetwork,
    ...(limiterBackend ? { limiterBackend } : {}),
    onEvent: (e: GatewayEvent) => hubRef?.events.emit(e.type, e as unknown as Record<string, unknown>),
  })
  let dispatch = options.dispatch
  if (!dispatch && redisUrl) {
    const { createBullmqDispatch } = await import('./dispatch/bullmq.js')
    dispatch = await createBullmqDispatch({
      url: redisUrl,
      prefix: redisPrefix,
      lockDurationMs: options.leaseMs,
      onError: (message, error) => (hubRef ? hubRef.events.emit('hub:error', { message, error }) : logger.warn({ err: error }, message)),
    })
  }
  let runner: SyncRunner | null = null
  const syncPipes = syncPipelines(syncs, {
    store,
    clock,
    sides: (id) => runner!.sides(id),
    nudge: (id) => runner?.nudge(id),
    split: (id, parent, batches) => runner!.split(id, parent, batches),
  })
  const hub = await createHub({
    pipelines: [...pipelines, ...syncPipes],
    store,
    actions: gateway,
    dispatch,
    clock,
    worker: options.worker,
    // a sync's writes are runs coalesced into provider batches (100 per HubSpot call): room for full batches
    concurrency: options.concurrency ?? (syncs.length ? 256 : undefined),
    leaseMs: options.leaseMs,
    sweepIntervalMs: options.sweepIntervalMs,
    pauseRefreshMs: options.pauseRefreshMs,
    redact: { secrets: [...secretValues(env), ...configured.secrets, ...pipelines.flatMap(pipelineSecrets)] },
    ...(pii ? { pii } : {}),
  })
  hubRef = hub
  // The SDK is imported only now, and only when tracing is on.
  const tracing: Tracing | null = traces ? await createTracing(hub.events, traces, hub.workerId) : null
  const detachLogs = attachRunLogs(hub.events, logger, hub.redactor, tracing ? { traceIdOf: tracing.traceIdOf } : {})
  // A credential rotated in the store (`credentials rotate`, another process) is used without a restart.
  const credentialWatch = watchStoredCredentials({
    store,
    vault,
    baseline: credentialRows,
    intervalMs: options.credentialRefreshMs,
    onRotated: (name, secret) => {
      hub.redactor.addSecrets([secret, ...jsonSecrets(secret)])
      for (const id of useRotatedCredential(configured, gateway, name, secret))
        logger.info({ credential: name, connection: id }, 'stored credential rotated: the connection uses the new secret')
    },
    onError: (error) => hub.events.emit('hub:error', { message: 'reading the credential store for rotated credentials failed', error }),
  })
  const onError = (message: string, error: unknown) => hub.events.emit('hub:error', { message, error })
  const series = observe
    ? createSeriesRecorder({
        events: hub.events,
        store,
        clock,
        source: hub.workerId,
        circuits: () => gateway.circuitStates(),
        dispatch: hub.dispatch,
        onError,
      })
    : null
  const alerting = alertsConfig
    ? createAlerting({
        store,
        clock,
        config: alertsConfig,
        owner: hub.workerId,
        sources: {
          usage: () => gateway.usage(),
          pipelines: () => hub.pipelines().map((p) => p.id),
          credentials: () => credentialInfos(store, configured.registry),
        },
        beforeEvaluate: () => series?.flush() ?? Promise.resolve(),
        onTransition: (t) =>
          logger[t.transition === 'resolved' ? 'info' : 'warn'](
            { alert: t.rule, subject: t.subject, severity: t.severity, incident: t.incidentId, transition: t.transition },
            `alert ${t.transition}: ${hub.redactor.text(t.summary)}`,
          ),
        onDelivery: (r) => {
          for (const f of r.failed)
            logger.error({ channel: f.channel, notification: f.id }, `alert message not delivered: ${hub.redactor.text(f.error)}`)
          for (const f of r.retrying)
            logger.warn({ channel: f.channel, notification: f.id }, `alert message will be retried: ${hub.redactor.text(f.error)}`)
        },
        onError,
      })
    : null
  const scheduling = options.scheduler ?? options.worker ?? true
  const scheduler = scheduling ? createScheduler(hub) : null
  runner = createSyncRunner({ hub, syncs, schedule: scheduling, pauseRefreshMs: options.pauseRefreshMs })
  await hub.start()
  if (scheduler) await scheduler.start()
  const poller = createPoller(hub)
  if (scheduling) await poller.start()
  await runner.start()
  alerting?.start()
  let server: PipewrightServer | null = null
  let url: string | null = null
  if (options.server) {
    try {
      server = await createServer(hub, {
        host: options.host ?? env.PIPEWRIGHT_HOST ?? '127.0.0.1',
        port: options.port ?? Number(env.PIPEWRIGHT_PORT ?? 4280),
        apiToken: env.PIPEWRIGHT_API_TOKEN || null,
        apiTokens: await apiTokensFromEnv(env, options.cwd),
        allowedHosts: options.allowedHosts ?? csv(env.PIPEWRIGHT_ALLOWED_HOSTS),
        trustedProxies: env.PIPEWRIGHT_TRUSTED_PROXIES || 0,
        debug: isTrue(env.PIPEWRIGHT_DEBUG),
        usage: () => gateway.usage(),
        circuits: () => gateway.circuitStates(),
        alerting,
        status: () =>
          gatherStatus({
            store,
            now: clock.now(),
            pipelines: hub.pipelines(),
            syncs: runner!.syncs(),
            lastPass: (id) => runner!.lastPass(id),
            connections: configured.registry.list(),
            usage: () => gateway.usage(),
          }),
        syncs: runner,
        connections: () => configured.registry.list(),
        log: (msg, data) => logger.info(data ?? {}, msg),
        processMetrics: true,
        // Webhooks are served as soon as the hub is ready; the API and dashboard are built on
        // their first request (docs/decisions.md, "Webhooks are served before the API is built").
        lazyApi: true,
      })
      url = await server.listen()
    } catch (e) {
      scheduler?.stop()
      poller.stop()
      credentialWatch.stop()
      await runner?.close()
      await server?.close().catch(() => {})
      await alerting?.close()
      await series?.close()
      await hub.close({ deadlineMs: 0 })
      await limiterBackend?.close()
      await tracing?.close(1000)
      throw e
    }
  }
  let health: HealthServer | null = null
  const metricsPort = options.metricsPort ?? (env.PIPEWRIGHT_METRICS_PORT ? Number(env.PIPEWRIGHT_METRICS_PORT) : undefined)
  if (!server && metricsPort !== undefined) {
    const metrics = createMetrics(hub.events, hub.dispatch, {
      process: true,
      usage: () => gateway.usage(),
      circuits: () => gateway.circuitStates(),
    })
    health = await startHealthServer(hub, metrics, {
      host: options.host ?? env.PIPEWRIGHT_HOST ?? '127.0.0.1',
      port: metricsPort,
    })
  }
  return {
    hub,
    server,
    scheduler,
    poller,
    reloadPipelines(list) {
      hub.setPipelines([...list, ...syncPipes])
      poller.refresh()
      scheduler?.refresh().catch((error: unknown) => hub.events.emit('hub:error', { message: 'schedules after a reload', error }))
    },
    syncs: runner,
    syncPipelines: syncPipes,
    logger,
    url,
    healthUrl: health?.url ?? null,
    boundUrl: server?.boundUrl() ?? null,
    gateway,
    connections: configured.registry,
    alerting,
    series,
    credentialWatch,
    tracing,
    async close(deadlineMs = 10_000) {
      // One deadline for the whole close, counted from now: runs keep executing while the rest stops.
      const until = clock.now() + deadlineMs
      const left = () => Math.max(0, until - clock.now())
      scheduler?.stop()
      poller.stop()
      credentialWatch.stop()
      await runner?.close()
      if (server) await server.close(Math.min(2000, left()))
      await health?.close()
      await alerting?.close()
      // Written before the hub drains (the store closes with it): runs that end during the
      // drain are not counted in the store's series (they are in /metrics and run history).
      await series?.close()
      await hub.close({ deadlineMs: left() })
      await limiterBackend?.close()
      // Spans of the runs that ended while draining go out too (bounded: a dead collector waits no longer).
      await tracing?.close(Math.max(1000, Math.min(3000, left())))
      unwatchStore?.()
      detachLogs()
      logger.flush?.()
    },
  }
}

/** The process-wide private-network allow list: the environment's plus the caller's. */
function processAllowList(fromEnv: string | undefined, extra: string[] | boolean | undefined): AllowList {
  let list: AllowList
  try {
    list = parseAllowList(fromEnv)
  } catch (e) {
    throw new ConfigError([{ field: 'PIPEWRIGHT_ALLOW_PRIVATE_NETWORK', message: (e as Error).message }], ErrorCodes.CONFIG_INVALID)
  }
  return extra === undefined ? list : mergeAllowLists(list, parseAllowList(extra))
}

function csv(v: string | undefined): string[] | undefined {
  return v
    ? v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
    : undefined
}

function isTrue(v: string | undefined): boolean {
  return v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.toLowerCase())
}

/** Make a relative SQLite path relative to the working directory given (not the process's). */
export function resolveSqlitePath(url: string, cwd: string): string {
  if (!url.startsWith('sqlite:')) return url
  const path = url.slice('sqlite:'.length)
  if (path === ':memory:' || path.startsWith('/')) return url
  return `sqlite:${join(cwd, path)}`
}
