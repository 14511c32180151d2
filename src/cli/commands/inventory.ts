/**
 * `pipewright inventory [service…] [--json]`: read each connected account's structure into the
 * store (src/inventory), and the check `validate` runs against it.
 * @module
 */
import { existsSync } from 'node:fs'
import { loadConnections } from '../../connections/registry.js'
import { builtinConnectors } from '../../connectors/registry.js'
import { storedCredentialAccess, storedSecrets } from '../../credentials/resolve.js'
import { createVault } from '../../credentials/vault.js'
import { systemClock } from '../../engine/clock.js'
import type { Problem } from '../../errors.js'
import { checkInventory } from '../../inventory/check.js'
import { INVENTORY_SERVICES, takeInventory } from '../../inventory/index.js'
import type { CompiledPipeline } from '../../pipeline/types.js'
import { DEFAULT_DATABASE_URL, resolveSqlitePath } from '../../runtime.js'
import { createStore } from '../../store/index.js'
import type { CompiledSync } from '../../sync/types.js'
import { type CliIo, table, UsageError } from '../io.js'

const dbUrl = (io: CliIo, db?: string) => resolveSqlitePath(db ?? io.env.PIPEWRIGHT_DATABASE_URL ?? DEFAULT_DATABASE_URL, io.cwd)

export async function inventoryCommand(io: CliIo, services: string[], opts: { db?: string; json?: boolean }): Promise<number> {
  const unknown = services.filter((s) => !INVENTORY_SERVICES.includes(s))
  if (unknown.length) throw new UsageError(`no inventory for ${unknown.join(', ')}; services with one: ${INVENTORY_SERVICES.join(', ')}`)
  const store = await createStore(dbUrl(io, opts.db))
  try {
    await store.migrate()
    // Connections naming a stored credential read it from the store, as the hub does at start-up.
    const vault = createVault({ store, secretKey: io.env.PIPEWRIGHT_SECRET_KEY || null, clock: systemClock })
    await vault.assertUsable()
    const loaded = await loadConnections({
      cwd: io.cwd,
      env: io.env,
      connectors: builtinConnectors(),
      stored: storedSecrets(vault),
      storedAccess: storedCredentialAccess({ vault, store, clock: systemClock }),
    })
    const results = await takeInventory({ connections: loaded.raw, store, clock: systemClock, env: io.env, services })
    // A configured connection without a usable credential is reported, not silently skipped.
    const wanted = services.length ? services : INVENTORY_SERVICES
    for (const c of loaded.registry.list())
      if (!c.active && wanted.includes(c.service))
        results.push({ service: c.service, connection: c.id, error: `not read: ${c.problem ?? 'its credential is missing'}` })
    results.sort((a, b) => (a.connection < b.connection ? -1 : a.connection > b.connection ? 1 : 0))
    if (opts.json) io.out(JSON.stringify(results))
    else if (results.length === 0)
      io.out(
        `no connection to read: configure one of ${(services.length ? services : INVENTORY_SERVICES).join(', ')} (docs/connections.md)`,
      )
    else
      io.out(
        table(
          results.map((r) => ({
            connection: r.connection,
            read: r.counts
              ? Object.entries(r.counts)
                  .map(([k, n]) => `${n} ${k}${n === 1 ? '' : 's'}`)
                  .join(', ') || 'nothing'
              : `✗ ${r.error}`,
          })),
          ['connection', 'read'],
        ),
      )
    return results.some((r) => r.error) ? 1 : 0
  } finally {
    await store.close()
  }
}

/**
 * `validate`'s inventory check: nothing when the store does not exist yet or holds no inventory;
 * a store that cannot be opened skips the check with a warning (validate must work offline).
 */
export async function inventoryProblems(
  io: CliIo,
  opts: { db?: string },
  pipelines: readonly CompiledPipeline[],
  syncs: readonly CompiledSync[],
): Promise<Problem[]> {
  const url = dbUrl(io, opts.db)
  if (url.startsWith('sqlite:') && !url.includes(':memory:') && !existsSync(url.slice('sqlite:'.length))) return []
  let store: Awaited<ReturnType<typeof createStore>> | null = null
  try {
    store = await createStore(url)
    await store.migrate()
    const snapshots = await store.inventory.list()
    return checkInventory({ cwd: io.cwd, pipelines, syncs, snapshots })
  } catch (e) {
    io.err(`warning: field names not checked against the inventory (store: ${(e as Error).message.split('\n')[0]})`)
    return []
  } finally {
    await store?.close().catch(() => undefined)
  }
}
