/**
 * An inventory reader: how to reach one service's API from a connection's settings, and how
 * to read the account's structure (bases, tables, fields, data sources, properties, lists,
 * merge fields, pipelines, scenarios) as inventory items for `store.inventory`.
 * @module
 */
import type { InventoryItem } from '../store/observe/contract.js'
import type { InventoryHttp } from './http.js'

export interface InventoryReader {
  service: string
  /** Origin and auth headers from the connection's settings (the raw config, secrets resolved). */
  http(config: Record<string, unknown>): { origin: string; headers: Record<string, string> }
  read(http: InventoryHttp, config: Record<string, unknown>): Promise<InventoryItem[]>
}
