/**
 * Mailchimp: audiences (`GET /3.0/lists`) and each one's merge fields
 * (`GET /3.0/lists/{id}/merge-fields`), paged with `count`/`offset`. Paths: `<list id>`,
 * `<list id>/<TAG>`; a merge field's display name and id in `details`.
 * @module
 */
import type { InventoryItem } from '../../store/observe/contract.js'
import type { InventoryReader } from '../contract.js'
import type { InventoryHttp } from '../http.js'

async function all<T>(http: InventoryHttp, path: string, key: string): Promise<T[]> {
  const out: T[] = []
  for (let offset = 0; ; offset += 1000) {
    const page = await http.get<Record<string, unknown>>(path, { count: 1000, offset })
    const rows = (page[key] as T[] | undefined) ?? []
    out.push(...rows)
    if (rows.length < 1000 || out.length >= Number(page.total_items ?? 0)) return out
  }
}

export const mailchimpReader: InventoryReader = {
  service: 'mailchimp',
  http: (c) => {
    const key = String(c.apiKey)
    const origin = c.baseUrl
      ? String(c.baseUrl)
          .replace(/\/+$/, '')
          .replace(/\/3\.0$/, '')
      : `https://${key.split('-').pop()}.api.mailchimp.com`
    return { origin, headers: { authorization: `Basic ${Buffer.from(`pipewright:${key}`).toString('base64')}` } }
  },
  async read(http) {
    const items: InventoryItem[] = []
    for (const l of await all<{ id: string; name: string }>(http, '/3.0/lists', 'lists')) {
      items.push({ kind: 'list', path: l.id, parent: null, name: l.name, type: null, details: { id: l.id } })
      const fields = await all<{ merge_id: number; tag: string; name: string; type: string; required?: boolean }>(
        http,
        `/3.0/lists/${encodeURIComponent(l.id)}/merge-fields`,
        'merge_fields',
      )
      for (const f of fields)
        items.push({
          kind: 'merge_field',
          path: `${l.id}/${f.tag}`,
          parent: l.id,
          name: f.tag,
          type: f.type,
          details: { mergeId: f.merge_id, label: f.name, required: f.required ?? false },
        })
    }
    return items
  },
}
