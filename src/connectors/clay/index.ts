/**
 * Clay: the connector and its typed action factory.
 *
 * @example
 * ```ts
 * clay.sendRow({ row: ({ lead }) => ({ email: lead.email, domain: lead.domain }) })
 * ```
 * @module
 */
import { type ActionInvocation, invocation } from '../contract.js'
import type { SendRowInput } from './connector.js'

type Resolvable<T> = T | ((scope: any) => T)

export const clay = {
  sendRow: (params: { row: Resolvable<SendRowInput['row']> }, connection?: string): ActionInvocation =>
    invocation('clay.sendRow', params, connection),
}

export { classifyClay, isWebhookExhausted } from './classify.js'
export type { ClayConnection, SendRowInput, SendRowOutput } from './connector.js'
export { CLAY_SUBMISSION_LIMIT, clayConnectionSchema, clayConnector } from './connector.js'
export type { ClayEmulatorOptions } from './emulator.js'
export { clayEmulator } from './emulator.js'
