/**
 * `start`, `dev` and `worker`: long-running processes.
 * - `start`: API + ingress + workers (`--no-worker` for API-only nodes).
 * - `worker`: workers only (`--concurrency`), for distributed mode.
 * - `dev`: `start` on loopback that reloads pipelines when their files change; `--sandbox`
 *   points every connector at local emulators.
 * @module
 */
import { watch } from 'node:fs'
import { setFlagsFromString } from 'node:v8'
import { ConfigError, formatProblem } from '../../errors.js'
import { pipelineSecrets } from '../../pipeline/compile.js'
import { tryParseDuration } from '../../pipeline/duration.js'
import { loadPipelines } from '../../pipeline/load.js'
import { createRuntime, DEFAULT_DATABASE_URL, resolveSqlitePath } from '../../runtime.js'
import { acquireInstanceLock, type InstanceLock, type LockHolder, sqliteLockPath } from '../instance-lock.js'
import type { CliIo } from '../io.js'
import { pipelinesDir } from '../pipelines-dir.js'

export interface ServeOptions {
  dir?: string
  db?: string
  host?: string
  port?: string
  worker?: boolean
  concurrency?: string
  sandbox?: boolean
  /** With --sandbox: enforce sandbox.yaml (or `sandboxConfig`), as `pipewright sandbox --strict`. */
  strict?: boolean
  sandboxConfig?: string
  leaseMs?: string
  metricsPort?: string
  shutdownGrace?: string
}

export const DEFAULT_SHUTDOWN_GRACE = '10s'

/** `--shutdown-grace` / PIPEWRIGHT_SHUTDOWN_GRACE: a duration with its unit (`10s`, `2500ms`, `1m`). */
export function parseGrace(value: string, from: string): number | string {
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return `${from} "${value}" has no unit; write it like "10s" or "2500ms"`
  const ms = tryParseDuration(value)
  return typeof ms === 'string' ? `${from}: ${ms}` : ms
}

function reportConfig(io: CliIo, e: unknown): number {
  if (e instanceof ConfigError) {
    const where = e.problems.some((p) => p.file || p.pipeline) ? ' in the pipelines' : ''
    io.err(`cannot start: ${e.problems.length} problem(s)${where}:`)
    for (const p of e.problems) io.err(`  - ${formatProblem(p)}`)
    return 1
  }
  throw e
}

/** `http://0.0.0.0:4280 (all interfaces)`; a specific address as it is. */
function listening(bound: string, reach: string | null): string {
  const wildcard = /^http:\/\/(0\.0\.0\.0|\[::\]):/.test(bound)
  return wildcard ? `${bound} (all interfaces; ${reach} from this machine)` : bound
}

