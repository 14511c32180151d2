/**
 * Slack: the connector, typed action factories and the Block Kit helper.
 *
 * @example
 * ```ts
 * slack.postMessage({ channel: '#high-intent', text: ({ lead }) => `Hot lead ${lead.email}` })
 * ```
 * @module
 */
import { type ActionInvocation, invocation } from '../contract.js'
import type { PostMessageInput, WebhookInput } from './connector.js'

type Resolvable<T> = T | ((scope: any) => T)
type Params<T> = { [K in keyof T]: Resolvable<T[K]> }

export const slack = {
  postMessage: (params: Params<PostMessageInput>, connection?: string): ActionInvocation =>
    invocation('slack.postMessage', params as Record<string, unknown>, connection),
  webhook: (params: Params<WebhookInput>, connection?: string): ActionInvocation =>
    invocation('slack.webhook', params as Record<string, unknown>, connection),
}

export type { Block } from './blocks.js'
export { blocks } from './blocks.js'
export { classifySlack } from './classify.js'
export type { PostMessageInput, SlackConnection, WebhookInput } from './connector.js'
export { slackConnectionSchema, slackConnector, webhookTarget } from './connector.js'
export type { SlackEmulatorOptions } from './emulator.js'
export { slackEmulator } from './emulator.js'
