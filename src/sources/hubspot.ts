/**
 * The HubSpot record source: one CRM object (`contacts`, `companies`, `deals`) read by CRM search
 * on its modification date (`lastmodifieddate` for contacts, `hs_lastmodifieddate` otherwise),
 * sorted ascending. Every page is a fresh search from the cursor — never `after` paging — so
 * HubSpot's 10,000-result ceiling on one search never binds: the filter moves instead.
 *
 * Cursor rules (HubSpot promises no order among records with one timestamp, and indexes new
 * records with a lag):
 * - the next search asks for `modified > t` OR (`modified = t` AND `hs_object_id > id`);
 * - pages of 200 (HubSpot's largest);
 * - on a full page, records sharing the page's last timestamp are left for the next page, unless
 *   the whole page shares it — then that timestamp is read by `hs_object_id` order on its own;
 * - on the last page the cursor stays `settleMs` behind the clock, so a record the search index
 *   has not shown yet is still found next time (records in that window repeat: at-least-once).
 *
 * `scan` lists every record (`GET /crm/v3/objects/<type>`), `get` uses batch read. All calls go
 * through the gateway (`hubspot.search` has its own 5-a-second bucket).
 * @module
 */
import type { CrmObject } from '../connectors/hubspot/action-crm.js'
import type { SearchOutput } from '../connectors/hubspot/action-search.js'
import type { RecordSource, SourceContext, SourceCursor, SourceRecord } from './contract.js'

export type HubspotObject = 'contacts' | 'companies' | 'deals'

export interface HubspotSourceOptions {
  /** Named connection of the `hubspot` connector. @defaultValue 'default' */
  connection?: string
  object: HubspotObject
  /** Properties to read (HubSpot returns only a few defaults otherwise). */
  properties: readonly string[]
  /** The modification-date property. @defaultValue lastmodifieddate (contacts), hs_lastmodifieddate */
  modifiedProperty?: string
  /** How far behind the clock the cursor stays at the end of the changes. @defaultValue 5000 */
  settleMs?: number
}

export const hubspotModifiedProperty = (object: HubspotObject) => (object === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate')

export function createHubspotSource(o: HubspotSourceOptions, ctx: SourceContext): RecordSource {
  const connection = o.connection ?? 'default'
  const mod = o.modifiedProperty ?? hubspotModifiedProperty(o.object)
  const properties = [...new Set([...o.properties, mod])]
  const settleMs = o.settleMs ?? 5000
  const conn = connection === 'default' ? {} : { connection }
  const call = (action: string, input: Record<string, unknown>, signal?: AbortSignal) =>
    ctx.invoke(`hubspot.${action}`, { ...input }, { ...conn, ...(signal ? { signal } : {}) })

  const toRecord = (r: CrmObject): SourceRecord => {
    const p = r.properties ?? {}
    const stamp = p[mod] ?? p.hs_lastmodifieddate ?? p.lastmodifieddate ?? r.updatedAt ?? null
    const fields: Record<string, unknown> = {}
    for (const name of properties) fields[name] = p[name] ?? null
    return { id: String(r.id), modifiedAt: stamp ? Date.parse(stamp) : 0, fields }
  }
  const order = (x: SourceRecord, y: SourceRecord) => x.modifiedAt - y.modifiedAt || Number(x.id) - Number(y.id)
  const after = (r: SourceRecord, c: SourceCursor | null) =>
    !c || r.modifiedAt > c.modifiedAt || (r.modifiedAt === c.modifiedAt && Number(r.id) > Number(c.id))

  async function search(body: Record<string, unknown>, signal?: AbortSignal): Promise<SearchOutput> {
    return (await call('search', { objectType: o.object, properties, ...body }, signal)) as SearchOutput
  }

  return {
    ref: `hubspot:${connection}/${o.object}`,
    async readChanges(cursor, options) {
      // HubSpot's largest page: a batch upsert stamps its 100 records with one time, and a page
      // cut inside such a group keeps only the groups before it, so a page of 100 would hold one
      // group and need a second search by id for it (two searches per 100 records at 5 a second)
      const limit = Math.min(options?.limit ?? 200, 200)
      const filterGroups = cursor
        ? [
            { filters: [{ propertyName: mod, operator: 'GT', value: String(cursor.modifiedAt) }] },
            {
              filters: [
                { propertyName: mod, operator: 'EQ', value: String(cursor.modifiedAt) },
                { propertyName: 'hs_object_id', operator: 'GT', value: cursor.id },
              ],
            },
          ]
        : []
      const out = await search({ filterGroups, sorts: [{ propertyName: mod, direction: 'ASCENDING' }], limit }, options?.signal)
      let records = out.results
        .map(toRecord)
        .filter((r) => after(r, cursor))
        .sort(order)
      const full = out.results.length >= limit || out.after !== null
      if (full && records.length > 0) {
        const t = records[records.length - 1]!.modifiedAt
        if (records[0]!.modifiedAt === t) {
          // a whole page of one timestamp: read that timestamp alone, in id order
          const from = cursor && cursor.modifiedAt === t ? cursor.id : '0'
          const same = await search(
            {
              filters: [
                { propertyName: mod, operator: 'EQ', value: String(t) },
                { propertyName: 'hs_object_id', operator: 'GT', value: from },
              ],
              sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
              limit,
            },
            options?.signal,
          )
          records = same.results.map(toRecord).sort(order)
          const last = records[records.length - 1]
          return { records, cursor: last ? { modifiedAt: t, id: last.id } : { modifiedAt: t, id: from }, more: true }
        }
        records = records.filter((r) => r.modifiedAt < t)
        const last = records[records.length - 1]!
        return { records, cursor: { modifiedAt: last.modifiedAt, id: last.id }, more: true }
      }
      const last = records[records.length - 1]
      let next: SourceCursor | null = last ? { modifiedAt: last.modifiedAt, id: last.id } : cursor
      const hold = ctx.clock.now() - settleMs
      if (next && next.modifiedAt > hold) {
        // stay behind the search index's lag; never move back past where we started
        const capped = { modifiedAt: hold, id: '0' }
        next = cursor && !after({ id: capped.id, modifiedAt: capped.modifiedAt, fields: {} }, cursor) ? cursor : capped
      }
      return { records, cursor: next, more: false }
    },
    async *scan(options) {
      let token: string | null = null
      do {
        const page = (await call(
          'objects.list',
          { objectType: o.object, properties, limit: Math.min(options?.limit ?? 100, 100), ...(token ? { after: token } : {}) },
          options?.signal,
        )) as { results: CrmObject[]; after: string | null }
        if (page.results.length) yield page.results.map(toRecord)
        token = page.after
      } while (token)
    },
    async get(ids, options) {
      const out: SourceRecord[] = []
      for (let i = 0; i < ids.length; i += 100) {
        const found = (await call(
          'objects.read',
          { objectType: o.object, ids: ids.slice(i, i + 100), properties },
          options?.signal,
        )) as CrmObject[]
        out.push(...found.map(toRecord))
      }
      return out
    },
  }
}
