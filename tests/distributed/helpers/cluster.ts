/**
 * A Pipewright cluster on loopback for the distributed tests: `pipewright` processes spawned
 * from bin/ (dist/ must be built: `npm test` builds it first), a fresh Postgres database per
 * test (the CLI takes only PIPEWRIGHT_DATABASE_URL, so a database is the unit of isolation), a
 * random Redis prefix, a receiver that records Idempotency-Key headers, and a load generator
 * that re-sends an event (same webhook-id) until it is acknowledged.
 *
 * Every process spawned here is registered; `killAll()` SIGKILLs the survivors (afterEach).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { LOOPBACK_ENV } from '../../helpers/net.js'
import { randomName } from './services.js'

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const BIN = `${ROOT}bin/pipewright.js`
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url))
export const distBuilt = () => existsSync(`${ROOT}dist/cli/main.js`) && existsSync(`${ROOT}dist/dispatch/bullmq.js`)

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

// ── Postgres: one database per test ─────────────────────────────────────────────────────
export async function createDatabase(baseUrl: string): Promise<{ url: string; name: string; query: pg.Pool; drop(): Promise<void> }> {
  const name = randomName('pw_dist_')
  const admin = new pg.Client({ connectionString: baseUrl })
  await admin.connect()
  await admin.query(`CREATE DATABASE "${name}"`)
  await admin.end()
  const url = new URL(baseUrl)
  url.pathname = `/${name}`
  const query = new pg.Pool({ connectionString: url.toString(), max: 2 })
  // pool.end() resolves before its clients' sockets have closed; DROP DATABASE … WITH (FORCE)
  // then terminates them, and the pool re-emits that as an 'error' — expected here, not a crash.
  query.on('error', () => undefined)
  return {
    url: url.toString(),
    name,
    query,
    async drop() {
      await query.end().catch(() => undefined)
      const c = new pg.Client({ connectionString: baseUrl })
      await c.connect()
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      } finally {
        await c.end()
      }
    },
  }
}

// ── processes ───────────────────────────────────────────────────────────────────────────
export interface Proc {
  child: ChildProcess
  pid: number
  lines: string[]
  /** Resolves with the first output line matching `re`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>
  exited: Promise<number | null>
  kill(signal: NodeJS.Signals): void
}

const live = new Set<Proc>()

export function spawnProcess(command: string, args: string[], env: Record<string, string>, cwd = ROOT): Proc {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, PIPEWRIGHT_LOG_LEVEL: 'warn', ...LOOPBACK_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  const waiters: Array<{ re: RegExp; resolve: (l: string) => void }> = []
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue
      lines.push(line)
      if (lines.length > 2000) lines.splice(0, 1000)
      for (const w of waiters.splice(0))
        if (w.re.test(line)) w.resolve(line)
        else waiters.push(w)
    }
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const proc: Proc = {
    child,
    pid: child.pid!,
    lines,
    exited,
    waitFor(re, timeoutMs = 60_000) {
      const seen = lines.find((l) => re.test(l))
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no line matching ${re} within ${timeoutMs} ms; output:\n${lines.slice(-30).join('\n')}`)),
          timeoutMs,
        )
        waiters.push({
          re,
          resolve: (l) => {
            clearTimeout(timer)
            resolve(l)
          },
        })
        void exited.then((code) => reject(new Error(`process exited (${code}) before ${re}; output:\n${lines.slice(-30).join('\n')}`)))
      })
    },
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    },
  }
  live.add(proc)
  void exited.then(() => live.delete(proc))
  return proc
}

export function pipewright(args: string[], env: Record<string, string>): Proc {
  return spawnProcess(process.execPath, [BIN, ...args], env)
}

export async function killAll(): Promise<void> {
  const procs = [...live]
  for (const p of procs) p.kill('SIGKILL')
  await Promise.all(procs.map((p) => Promise.race([p.exited, sleep(3000)])))
}

/**
 * SIGTERM, then the exit code (SIGKILL after `graceMs`: a generous bound for a busy machine; a
 * process that exits sooner returns sooner).
 */
export async function stop(p: Proc, graceMs = 30_000): Promise<number | null> {
  p.kill('SIGTERM')
  const code = await Promise.race([p.exited, sleep(graceMs).then(() => 'late' as const)])
  if (code === 'late') {
    p.kill('SIGKILL')
    return -1
  }
  return code
}

