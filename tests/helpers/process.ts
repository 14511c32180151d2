/**
 * Spawn the real `pipewright` CLI (from dist/, built by `npm test`'s pretest) and a loopback
 * receiver that records Idempotency-Key headers.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { LOOPBACK_ENV } from './net.js'

export const ROOT = join(import.meta.dirname, '..', '..')
export const BIN = join(ROOT, 'bin', 'pipewright.js')

export interface Spawned {
  child: ChildProcess
  url: string
  output: () => string
  kill(signal?: NodeJS.Signals): Promise<void>
}

/**
 * Start `pipewright <args>` and resolve once it prints "listening on <url>" — or fail after
 * `timeoutMs`, a bound sized for a busy 2-core machine (start-up there took over 20 s), not a pace.
 */
export function spawnPipewright(
  args: string[],
  env: Record<string, string>,
  cwd = ROOT,
  timeoutMs = 60_000,
  as: { uid?: number; gid?: number } = {},
): Promise<Spawned> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    ...as,
    env: { ...process.env, PIPEWRIGHT_LOG_LEVEL: 'warn', ...LOOPBACK_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const kill = (signal: NodeJS.Signals = 'SIGTERM') =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill(signal)
    })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`pipewright ${args.join(' ')} did not start within ${timeoutMs} ms:\n${out}`))
    }, timeoutMs)
    const onData = () => {
      const m = /listening on (http:\/\/[^\s,]+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        child.stdout!.off('data', onData)
        resolve({ child, url: m[1]!, output: () => out, kill })
      }
    }
    child.stdout!.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`pipewright ${args.join(' ')} exited with ${code} before listening:\n${out}`))
    })
  })
}

export interface Receiver {
  url: string
  /** Idempotency-Key → times seen. */
  keys: Map<string, number>
  total: () => number
  close(): Promise<void>
}

export async function startReceiver(options: { status?: () => number; delayMs?: number } = {}): Promise<Receiver> {
  const keys = new Map<string, number>()
  let total = 0
  const server: Server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const status = options.status?.() ?? 200
      if (status < 300) {
        total++
        const key = String(req.headers['idempotency-key'] ?? '')
        keys.set(key, (keys.get(key) ?? 0) + 1)
      }
      const send = () => res.writeHead(status, { 'content-type': 'application/json' }).end('{"ok":true}')
      if (options.delayMs) setTimeout(send, options.delayMs)
      else send()
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    keys,
    total: () => total,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}

/** `pipewright start` on the SQLite file `dbFile` with the crash fixture pipelines and a short lease. */
export function crashStartArgs(dbFile: string): string[] {
  return ['start', '--db', `sqlite:${dbFile}`, '--port', '0', '--dir', join(ROOT, 'tests/fixtures/crash/pipelines'), '--lease-ms', '1500']
}

/**
 * POST lead `n` to the crash fixture's webhook. Returns its run id when acknowledged (202), or
 * null when refused or cut by a kill — an event that was never acknowledged is not owed.
 */
export async function postCrashLead(baseUrl: string, n: number): Promise<string | null> {
  try {
    const res = await fetch(`${baseUrl}/hooks/crash`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `lead${n}@acme.com`, n }),
    })
    if (res.status === 202) return ((await res.json()) as { runId: string }).runId
    await res.arrayBuffer()
  } catch {
    // connection refused or reset by a kill
  }
  return null
}
