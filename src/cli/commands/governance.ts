/**
 * `pause | resume <pipeline>` and `audit`: governance from the command line
 * (docs/governance.md). They write the store directly, as the API does; a running `start`
 * notices a pause or resume within seconds. The actor recorded is `cli:<user>`.
 * @module
 */
import { systemClock } from '../../engine/clock.js'
import { pausePipeline, resumePipeline } from '../../engine/governance.js'
import { listPipelineFiles, loadPipelines } from '../../pipeline/load.js'
import { DEFAULT_DATABASE_URL, resolveSqlitePath } from '../../runtime.js'
import type { Store } from '../../store/contract.js'
import { createStore } from '../../store/index.js'
import { type CliIo, table } from '../io.js'
import { pipelinesDir } from './local.js'

/** Who acts from this shell: `cli:<login name>`. */
export function cliActor(io: CliIo): string {
  return `cli:${io.env.PIPEWRIGHT_ACTOR || io.env.USER || io.env.USERNAME || 'unknown'}`
}

async function withStore<T>(io: CliIo, opts: { db?: string }, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await createStore(resolveSqlitePath(opts.db ?? io.env.PIPEWRIGHT_DATABASE_URL ?? DEFAULT_DATABASE_URL, io.cwd))
  try {
    await store.migrate()
    return await fn(store)
  } finally {
    await store.close()
  }
}

/** The ids of ./pipelines, to refuse a typo; null when the directory has no pipelines to check against. */
async function loadedIds(io: CliIo, dir?: string): Promise<string[] | null> {
  const path = pipelinesDir(io, dir)
  if ((await listPipelineFiles(path)).length === 0) return null
  return (await loadPipelines(path, { env: io.env, cwd: io.cwd })).map((p) => p.id)
}

export async function pauseCommand(
  io: CliIo,
  mode: 'pause' | 'resume',
  pipelineId: string,
  opts: { db?: string; dir?: string; reason?: string; json?: boolean },
): Promise<number> {
  const pipelines = await loadedIds(io, opts.dir)
  const r = await withStore(io, opts, (store) =>
    mode === 'pause'
      ? pausePipeline(store, systemClock, pipelineId, { actor: cliActor(io), reason: opts.reason ?? null, pipelines })
      : resumePipeline(store, systemClock, pipelineId, { actor: cliActor(io), pipelines }),
  )
  if (opts.json) io.out(JSON.stringify(r))
  else if (mode === 'pause')
    io.out(
      r.changed
        ? `paused ${pipelineId}: events are still accepted and stored; runs wait until \`pipewright resume ${pipelineId}\``
        : `${pipelineId} was already paused (by ${r.pausedBy} at ${new Date(r.pausedAt ?? 0).toISOString()})`,
    )
  else io.out(r.changed ? `resumed ${pipelineId}: the runs that waited start now` : `${pipelineId} was not paused`)
  return 0
}

export async function pausedList(io: CliIo, opts: { db?: string; json?: boolean }): Promise<number> {
  const rows = await withStore(io, opts, (store) => store.pauses.list())
  if (opts.json) io.out(JSON.stringify(rows))
  else if (rows.length === 0) io.out('nothing is paused')
  else
    io.out(
      table(
        rows.map((r) => ({ ...r, pausedAt: new Date(r.pausedAt).toISOString(), reason: r.reason ?? '' })),
        ['kind', 'id', 'pausedBy', 'pausedAt', 'reason'],
      ),
    )
  return 0
}

export async function auditCommand(
  io: CliIo,
  opts: { db?: string; action?: string; actor?: string; target?: string; limit?: string; json?: boolean },
): Promise<number> {
  const limit = Number(opts.limit ?? 50)
  const rows = await withStore(io, opts, (store) =>
    store.audit.list({ action: opts.action, actor: opts.actor, target: opts.target, limit: Number.isFinite(limit) ? limit : 50 }),
  )
  if (opts.json) io.out(JSON.stringify(rows))
  else if (rows.length === 0) io.out('no audit entries')
  else
    io.out(
      table(
        rows.map((r) => ({
          at: new Date(r.at).toISOString(),
          actor: r.actor,
          action: r.action,
          target: r.target,
          details: r.details ? JSON.stringify(r.details) : '',
        })),
        ['at', 'actor', 'action', 'target', 'details'],
      ),
    )
  return 0
}
