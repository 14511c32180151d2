/**
 * The gateway a short-lived command needs (usage, alerts, status, docs): every connector
 * with the connections the environment configures, exactly as `start` builds them.
 * @module
 */
import { createGateway, type Gateway } from '../connectors/gateway/index.js'
import { builtinConnectors } from '../connectors/registry.js'
import { systemClock } from '../engine/clock.js'
import type { Store } from '../store/contract.js'

export function envConnections(env: Record<string, string | undefined>): Record<string, Record<string, Record<string, unknown>>> {
  const connections: Record<string, Record<string, Record<string, unknown>>> = {}
  for (const c of builtinConnectors()) {
    const raw = c.fromEnv?.(env)
    if (raw) connections[c.id] = { default: raw }
  }
  return connections
}

export function openGateway(
  env: Record<string, string | undefined>,
  store: Store,
): { gateway: Gateway; connections: ReturnType<typeof envConnections> } {
  const connections = envConnections(env)
  return { gateway: createGateway({ connectors: builtinConnectors(), connections, store, clock: systemClock }), connections }
}
