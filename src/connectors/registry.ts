/**
 * The built-in connectors. A function, not a module-level list: each hub gets fresh
 * instances, so one hub closing its keep-alive pools never affects another.
 *
 * @example
 * ```ts
 * const gateway = createGateway({ connectors: builtinConnectors(), connections, store, clock })
 * ```
 * @module
 */
import type { ConnectorDefinition } from './contract.js'
import { createHttpConnector } from './http/connector.js'

/** Fresh instances of every built-in connector, in a stable order. */
export function builtinConnectors(): ConnectorDefinition<any>[] {
  return [createHttpConnector()]
}

/** Ids of the built-in connectors, for `validate` and `doctor`. */
export const BUILTIN_CONNECTOR_IDS: readonly string[] = ['http']
