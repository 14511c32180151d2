/**
 * GA4 Measurement Protocol: the connector and its typed action factory.
 *
 * @example
 * ```ts
 * import { ga4 } from 'pipewright/connectors'
 * ga4.events.send({ clientId: ({ lead }) => lead.clientId, events: [{ name: 'generate_lead', params: { value: 1 } }] })
 * ```
 * @module
 */
import { type ActionInvocation, invocation } from '../contract.js'
import type { EventsSendInput } from './connector.js'

type Resolvable<T> = T | ((scope: any) => T)
type Params<T> = { [K in keyof T]: Resolvable<T[K]> }

export const ga4 = {
  events: {
    send: (
      params: Params<Partial<EventsSendInput>> & Params<Pick<EventsSendInput, 'clientId' | 'events'>>,
      connection?: string,
    ): ActionInvocation => invocation('ga4.events.send', params as Record<string, unknown>, connection),
  },
}

export type { EventsSendInput, EventsSendOutput, Ga4Connection } from './connector.js'
export { GA4_MAX_EVENTS, ga4ConnectionSchema, ga4Connector } from './connector.js'
export type { Ga4EmulatorOptions } from './emulator.js'
export { ga4Emulator } from './emulator.js'
export type { ValidationMessage } from './rules.js'
export { checkStructure, checkValues, RESERVED_EVENT_NAMES, RESERVED_PREFIXES } from './rules.js'
