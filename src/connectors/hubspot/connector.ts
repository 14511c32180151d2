/**
 * The HubSpot connector: `companies.upsert`, `contacts.upsert`, `search`, record actions over
 * any CRM object batched into HubSpot's batch endpoints (`objects.create|update|upsert|archive|
 * read|list`, action-crm.ts) and associations (`associations.set|remove`), with HubSpot's limits
 * per account tier and the classification in classify.ts.
 *
 * @example
 * ```ts
 * { id: 'company', action: hubspot.companies.upsert({ matchOn: 'domain', properties: ({ lead }) => ({ domain: lead.domain }) }) }
 * ```
 * @module
 */
import { type ConnectorDefinition, defineConnector } from '../contract.js'
import { associationsRemove, associationsSet } from './action-associations.js'
import { companiesUpsert } from './action-companies.js'
import { contactsUpsert } from './action-contacts.js'
import { objectsArchive, objectsCreate, objectsList, objectsRead, objectsUpdate, objectsUpsert } from './action-crm.js'
import { search } from './action-search.js'
import {
  type HubspotConnection,
  type HubspotTier,
  hubspotConnectionSchema,
  hubspotFromEnv,
  hubspotLimits,
  hubspotTiers,
} from './connection.js'

/** A HubSpot connector whose declared limits match an account tier. */
export function createHubspotConnector(options: { tier?: HubspotTier } = {}): ConnectorDefinition<HubspotConnection> {
  return defineConnector<HubspotConnection>({
    id: 'hubspot',
    connection: hubspotConnectionSchema as never,
    fromEnv: hubspotFromEnv,
    limits: hubspotLimits(options.tier),
    plans: Object.fromEntries(Object.keys(hubspotTiers).map((t) => [t, hubspotLimits(t as HubspotTier)])),
    actions: {
      'companies.upsert': companiesUpsert,
      'contacts.upsert': contactsUpsert,
      'objects.create': objectsCreate,
      'objects.update': objectsUpdate,
      'objects.upsert': objectsUpsert,
      'objects.archive': objectsArchive,
      'objects.read': objectsRead,
      'objects.list': objectsList,
      'associations.set': associationsSet,
      'associations.remove': associationsRemove,
      search,
    },
  })
}

/** The HubSpot connector with Free/Starter limits (100 per 10 s, 250,000 a day, search 5/s). */
export const hubspotConnector = createHubspotConnector()
