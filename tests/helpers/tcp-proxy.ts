/**
 * A loopback TCP proxy in front of a real service (Redis, Postgres) that a test can cut, so the
 * service looks down to the code under test while the shared service keeps running for others.
 */

import type { AddressInfo } from 'node:net'
import { connect, createServer, type Socket } from 'node:net'

export interface TcpProxy {
  port: number
  /** Drop every connection and refuse new ones (the service is down). */
  cut(): Promise<void>
  close(): Promise<void>
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  let open = true
  const cut = async () => {
    if (!open) return
    open = false
    await new Promise<void>((r) => {
      server.close(() => r())
      for (const s of sockets) s.destroy()
    })
  }
  return { port: (server.address() as AddressInfo).port, cut, close: cut }
}
