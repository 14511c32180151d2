/**
 * Make: scenarios of a team (`GET /api/v2/scenarios?teamId=…`, `Authorization: Token …`, paged
 * with `pg[offset]`). The connection's settings name the API: `apiToken`, `teamId` and `apiUrl`
 * (the zone, e.g. `https://eu1.make.com`) — the webhook URL and key that `make.trigger` uses
 * do not reach the API. Paths: `scenarios/<id>`.
 * @module
 */
import type { InventoryItem } from '../../store/observe/contract.js'
import type { InventoryReader } from '../contract.js'
import { InventoryReadError } from '../http.js'

export const makeReader: InventoryReader = {
  service: 'make',
  http: (c) => {
    if (!c.apiToken || !c.teamId || !c.apiUrl)
      throw new InventoryReadError(
        'make: inventory needs the connection settings apiToken, teamId and apiUrl (the zone, e.g. https://eu1.make.com)',
      )
    return { origin: String(c.apiUrl), headers: { authorization: `Token ${String(c.apiToken)}` } }
  },
  async read(http, c) {
    const items: InventoryItem[] = []
    for (let offset = 0; ; offset += 100) {
      const page = await http.get<{ scenarios: Array<{ id: number; name: string; isActive?: boolean; teamId?: number }> }>(
        '/api/v2/scenarios',
        {
          teamId: String(c.teamId),
          'pg[offset]': offset,
          'pg[limit]': 100,
        },
      )
      const rows = page.scenarios ?? []
      for (const s of rows)
        items.push({
          kind: 'scenario',
          path: `scenarios/${s.id}`,
          parent: null,
          name: s.name,
          type: null,
          details: { id: s.id, isActive: s.isActive ?? null, teamId: s.teamId ?? null },
        })
      if (rows.length < 100) return items
    }
  },
}
