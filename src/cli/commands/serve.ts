/**
 * `start`, `dev` and `worker`: long-running processes.
 * - `start`: API + ingress + workers (`--no-worker` for API-only nodes).
 * - `worker`: workers only (`--concurrency`), for distributed mode.
 * - `dev`: `start` on loopback that reloads pipelines when their files change; `--sandbox`
 *   points every connector at local emulators.
 * @module
 */
import { watch } from 'node:fs'
import { ConfigError, formatProblem } from '../../errors.js'
import { tryParseDuration } from '../../pipeline/duration.js'
import { loadPipelines } from '../../pipeline/load.js'
import { createRuntime } from '../../runtime.js'
import type { CliIo } from '../io.js'
import { pipelinesDir } from './local.js'
import { sandboxOverrides } from './sandbox.js'

export interface ServeOptions {
  dir?: string
  db?: string
  host?: string
  port?: string
  worker?: boolean
  concurrency?: string
  sandbox?: boolean
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
  const sandbox = opts.sandbox ? await sandboxOverrides() : null
  if (sandbox)
    io.out(
      `sandbox: ${Object.entries(sandbox.urls)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    )
  let runtime: Awaited<ReturnType<typeof createRuntime>>
  try {
    runtime = await createRuntime({
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
    })
  } catch (e) {
    await sandbox?.close()
    return reportConfig(io, e)
  }
  const names = runtime.hub.pipelines().map((p) => p.id)
  io.out(
    `pipewright ${mode}: ${names.length} pipeline(s) [${names.join(', ')}], store ${runtime.hub.store.kind}, dispatch ${runtime.hub.dispatch.kind}${runtime.boundUrl ? `, listening on ${listening(runtime.boundUrl, runtime.url)}` : ''}${runtime.healthUrl ? `, health and metrics on ${runtime.healthUrl}` : ''}`,
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
            runtime.hub.setPipelines([...list, ...runtime.syncPipelines])
            io.out(`reloaded ${list.length} pipeline(s): ${list.map((p) => `${p.id}@${p.version}`).join(', ')}`)
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
  await io.untilSignal()
  io.out(`shutting down: finishing in-flight runs for up to ${grace} ms…`)
  // The promise is grace + 2 s at most, whatever a component does: past that the process ends.
  const backstop = setTimeout(() => {
    io.err(`shutdown did not finish within ${grace} ms + 1.8 s; exiting now (runs still leased return after their lease expires)`)
    process.exit(1)
  }, grace + 1800)
  backstop.unref()
  watcher?.close()
  await runtime.close(grace)
  await sandbox?.close()
  return 0
}