// ── receiver ────────────────────────────────────────────────────────────────────────────
export interface Receiver {
  url: string
  /** Requests per Idempotency-Key (answered 2xx). */
  byKey: Map<string, number>
  /** Requests per wall-clock second (epoch s). */
  bySecond: Map<number, number>
  /** Requests answered 2xx. */
  total(): number
  /** Requests refused with 429 because they were over the receiver's limit. */
  tooMany(): number
  close(): Promise<void>
}

/**
 * A loopback receiver answering `{"ok":true}` after `delayMs`. With `limit`, it enforces a
 * provider's rate limit as the provider sees it: a request arriving when `limit.count` requests
 * were accepted in the last `limit.windowMs` (sliding) is refused with 429 and `Retry-After: 1`.
 */
export async function startReceiver(delayMs = 0, limit?: { count: number; windowMs: number }): Promise<Receiver> {
  const byKey = new Map<string, number>()
  const bySecond = new Map<number, number>()
  const accepted: number[] = []
  let total = 0
  let tooMany = 0
  const server: Server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const now = Date.now()
      if (limit) {
        while (accepted.length > 0 && accepted[0]! <= now - limit.windowMs) accepted.shift()
        if (accepted.length >= limit.count) {
          tooMany++
          res.writeHead(429, { 'retry-after': '1' }).end()
          return
        }
        accepted.push(now)
      }
      const second = Math.floor(now / 1000)
      bySecond.set(second, (bySecond.get(second) ?? 0) + 1)
      const key = String(req.headers['idempotency-key'] ?? '')
      byKey.set(key, (byKey.get(key) ?? 0) + 1)
      total++
      const answer = () => {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end('{"ok":true}')
      }
      if (delayMs > 0) setTimeout(answer, delayMs)
      else answer()
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    byKey,
    bySecond,
    total: () => total,
    tooMany: () => tooMany,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}

// ── load ────────────────────────────────────────────────────────────────────────────────
export interface LoadResult {
  /** deliveryId → runId of every acknowledged event. */
  acked: Map<string, string>
  /** Responses other than 202/200 (each retried). */
  refusals: number
}

/**
 * POST `count` events to `url`, `concurrency` at a time, each with a unique webhook-id; an event
 * is re-sent (same id) on any error or non-2xx until acknowledged, for at most `giveUpMs` from its
 * first try (a bound for a busy machine, not a pace). `onAck(n)` is called after each
 * acknowledgement (to time a fault).
 */
export async function sendLoad(
  url: string,
  count: number,
  options: { concurrency: number; tag: string; onAck?: (n: number) => void; giveUpMs?: number },
): Promise<LoadResult> {
  const acked = new Map<string, string>()
  let refusals = 0
  let next = 0
  const worker = async () => {
    while (next < count) {
      const i = next++
      const id = `${options.tag}-${i}`
      const giveUpAt = Date.now() + (options.giveUpMs ?? 120_000)
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'webhook-id': id },
            body: JSON.stringify({ n: i, email: `lead${i}@example.com` }),
          })
          const body = (await res.json().catch(() => ({}))) as { runId?: string }
          if ((res.status === 202 || res.status === 200) && body.runId) {
            acked.set(id, body.runId)
            options.onAck?.(acked.size)
            break
          }
          refusals++
        } catch {
          refusals++
        }
        if (Date.now() > giveUpAt)
          throw new Error(`event ${id} was not acknowledged within ${options.giveUpMs ?? 120_000} ms (${attempt} tries)`)
        await sleep(Math.min(1000, 50 * attempt))
      }
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker))
  return { acked, refusals }
}

/** Poll until `fn` is truthy; throws with the last value after `timeoutMs`. */
export async function waitUntil<T>(what: string, fn: () => Promise<T> | T, timeoutMs: number, stepMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: T
  for (;;) {
    last = await fn()
    if (last) return last
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(last)})`)
    await sleep(stepMs)
  }
}

/** Run statuses of the given run ids, counted. */
export async function statusCounts(db: pg.Pool, runIds: string[]): Promise<Record<string, number>> {
  const { rows } = await db.query<{ status: string; n: string }>(
    `SELECT status, count(*) AS n FROM runs WHERE id = ANY($1) GROUP BY status`,
    [runIds],
  )
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]))
}
