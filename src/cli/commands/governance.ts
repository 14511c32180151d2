/**
 * `pause | resume <pipeline|sync>` and `audit`: governance from the command line
 * (docs/governance.md). They write the store directly, as the API does; a running `start`
 * notices a pause or resume within seconds. The actor recorded is `cli:<user>`. A name is a
 * sync when `--sync` says so, or when it is a loaded sync and not a loaded pipeline.
 * @module
 */
import { resolve } from 'node:path'
import { systemClock } from '../../engine/clock.js'
import { pausePipeline, pauseSync, resumePipeline, resumeSync } from '../../engine/governance.js'
import { listPipelineFiles, loadPipelines } from '../../pipeline/load.js'
import { DEFAULT_DATABASE_URL, resolveSqlitePath } from '../../runtime.js'
import type { Store } from '../../store/contract.js'
import { createStore } from '../../store/index.js'
import { loadSyncs } from '../../sync/load.js'
import { type CliIo, table } from '../io.js'
import { pipelinesDir } from '../pipelines-dir.js'

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

/** The ids of ./syncs, or null when the directory has no syncs to check against. */
async function loadedSyncIds(io: CliIo, dir?: string): Promise<string[] | null> {
  const path = resolve(io.cwd, dir ?? 'syncs')
  if ((await listPipelineFiles(path)).length === 0) return null
  return (await loadSyncs(path, { env: io.env, cwd: io.cwd })).map((s) => s.id)
}

export async function pauseCommand(
  io: CliIo,
  mode: 'pause' | 'resume',
  id: string,
  opts: { db?: string; dir?: string; syncs?: string; sync?: boolean; reason?: string; json?: boolean },
): Promise<number> {
  const pipelines = opts.sync ? null : await loadedIds(io, opts.dir)
  const syncs = opts.sync || !pipelines?.includes(id) ? await loadedSyncIds(io, opts.syncs) : null
  if (opts.sync || syncs?.includes(id)) return pauseSyncCommand(io, mode, id, syncs, opts)
  const r = await withStore(io, opts, (store) =>
    mode === 'pause'
      ? pausePipeline(store, systemClock, id, { actor: cliActor(io), reason: opts.reason ?? null, pipelines })
      : resumePipeline(store, systemClock, id, { actor: cliActor(io), pipelines }),
  )
  if (opts.json) io.out(JSON.stringify(r))
  else if (mode === 'pause')
    io.out(
      r.changed
        ? `paused ${id}: events are still accepted and stored; runs wait until \`pipewright resume ${id}\``
        : `${id} was already paused (by ${r.pausedBy} at ${new Date(r.pausedAt ?? 0).toISOString()})`,
    )
  else io.out(r.changed ? `resumed ${id}: the runs that waited start now` : `${id} was not paused`)
  return 0
}

async function pauseSyncCommand(
  io: CliIo,
  mode: 'pause' | 'resume',
  id: string,
  syncs: string[] | null,
  opts: { db?: string; reason?: string; json?: boolean },
): Promise<number> {
  const r = await withStore(io, opts, (store) =>
    mode === 'pause'
      ? pauseSync(store, systemClock, id, { actor: cliActor(io), reason: opts.reason ?? null, syncs })
      : resumeSync(store, systemClock, id, { actor: cliActor(io), syncs }),
  )
  if (opts.json) io.out(JSON.stringify(r))
  else if (mode === 'pause')
    io.out(
      r.changed
        ? `paused sync ${id}: no pass runs until \`pipewright resume ${id}\`; webhooks still mark changed records`
        : `sync ${id} was already paused (by ${r.pausedBy} at ${new Date(r.pausedAt ?? 0).toISOString()})`,
    )
  else io.out(r.changed ? `resumed sync ${id}: its held passes run within seconds` : `sync ${id} was not paused`)
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
