/**
 * Notion (2025-09-03): the data sources shared with the integration (`POST /v1/search` with
 * `filter: { property: "object", value: "data_source" }`, cursor-paged), then each one's
 * properties (`GET /v1/data_sources/{id}`). Paths: `<data source id>`, `<id>/<property>`.
 * @module
 */
import type { InventoryItem } from '../../store/observe/contract.js'
import type { InventoryReader } from '../contract.js'

type RichText = Array<{ plain_text?: string; text?: { content?: string } }>
const plain = (t: RichText | undefined) => (t ?? []).map((x) => x.plain_text ?? x.text?.content ?? '').join('')

export const notionReader: InventoryReader = {
  service: 'notion',
  http: (c) => ({
    origin: String(c.baseUrl ?? 'https://api.notion.com'),
    headers: { authorization: `Bearer ${String(c.token)}`, 'notion-version': String(c.version ?? '2025-09-03') },
  }),
  async read(http) {
    const items: InventoryItem[] = []
    const ids: string[] = []
    let cursor: string | undefined
    do {
      const page = await http.post<{ results: Array<{ id: string; object: string }>; next_cursor?: string | null; has_more?: boolean }>(
        '/v1/search',
        { filter: { property: 'object', value: 'data_source' }, page_size: 100, ...(cursor ? { start_cursor: cursor } : {}) },
      )
      ids.push(...(page.results ?? []).filter((r) => r.object === 'data_source').map((r) => r.id))
      cursor = page.has_more && page.next_cursor ? page.next_cursor : undefined
    } while (cursor)
    for (const id of ids) {
      const ds = await http.get<{
        id: string
        name?: string
        title?: RichText
        parent?: { database_id?: string }
        properties: Record<string, { id: string; type: string; [k: string]: unknown }>
      }>(`/v1/data_sources/${encodeURIComponent(id)}`)
      const name = ds.name ?? plain(ds.title)
      items.push({
        kind: 'data_source',
        path: ds.id,
        parent: null,
        name,
        type: null,
        details: { databaseId: ds.parent?.database_id ?? null },
      })
      for (const [prop, p] of Object.entries(ds.properties ?? {})) {
        const options = (p[p.type] as { options?: Array<{ name: string }> } | undefined)?.options
        items.push({
          kind: 'property',
          path: `${ds.id}/${prop}`,
          parent: ds.id,
          name: prop,
          type: p.type,
          details: { id: p.id, ...(options?.length ? { options: options.map((o) => o.name) } : {}) },
        })
      }
    }
    return items
  },
}
