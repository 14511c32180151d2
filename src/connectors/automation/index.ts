/**
 * Make, n8n and Zapier: connectors that call their webhooks, typed factories, emulators.
 *
 * @example
 * ```ts
 * import { make, n8n, zapier } from 'pipewright/connectors'
 * make.trigger({ body: ({ lead }) => lead })
 * ```
 * @module
 */
import { type ActionInvocation, invocation } from '../contract.js'
import type { TriggerInput } from './connector.js'

type Resolvable<T> = T | ((scope: any) => T)
type Params<T> = { [K in keyof T]: Resolvable<T[K]> }
const factory =
  (ref: string) =>
  (params: Params<TriggerInput>, connection?: string): ActionInvocation =>
    invocation(ref, params as Record<string, unknown>, connection)

export const make = { trigger: factory('make.trigger') }
export const n8n = { trigger: factory('n8n.trigger') }
export const zapier = { trigger: factory('zapier.trigger') }

export type { AutomationService, WebhookRule } from './classify.js'
export { classifyWebhook, DEFAULT_RULES, ruleSchema } from './classify.js'
export type { MakeConnection, N8nConnection, TriggerInput, TriggerOutput, ZapierConnection } from './connector.js'
export {
  makeConnectionSchema,
  makeConnector,
  n8nConnectionSchema,
  n8nConnector,
  zapierConnectionSchema,
  zapierConnector,
} from './connector.js'
export type { AutomationEmulatorOptions } from './emulator.js'
export { automationEmulator } from './emulator.js'
