/**
 * Health and metrics for processes without the public server (`pipewright worker`): a small
 * HTTP listener with `GET /healthz` (the process answers), `GET /readyz` (its store answers) and
 * `GET /metrics` (Prometheus text, with the process metrics), so orchestrators and Prometheus see
 * workers as they see the API process. Enabled by `--metrics-port` / PIPEWRIGHT_METRICS_PORT.
 * @module
 */
import { createServer, type Server } from 'node:http'
import type { Hub } from '../engine/hub.js'
import { ErrorCodes } from '../errors.js'
import type { HubMetrics } from '../observe/metrics.js'
import { errorBody } from './http-error.js'

/**
 * What /readyz answers: 200 when the store takes a write now (a one-row upsert, committed and
 * synced like an accepted event), else 503 with Retry-After and the store's reason — a store
 * that answers reads but refuses writes (read-only file or standby, full disk, vanished files)
 * is not ready, since ingress would refuse every webhook. The probe row is one key in the keyed
 * values (`pipewright:ready`/`probe`), so no migration is needed.
 */
export async function readiness(hub: Pick<Hub, 'store' | 'dispatch'>): Promise<{ status: number; body: unknown }> {
  try {
    await hub.store.setKey(READY_PROBE.namespace, READY_PROBE.key, null, Date.now())
    return { status: 200, body: { status: 'ready', store: hub.store.kind, dispatch: hub.dispatch.kind } }
  } catch {
    // The reason (file paths, hosts) is in the log, not in this unauthenticated answer.
    return { status: 503, body: errorBody(ErrorCodes.STORE_UNAVAILABLE, 'the store cannot take writes; the log says why') }
  }
}

/** The row the readiness probe writes (one per store, overwritten by every probe). */
export const READY_PROBE = { namespace: 'pipewright:ready', key: 'probe' } as const

export interface HealthServer {
  url: string
  close(): Promise<void>
}

export async function startHealthServer(
  hub: Pick<Hub, 'store' | 'dispatch'>,
  metrics: HubMetrics,
  options: { host: string; port: number },
): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    const send = (status: number, type: string, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers })
      res.end(body)
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(405, 'application/json', JSON.stringify(errorBody(ErrorCodes.NOT_FOUND, 'GET only')))
    if (path === '/healthz') return send(200, 'application/json', JSON.stringify({ status: 'ok' }))
    if (path === '/readyz')
      return void readiness(hub).then((r) =>
        send(r.status, 'application/json', JSON.stringify(r.body), r.status === 503 ? { 'retry-after': '5' } : {}),
      )
    if (path === '/metrics')
      return void metrics.render().then(
        (text) => send(200, 'text/plain; version=0.0.4', text),
        () => send(500, 'application/json', JSON.stringify(errorBody(ErrorCodes.INTERNAL, 'metrics could not be rendered'))),
      )
    send(404, 'application/json', JSON.stringify(errorBody(ErrorCodes.NOT_FOUND, `no route ${req.method} ${path}`)))
  })
  server.keepAliveTimeout = 5000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => resolve())
  })
  const address = server.address() as { port: number }
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
