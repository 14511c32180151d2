/**
 * The hub's connection registry: every configured connection (environment defaults, files,
 * code) described without secrets. Other commands read it: `validate` (missing credentials
 * per pipeline), `status`, the generated README, the Connections page.
 *
 * @example
 * ```ts
 * const rt = await createRuntime({ cwd, env: process.env })
 * for (const c of listConnections(rt)) console.log(c.id, c.active ? 'ok' : c.problem)
 * findConnection(rt, 'hubspot', 'main')   // also findConnection(rt, 'hubspot:main')
 * ```
 * @module
 */
import { join } from 'node:path'
import type { ConnectorDefinition, StoredCredentialAccess } from '../connectors/contract.js'
import type { RawConnections } from '../connectors/gateway/connections.js'
import { loadConnectionFiles } from './load.js'
import { type ResolvedConfig, resolveConnectionConfig, type StoredSecret } from './resolve.js'
import type { ConnectionInfo } from './types.js'

export interface ConnectionRegistry {
  /** Every connection, in configuration order (environment defaults first). */
  list(): ConnectionInfo[]
  /** By `service:name`, or service and name (`default` when absent). */
  get(service: string, name?: string): ConnectionInfo | undefined
}

export function createConnectionRegistry(infos: ConnectionInfo[]): ConnectionRegistry {
  return {
    list: () => infos.map((i) => structuredClone(i)),
    get(service, name) {
      const id = name === undefined && service.includes(':') ? service : `${service}:${name ?? 'default'}`
      const found = infos.find((i) => i.id === id)
      return found ? structuredClone(found) : undefined
    },
  }
}

/** Anything that carries a registry: the runtime, or a registry itself. */
export type HasConnections = { connections: ConnectionRegistry } | ConnectionRegistry

function registryOf(from: HasConnections): ConnectionRegistry {
  return 'list' in from ? from : from.connections
}

/** Every connection of a runtime (or registry), without secrets. */
export function listConnections(from: HasConnections): ConnectionInfo[] {
  return registryOf(from).list()
}

/** One connection by `service:name` or (service, name); undefined when not configured. */
export function findConnection(from: HasConnections, service: string, name?: string): ConnectionInfo | undefined {
  return registryOf(from).get(service, name)
}

export interface LoadConnectionsOptions {
  cwd: string
  env: Record<string, string | undefined>
  connectors: readonly ConnectorDefinition<any>[]
  /** @defaultValue `<cwd>/connections` */
  dir?: string
  extra?: RawConnections
  stored?: (name: string) => Promise<StoredSecret | null>
  /** Read/write access to a stored credential, handed to the connection's actions (`ctx.credential`). */
  storedAccess?: (name: string) => StoredCredentialAccess
}

/** Load `connections/`, resolve credentials, and return the gateway's connections and the registry. */
export async function loadConnections(options: LoadConnectionsOptions): Promise<ResolvedConfig & { registry: ConnectionRegistry }> {
  const defined = await loadConnectionFiles(options.dir ?? join(options.cwd, 'connections'), { cwd: options.cwd })
  const resolved = await resolveConnectionConfig({
    connectors: options.connectors,
    env: options.env,
    defined,
    ...(options.extra ? { extra: options.extra } : {}),
    ...(options.stored ? { stored: options.stored } : {}),
    ...(options.storedAccess ? { storedAccess: options.storedAccess } : {}),
  })
  return { ...resolved, registry: createConnectionRegistry(resolved.infos) }
}
