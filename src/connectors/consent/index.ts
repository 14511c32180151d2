/**
 * Consent: record and read a contact's consent from a pipeline step (docs/consent.md).
 *
 * @example
 * ```ts
 * import { consent } from 'pipewright/connectors'
 * { id: 'opt-in', action: consent.record({ email: ({ event }) => event.email, state: 'subscribed', source: 'webform:signup', at: ({ event }) => event.submittedAt }) }
 * ```
 * @module
 */
import { type ActionInvocation, invocation } from '../contract.js'
import type { ConsentGetInput, ConsentRecordInput } from './connector.js'

type Resolvable<T> = T | ((scope: any) => T)
type Params<T> = { [K in keyof T]: Resolvable<T[K]> }

export const consent = {
  record: (params: Params<ConsentRecordInput>): ActionInvocation => invocation('consent.record', params as Record<string, unknown>),
  get: (params: Params<ConsentGetInput>): ActionInvocation => invocation('consent.get', params as Record<string, unknown>),
}

export type { ConsentGetInput, ConsentRecordInput } from './connector.js'
export { consentConnector } from './connector.js'
