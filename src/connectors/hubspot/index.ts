/**
 * HubSpot: the connector and typed action factories for pipelines.
 *
 * @example
 * ```ts
 * import { hubspot } from 'pipewright/connectors'
 * hubspot.contacts.upsert({ properties: ({ lead }) => ({ email: lead.email }), associate: ({ company }) => company.id })
 * ```
 * @module
 */
import { type ActionInvocation, invocation } from '../contract.js'
import type { CompanyUpsertInput } from './action-companies.js'
import type { ContactUpsertInput } from './action-contacts.js'
import type { SearchInput } from './action-search.js'

/** A parameter given as a value or as a function of the run's scope (earlier step outputs). */
export type Resolvable<T> = T | ((scope: any) => T)
type Params<T> = { [K in keyof T]: Resolvable<T[K]> }

export const hubspot = {
  companies: {
    upsert: (
      params: Params<Partial<CompanyUpsertInput>> & { properties: Resolvable<CompanyUpsertInput['properties']> },
      connection?: string,
    ): ActionInvocation => invocation('hubspot.companies.upsert', params as Record<string, unknown>, connection),
  },
  contacts: {
    upsert: (
      params: Params<Partial<ContactUpsertInput>> & { properties: Resolvable<ContactUpsertInput['properties']> },
      connection?: string,
    ): ActionInvocation => invocation('hubspot.contacts.upsert', params as Record<string, unknown>, connection),
  },
  search: (
    params: Params<Partial<SearchInput>> & { objectType: Resolvable<SearchInput['objectType']> },
    connection?: string,
  ): ActionInvocation => invocation('hubspot.search', params as Record<string, unknown>, connection),
}

export { classifyHubspot, hubspotWaitMs } from './classify.js'
export type { HubspotConnection, HubspotTier } from './connection.js'
export { hubspotConnectionSchema, hubspotFromEnv, hubspotLimits, hubspotTiers } from './connection.js'
export { createHubspotConnector, hubspotConnector } from './connector.js'
export type { HubspotEmulatorOptions } from './emulator.js'
export { hubspotEmulator } from './emulator.js'
