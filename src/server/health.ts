/**
 * Health and metrics for processes without the public server (`pipewright worker`): a small
 * HTTP listener with `GET /healthz` (the process answers), `GET /readyz` (its store answers) and
 * `GET /metrics` (Prometheus text, with the process metrics), so orchestrators and Prometheus see
 * workers as they see the API process. Enabled by `--metrics-port` / PIPEWRIGHT_METRICS_PORT.
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
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

/**
 * A `node:http` listener for `GET`/`HEAD` `/healthz`, `/readyz` and `/metrics`; returns false for
 * anything else. The worker's health server and the public server (before its API is built) use it.
 */
export function healthListener(
  hub: Pick<Hub, 'store' | 'dispatch'>,
  metrics: HubMetrics,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false
    const path = (req.url ?? '/').split('?')[0]
    const send = (status: number, type: string, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers })
      res.end(body)
    }
    if (path === '/healthz') send(200, 'application/json', JSON.stringify({ status: 'ok' }))
    else if (path === '/readyz')
      void readiness(hub).then((r) =>
        send(r.status, 'application/json', JSON.stringify(r.body), r.status === 503 ? { 'retry-after': '5' } : {}),
      )
    else if (path === '/metrics')
      void metrics.render().then(
        (text) => send(200, 'text/plain; version=0.0.4', text),
        () => send(500, 'application/json', JSON.stringify(errorBody(ErrorCodes.INTERNAL, 'metrics could not be rendered'))),
      )
    else return false
    return true
  }
}

export interface HealthServer {
  url: string
  close(): Promise<void>
}

export async function startHealthServer(
  hub: Pick<Hub, 'store' | 'dispatch'>,
  metrics: HubMetrics,
  options: { host: string; port: number },
): Promise<HealthServer> {
  const answer = healthListener(hub, metrics)
  const server: Server = createServer((req, res) => {
    if (answer(req, res)) return
    const path = (req.url ?? '/').split('?')[0]
    const status = req.method !== 'GET' && req.method !== 'HEAD' ? 405 : 404
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    res.end(JSON.stringify(errorBody(ErrorCodes.NOT_FOUND, status === 405 ? 'GET only' : `no route ${req.method} ${path}`)))
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
