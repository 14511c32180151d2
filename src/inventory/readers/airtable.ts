/**
 * Airtable: bases (`GET /v0/meta/bases`, paged by `offset`), then each base's tables with their
 * fields (`GET /v0/meta/bases/{baseId}/tables`). Paths: `<baseId>`, `<baseId>/<table>`,
 * `<baseId>/<table>/<field>`; table and field ids in `details`.
 * @module
 */
import type { InventoryItem } from '../../store/observe/contract.js'
import type { InventoryReader } from '../contract.js'

export const airtableReader: InventoryReader = {
  service: 'airtable',
  http: (c) => ({ origin: String(c.baseUrl ?? 'https://api.airtable.com'), headers: { authorization: `Bearer ${String(c.token)}` } }),
  async read(http) {
    const items: InventoryItem[] = []
    const bases: Array<{ id: string; name: string; permissionLevel?: string }> = []
    let offset: string | undefined
    do {
      const page = await http.get<{ bases: typeof bases; offset?: string }>('/v0/meta/bases', { offset })
      bases.push(...(page.bases ?? []))
      offset = page.offset
    } while (offset)
    for (const b of bases) {
      items.push({
        kind: 'base',
        path: b.id,
        parent: null,
        name: b.name,
        type: null,
        details: { id: b.id, permissionLevel: b.permissionLevel ?? null },
      })
      const { tables = [] } = await http.get<{
        tables: Array<{
          id: string
          name: string
          primaryFieldId?: string
          fields: Array<{ id: string; name: string; type: string; options?: unknown }>
        }>
      }>(`/v0/meta/bases/${encodeURIComponent(b.id)}/tables`)
      for (const t of tables) {
        const tablePath = `${b.id}/${t.name}`
        items.push({
          kind: 'table',
          path: tablePath,
          parent: b.id,
          name: t.name,
          type: null,
          details: { id: t.id, primaryFieldId: t.primaryFieldId ?? null },
        })
        for (const f of t.fields ?? [])
          items.push({
            kind: 'field',
            path: `${tablePath}/${f.name}`,
            parent: tablePath,
            name: f.name,
            type: f.type,
            details: { id: f.id, ...(f.options ? { options: f.options } : {}) },
          })
      }
    }
    return items
  },
}
