/**
 * The built-in connectors. A function, not a module-level list: each hub gets fresh
 * instances, so one hub closing its keep-alive pools never affects another.
 *
 * @example
 * ```ts
 * const gateway = createGateway({ connectors: builtinConnectors(), connections, store, clock })
 * ```
 * @module
 */
import { airtableConnector } from './airtable/connector.js'
import { makeConnector, n8nConnector, zapierConnector } from './automation/connector.js'
import { clayConnector } from './clay/connector.js'
import { consentConnector } from './consent/connector.js'
import type { ConnectorDefinition } from './contract.js'
import { createEmailConnector } from './email/connector.js'
import { folderConnector } from './folder/connector.js'
import { ga4Connector } from './ga4/connector.js'
import { createHttpConnector } from './http/connector.js'
import type { HubspotTier } from './hubspot/connection.js'
import { createHubspotConnector } from './hubspot/connector.js'
import { mailchimpConnector } from './mailchimp/connector.js'
import { notionConnector } from './notion/connector.js'
import { createPostgresConnector } from './postgres/connector.js'
import { slackConnector } from './slack/connector.js'

/** Options of {@link builtinConnectors}. */
export interface BuiltinConnectorOptions {
  /** HubSpot account tier of the declared limits; `HUBSPOT_TIER` overrides them per connection. @defaultValue starter */
  hubspotTier?: HubspotTier
}

/** Fresh instances of every built-in connector, in a stable order. */
export function builtinConnectors(options: BuiltinConnectorOptions = {}): ConnectorDefinition<any>[] {
  return [
    createHttpConnector(),
    createHubspotConnector(options.hubspotTier ? { tier: options.hubspotTier } : {}),
    { ...slackConnector },
    { ...clayConnector },
    { ...airtableConnector },
    { ...notionConnector },
    { ...mailchimpConnector },
    createEmailConnector(),
    { ...ga4Connector },
    createPostgresConnector(),
    { ...makeConnector },
    { ...n8nConnector },
    { ...zapierConnector },
    { ...consentConnector },
    { ...folderConnector },
  ]
}

/** Ids of the built-in connectors, for `validate` and `doctor`. */
export const BUILTIN_CONNECTOR_IDS: readonly string[] = [
  'http',
  'hubspot',
  'slack',
  'clay',
  'airtable',
  'notion',
  'mailchimp',
  'email',
  'ga4',
  'postgres',
  'make',
  'n8n',
  'zapier',
  'consent',
  'folder',
]
