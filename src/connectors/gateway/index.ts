/**
 * The connector gateway: what the engine calls to run action steps.
 * @module
 */

export type { BudgetRow } from '../../resilience/budget.js'
export type { RawConnections } from './connections.js'
export type { CallStatus, GatewayEvent, GatewayEventType } from './events.js'
export { type CircuitRow, createGateway, type Gateway, type GatewayOptions } from './gateway.js'
