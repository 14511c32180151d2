/**
 * What `status` and `docs` read without starting the hub: the pipelines and syncs of the
 * project, the store, and the gateway the environment configures (budgets, connections).
 * @module
 */
import { join } from 'node:path'
import type { ConnectionInfo } from '../connections/types.js'
import type { Gateway } from '../connectors/gateway/index.js'
import { systemClock } from '../engine/clock.js'
import type { StatusReport } from '../observe/status.js'
import { gatherStatus } from '../observe/status-sources.js'
import { loadPipelines } from '../pipeline/load.js'
import type { CompiledPipeline } from '../pipeline/types.js'
import { DEFAULT_DATABASE_URL, resolveSqlitePath } from '../runtime.js'
import type { Store } from '../store/contract.js'
import { createStore } from '../store/index.js'
import { loadSyncs } from '../sync/load.js'
import type { PassReport } from '../sync/report.js'
import { LAST_PASS_NS } from '../sync/status.js'
import type { CompiledSync } from '../sync/types.js'
import type { CliIo } from './io.js'
import { openGateway } from './open-gateway.js'
import { pipelinesDir } from './pipelines-dir.js'

export interface HubState {
  store: Store
  gateway: Gateway
  pipelines: CompiledPipeline[]
  syncs: CompiledSync[]
  /** Configured connections (no secrets), sorted by id. */
  connections: ConnectionInfo[]
  now: number
  status(): Promise<StatusReport>
  lastPass(syncId: string): Promise<PassReport | null>
}

export async function withHubState<T>(
  io: CliIo,
  opts: { db?: string; dir?: string },
  fn: (s: HubState) => Promise<T>,
  /** Pipelines already compiled (skips loading the directory). */
  preloaded?: { pipelines?: CompiledPipeline[] },
): Promise<T> {
  const env = io.env
  const pipelines = preloaded?.pipelines ?? (await loadPipelines(pipelinesDir(io, opts.dir), { env, cwd: io.cwd }))
  const syncs = await loadSyncs(join(io.cwd, 'syncs'), { env, cwd: io.cwd })
  const store = await createStore(resolveSqlitePath(opts.db ?? env.PIPEWRIGHT_DATABASE_URL ?? DEFAULT_DATABASE_URL, io.cwd))
  await store.migrate()
  const { gateway, registry } = await openGateway(io, store)
  const now = systemClock.now()
  const lastPass = async (id: string) => ((await store.getKey(LAST_PASS_NS, id, now))?.value as PassReport | undefined) ?? null
  const connections = registry.list().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  try {
    return await fn({
      store,
      gateway,
      pipelines,
      syncs,
      connections,
      now,
      lastPass,
      status: () => gatherStatus({ store, now, pipelines, syncs, lastPass, connections, usage: () => gateway.usage() }),
    })
  } finally {
    await gateway.close()
    await store.close()
  }
}
