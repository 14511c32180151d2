/**
 * An inventory reader: how to reach one service's API from a connection's settings, and how
 * to read the account's structure (bases, tables, fields, data sources, properties, lists,
 * merge fields, pipelines, scenarios) as inventory items for `store.inventory`.
 * @module
 */
import type { Dispatcher } from 'undici'
import type { InventoryItem } from '../store/observe/contract.js'
import type { InventoryHttp } from './http.js'

export interface InventoryReader {
  service: string
  /** Origin and auth headers from the connection's settings (the raw config, secrets resolved). */
  http(config: Record<string, unknown>): { origin: string; headers: Record<string, string> }
  /**
   * Settings with what `http` needs obtained first (HubSpot OAuth: an access token from the
   * refresh token, a rotated one written back to the store). Absent: the settings as they are.
   */
  authorize?(config: Record<string, unknown>, o: { dispatcher: Dispatcher; now: () => number }): Promise<Record<string, unknown>>
  read(http: InventoryHttp, config: Record<string, unknown>): Promise<InventoryItem[]>
}
