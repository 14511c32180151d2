/**
 * HubSpot: the properties of contacts, companies and deals (`GET /crm/v3/properties/{object}`)
 * and the pipelines of deals and tickets with their stages (`GET /crm/v3/pipelines/{object}`).
 * Paths: `<object>`, `<object>/<property>`, `pipelines/<object>/<pipeline id>`, `…/<stage id>`.
 * @module
 */
import type { StoredCredentialAccess } from '../../connectors/contract.js'
import { HUBSPOT_DEFAULT_BASE_URL } from '../../connectors/hubspot/connection.js'
import { type HubspotOAuth, hubspotAccessToken } from '../../connectors/hubspot/oauth.js'
import type { InventoryItem } from '../../store/observe/contract.js'
import type { InventoryReader } from '../contract.js'

const OBJECTS = ['contacts', 'companies', 'deals'] as const
const PIPELINE_OBJECTS = ['deals', 'tickets'] as const

export const hubspotReader: InventoryReader = {
  service: 'hubspot',
  http: (c) => ({ origin: String(c.baseUrl ?? HUBSPOT_DEFAULT_BASE_URL), headers: { authorization: `Bearer ${String(c.token)}` } }),
  // A public app (`oauth`): an access token first, as the connector gets one.
  async authorize(c, o) {
    const oauth = c.oauth as HubspotOAuth | undefined
    if (!oauth || typeof c.token === 'string') return c
    const credential = c.storedCredential as StoredCredentialAccess | undefined
    const token = await hubspotAccessToken(oauth, {
      baseUrl: String(c.baseUrl ?? HUBSPOT_DEFAULT_BASE_URL),
      dispatcher: o.dispatcher,
      now: o.now,
      ...(credential ? { credential } : {}),
    })
    return { ...c, token }
  },
  async read(http) {
    const items: InventoryItem[] = []
    for (const object of OBJECTS) {
      items.push({ kind: 'object', path: object, parent: null, name: object, type: null, details: null })
      const { results = [] } = await http.get<{
        results: Array<{
          name: string
          label?: string
          type: string
          fieldType?: string
          groupName?: string
          options?: Array<{ value: string; label?: string }>
        }>
      }>(`/crm/v3/properties/${object}`)
      for (const p of results)
        items.push({
          kind: 'property',
          path: `${object}/${p.name}`,
          parent: object,
          name: p.name,
          type: p.type,
          details: {
            label: p.label ?? null,
            fieldType: p.fieldType ?? null,
            groupName: p.groupName ?? null,
            ...(p.options?.length ? { options: p.options.map((o) => o.value) } : {}),
          },
        })
    }
    for (const object of PIPELINE_OBJECTS) {
      const { results = [] } = await http.get<{
        results: Array<{ id: string; label: string; stages?: Array<{ id: string; label: string; displayOrder?: number }> }>
      }>(`/crm/v3/pipelines/${object}`)
      for (const p of results) {
        const path = `pipelines/${object}/${p.id}`
        items.push({ kind: 'pipeline', path, parent: null, name: p.label, type: object, details: { id: p.id } })
        for (const s of p.stages ?? [])
          items.push({
            kind: 'stage',
            path: `${path}/${s.id}`,
            parent: path,
            name: s.label,
            type: null,
            details: { id: s.id, displayOrder: s.displayOrder ?? null },
          })
      }
    }
    return items
  },
}
