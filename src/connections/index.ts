/**
 * Connections as configuration (`connections/*.yaml`, `defineConnection`): see docs/connections.md.
 * @module
 */
export { defineConnection, isConnectionDefinition } from './define.js'
export { type LoadedConnection, loadConnectionFiles } from './load.js'
export {
  type ConnectionRegistry,
  createConnectionRegistry,
  findConnection,
  type HasConnections,
  type LoadConnectionsOptions,
  listConnections,
  loadConnections,
} from './registry.js'
export { type ResolvedConfig, type ResolveOptions, resolveConnectionConfig, type StoredSecret } from './resolve.js'
export type * from './types.js'
