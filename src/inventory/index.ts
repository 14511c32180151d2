/**
 * `pipewright inventory`: read each connected account's structure into the store's inventory
 * (replaced whole per connection), for `validate` to check field names against and for
 * `pipewright docs`. One reader per service in readers/.
 *
 * @example
 * ```ts
 * const report = await takeInventory({ connections: loaded.raw, store, env, services: ['airtable'] })
 * ```
 * @module
 */

import type { RawConnections } from '../connectors/gateway/connections.js'
import { type AllowList, mergeAllowLists, NOTHING_ALLOWED, parseAllowList } from '../connectors/net/address-policy.js'
import { createGuardedDispatcher } from '../connectors/net/guarded-dispatcher.js'
import type { Store } from '../store/contract.js'
import type { Clock } from '../types.js'
import type { InventoryReader } from './contract.js'
import { inventoryHttp } from './http.js'
import { airtableReader } from './readers/airtable.js'
import { hubspotReader } from './readers/hubspot.js'
import { mailchimpReader } from './readers/mailchimp.js'
import { makeReader } from './readers/make.js'
import { notionReader } from './readers/notion.js'

export const INVENTORY_READERS: readonly InventoryReader[] = [airtableReader, hubspotReader, mailchimpReader, makeReader, notionReader]
export const INVENTORY_SERVICES = INVENTORY_READERS.map((r) => r.service)

export interface InventoryResult {
  service: string
  connection: string
  /** Items read, per kind (`{ base: 1, table: 3, field: 24 }`); absent when reading failed. */
  counts?: Record<string, number>
  error?: string
}

export async function takeInventory(options: {
  connections: RawConnections
  store: Store
  clock: Clock
  env: Record<string, string | undefined>
  /** Services to read; all that have a reader and a connection when empty. */
  services?: readonly string[]
}): Promise<InventoryResult[]> {
  const wanted = options.services?.length ? options.services : INVENTORY_SERVICES
  const unknown = wanted.filter((s) => !INVENTORY_SERVICES.includes(s))
  if (unknown.length) throw new Error(`no inventory for ${unknown.join(', ')}; services with one: ${INVENTORY_SERVICES.join(', ')}`)
  let processAllow = NOTHING_ALLOWED
  try {
    processAllow = parseAllowList(options.env.PIPEWRIGHT_ALLOW_PRIVATE_NETWORK)
  } catch {
    // validated at start-up; an invalid list allows nothing here
  }
  const results: InventoryResult[] = []
  for (const reader of INVENTORY_READERS.filter((r) => wanted.includes(r.service))) {
    for (const [name, raw] of Object.entries(options.connections[reader.service] ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const connection = `${reader.service}:${name}`
      const config = (raw ?? {}) as Record<string, unknown>
      let http: ReturnType<typeof inventoryHttp> | null = null
      try {
        let allow = NOTHING_ALLOWED
        try {
          allow = parseAllowList(config.allowPrivateNetwork as string | string[] | boolean | undefined)
        } catch {
          // reported by the connection loader
        }
        const settings = reader.authorize ? await authorized(reader, config, mergeAllowLists(processAllow, allow), options.clock) : config
        http = inventoryHttp({ service: connection, ...reader.http(settings), allow, processAllow })
        const items = await reader.read(http, config)
        items.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
        await options.store.inventory.replace({ service: reader.service, connection, readAt: options.clock.now(), items })
        const counts: Record<string, number> = {}
        for (const i of items) counts[i.kind] = (counts[i.kind] ?? 0) + 1
        results.push({ service: reader.service, connection, counts })
      } catch (e) {
        results.push({ service: reader.service, connection, error: (e as Error).message.replace(/^\[PW_[A-Z_]+\] /, '') })
      } finally {
        await http?.close()
      }
    }
  }
  return results
}

/** The reader's `authorize` through its own guarded dispatcher, closed afterwards. */
async function authorized(reader: InventoryReader, config: Record<string, unknown>, allow: AllowList, clock: Clock) {
  const dispatcher = createGuardedDispatcher({ allow })
  try {
    return await reader.authorize!(config, { dispatcher, now: () => clock.now() })
  } finally {
    await dispatcher.close().catch(() => undefined)
  }
}
