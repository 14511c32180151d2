/**
 * `pipewright/connectors`: typed step factories of the built-in connectors, and
 * `defineConnector` for your own.
 *
 * @example
 * ```ts
 * import { hubspot, slack } from 'pipewright/connectors'
 * { id: 'company', action: hubspot.companies.upsert({ matchOn: 'domain', properties: ({ lead }) => ({ domain: lead.domain }) }) }
 * { id: 'notify', action: slack.postMessage({ channel: '#high-intent', text: ({ lead }) => `Hot lead ${lead.email}` }) }
 * ```
 * @module
 */

export { airtable } from './airtable/index.js'
export { make, n8n, zapier } from './automation/index.js'
export type { ClayConnection, SendRowInput, SendRowOutput } from './clay/index.js'
export { clay } from './clay/index.js'
export type { ConsentGetInput, ConsentRecordInput } from './consent/index.js'
export { consent } from './consent/index.js'
export type {
  ActionCall,
  ActionContext,
  ActionDefinition,
  ActionExecutor,
  ActionInvocation,
  ConnectorDefinition,
  ConnectorLimits,
  RateLimitSpec,
} from './contract.js'
export { defineConnector, invocation, isActionInvocation } from './contract.js'
export { email } from './email/index.js'
export { ga4 } from './ga4/index.js'
export type { HttpAuth, HttpConnection, HttpConnectorOptions, HttpRequestInput, HttpRequestParams, HttpResponse } from './http/index.js'
export { createHttpConnector, http } from './http/index.js'
export type { CompanyUpsertInput, UpsertOutput } from './hubspot/action-companies.js'
export type { ContactUpsertInput, ContactUpsertOutput } from './hubspot/action-contacts.js'
export type { SearchInput, SearchOutput } from './hubspot/action-search.js'
export type { HubspotConnection, HubspotTier } from './hubspot/index.js'
export { hubspot } from './hubspot/index.js'
export { mailchimp } from './mailchimp/index.js'
export { notion } from './notion/index.js'
export { postgres } from './postgres/index.js'
export { BUILTIN_CONNECTOR_IDS, type BuiltinConnectorOptions, builtinConnectors } from './registry.js'
export type { Block, PostMessageInput, SlackConnection, WebhookInput } from './slack/index.js'
export { blocks, slack } from './slack/index.js'
