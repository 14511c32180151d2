/**
 * The gateway a short-lived command needs (usage, alerts, status, docs): every connector
 * with the connections the environment and `connections/` configure, exactly as `start`
 * builds them.
 * @module
 */
import type { ConnectionRegistry } from '../connections/registry.js'
import { loadConnections } from '../connections/registry.js'
import type { RawConnections } from '../connectors/gateway/connections.js'
import { createGateway, type Gateway } from '../connectors/gateway/index.js'
import { builtinConnectors } from '../connectors/registry.js'
import { storedSecrets } from '../credentials/resolve.js'
import { createVault } from '../credentials/vault.js'
import { systemClock } from '../engine/clock.js'
import type { Store } from '../store/contract.js'

export async function openGateway(
  io: { env: Record<string, string | undefined>; cwd: string },
  store: Store,
): Promise<{ gateway: Gateway; connections: RawConnections; registry: ConnectionRegistry }> {
  const connectors = builtinConnectors()
  const vault = createVault({ store, secretKey: io.env.PIPEWRIGHT_SECRET_KEY || null, clock: systemClock })
  const loaded = await loadConnections({ cwd: io.cwd, env: io.env, connectors, stored: storedSecrets(vault) })
  const gateway = createGateway({ connectors, connections: loaded.raw, store, clock: systemClock })
  return { gateway, connections: loaded.raw, registry: loaded.registry }
}
