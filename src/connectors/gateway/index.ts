/**
 * The connector gateway: what the engine calls to run action steps.
 * @module
 */
export { createGateway, type CircuitRow, type Gateway, type GatewayOptions } from './gateway.js'
export type { CallStatus, GatewayEvent, GatewayEventType } from './events.js'
export type { RawConnections } from './connections.js'
export type { BudgetRow } from '../../resilience/budget.js'