export async function serveCommand(io: CliIo, mode: 'start' | 'dev' | 'worker', opts: ServeOptions): Promise<number> {
  const grace = opts.shutdownGrace
    ? parseGrace(opts.shutdownGrace, '--shutdown-grace')
    : parseGrace(io.env.PIPEWRIGHT_SHUTDOWN_GRACE || DEFAULT_SHUTDOWN_GRACE, 'PIPEWRIGHT_SHUTDOWN_GRACE')
  if (typeof grace === 'string') {
    io.err(`cannot start: ${grace}`)
    return 1
  }
  // The emulators load only for --sandbox.
  const sandboxModule = opts.sandbox || opts.strict || opts.sandboxConfig ? await import('./sandbox.js') : null
  const started = sandboxModule
    ? await sandboxModule.sandboxFromFlags(io.cwd, { sandbox: opts.sandbox, strict: opts.strict, config: opts.sandboxConfig })
    : null
  if (started && 'usage' in started) {
    io.err(started.usage)
    return 2
  }
  const sandbox = started
  if (sandbox) {
    io.out(
      `sandbox: ${Object.entries(sandbox.urls)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    )
    if (opts.strict) io.out(sandboxModule!.STRICT_NOTE)
  }
  // Signals are ours from here on: a SIGTERM during start-up stops start-up (it is not lost).
  const signal = io.untilSignal()
  let lock: InstanceLock | null = null
  if (mode !== 'worker') {
    const lockPath = sqliteLockPath(resolveSqlitePath(opts.db ?? io.env.PIPEWRIGHT_DATABASE_URL ?? DEFAULT_DATABASE_URL, io.cwd))
    const taken = lockPath ? acquireInstanceLock(lockPath, mode) : null
    if (taken && 'heldBy' in taken) {
      await sandbox?.close()
      io.err(otherStartMessage(taken.heldBy, lockPath!))
      return 1
    }
    lock = taken
  }
  const starting = createRuntime({
    cwd: io.cwd,
    env: io.env,
    pipelinesDir: pipelinesDir(io, opts.dir),
    databaseUrl: opts.db,
    server: mode !== 'worker',
    host: mode === 'dev' ? (opts.host ?? '127.0.0.1') : opts.host,
    port: opts.port ? Number(opts.port) : undefined,
    worker: mode === 'worker' ? true : opts.worker !== false,
    concurrency: opts.concurrency ? Number(opts.concurrency) : undefined,
    leaseMs: opts.leaseMs ? Number(opts.leaseMs) : undefined,
    metricsPort: opts.metricsPort ? Number(opts.metricsPort) : undefined,
    connectionOverrides: sandbox?.env,
    allowPrivateNetwork: sandbox?.allowPrivateNetwork,
  }).then(
    (r) => ({ runtime: r }),
    (error: unknown) => ({ error }),
  )
  // A signal during start-up: let start-up finish (bounded), then shut down as usual.
  const first =
    (await Promise.race([starting, signal.then(() => null)])) ?? (await Promise.race([starting, sleep(STARTUP_GRACE_MS).then(() => null)]))
  if (first === null) {
    io.err(`stopped: start-up had not finished ${STARTUP_GRACE_MS / 1000} s after the signal (is the database or Redis reachable?)`)
    lock?.release()
    await sandbox?.close()
    return 1
  }
  if ('error' in first) {
    lock?.release()
    await sandbox?.close()
    const inUse = listenError(first.error, mode === 'worker' ? 'metrics' : 'server')
    if (inUse) {
      io.err(inUse)
      return 1
    }
    return reportConfig(io, first.error)
  }
  const runtime = first.runtime
  // bin/pipewright.js kept V8's young generation small while starting; under load it may grow
  // again as usual (V8's default growth factor).
  setFlagsFromString('--semi-space-growth-factor=2')
  lock?.setUrl(runtime.url)
  const names = runtime.hub.pipelines().map((p) => p.id)
  io.out(
    `pipewright ${mode}: ${names.length} pipeline(s) [${names.join(', ')}], store ${runtime.hub.store.kind}, dispatch ${runtime.hub.dispatch.kind}${runtime.tracing ? `, traces to ${runtime.tracing.target}` : ''}${runtime.boundUrl ? `, listening on ${listening(runtime.boundUrl, runtime.url)}` : ''}${runtime.healthUrl ? `, health and metrics on ${runtime.healthUrl}` : ''}`,
  )
  let watcher: ReturnType<typeof watch> | null = null
  if (mode === 'dev') {
    let timer: NodeJS.Timeout | null = null
    const dir = pipelinesDir(io, opts.dir)
    try {
      watcher = watch(dir, () => {
        if (timer) clearTimeout(timer)
        timer = setTimeout(async () => {
          try {
            const list = await loadPipelines(dir, { env: { ...io.env, ...(sandbox?.env ?? {}) }, cwd: io.cwd })
            runtime.hub.redactor.addSecrets(list.flatMap(pipelineSecrets))
            runtime.reloadPipelines(list)
            io.out(`reloaded ${list.length} pipeline(s): ${list.map((p) => `${p.id}@${p.version}`).join(', ')}`)
            if (!runtime.hub.sealsPayloads && list.some((p) => p.pii?.length))
              io.err('pii paths are sealed from the next start: stop dev and start it again (they need PIPEWRIGHT_SECRET_KEY)')
          } catch (e) {
            if (e instanceof ConfigError)
              io.err(`not reloaded; fix these and save again:\n${e.problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`)
            else io.err(`not reloaded: ${(e as Error).message}`)
          }
        }, 150)
      })
    } catch {
      io.err(`cannot watch ${dir}; reload on change is off`)
    }
  }
  await signal
  io.out(`shutting down: finishing in-flight runs for up to ${grace} ms…`)
  // The promise is grace + 2 s at most, whatever a component does: past that the process ends.
  const backstop = setTimeout(() => {
    io.err(`shutdown did not finish within ${grace} ms + 1.8 s; exiting now (runs still leased return after their lease expires)`)
    process.exit(1)
  }, grace + 1800)
  backstop.unref()
  watcher?.close()
  await runtime.close(grace)
  clearTimeout(backstop)
  lock?.release()
  await sandbox?.close()
  return 0
}

/** A signal during start-up: how long to wait for start-up to finish so it can be closed cleanly. */
const STARTUP_GRACE_MS = 10_000

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref())
}

/** A port-in-use (or not-allowed) message that says how to pick another, or null for other errors. */
function listenError(e: unknown, what: 'server' | 'metrics'): string | null {
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number }
  if (err?.code !== 'EADDRINUSE' && err?.code !== 'EACCES') return null
  const where = `port ${err.port ?? '?'} on ${err.address ?? 'this host'}`
  const how =
    what === 'server'
      ? 'choose another with --port <n> or PIPEWRIGHT_PORT=<n> (0 picks a free one)'
      : 'choose another with --metrics-port <n> or PIPEWRIGHT_METRICS_PORT=<n>'
  return err.code === 'EADDRINUSE'
    ? `cannot start: ${where} is already in use (another pipewright, or another program: \`lsof -i :${err.port}\` shows which); stop it, or ${how}`
    : `cannot start: not allowed to listen on ${where} (ports below 1024 need privileges); ${how}`
}

function otherStartMessage(h: LockHolder, lockPath: string): string {
  const db = lockPath.replace(/\.start\.lock$/, '')
  return [
    `cannot start: another \`pipewright ${h.command}\` (pid ${h.pid} on ${h.host}${h.url ? `, serving ${h.url}` : ''}, since ${h.since}) is using the SQLite database ${db}.`,
    'A SQLite database serves one `start` at a time. Either stop it first (Ctrl-C in its terminal, or `kill ' + h.pid + '`),',
    'or give this one its own database (--db sqlite:other.db or PIPEWRIGHT_DATABASE_URL),',
    'or run several processes on Postgres + Redis (PIPEWRIGHT_DATABASE_URL=postgres://…, PIPEWRIGHT_REDIS_URL; docs/operations.md).',
    `If no such process runs any more, delete ${lockPath}.`,
  ].join('\n')
}
