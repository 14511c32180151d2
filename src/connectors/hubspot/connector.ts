/**
 * The HubSpot connector: `companies.upsert`, `contacts.upsert`, `search`, with HubSpot's
 * limits per account tier and the classification in classify.ts.
 *
 * @example
 * ```ts
 * { id: 'company', action: hubspot.companies.upsert({ matchOn: 'domain', properties: ({ lead }) => ({ domain: lead.domain }) }) }
 * ```
 * @module
 */
import { type ConnectorDefinition, defineConnector } from '../contract.js'
import { companiesUpsert } from './action-companies.js'
import { contactsUpsert } from './action-contacts.js'
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
      search,
    },
  })
}

/** The HubSpot connector with Free/Starter limits (100 per 10 s, 250,000 a day, search 5/s). */
export const hubspotConnector = createHubspotConnector()
