/**
 * Mailchimp: the connector and its typed action factory.
 *
 * @example
 * ```ts
 * import { mailchimp } from 'pipewright/connectors'
 * mailchimp.members.upsert({ listId: 'a1b2c3', email: ({ lead }) => lead.email, statusIfNew: 'pending', tags: ['webinar'] })
 * ```
 * @module
 */
import { type ActionInvocation, invocation } from '../contract.js'
import type { MemberUpsertInput } from './connector.js'

type Resolvable<T> = T | ((scope: any) => T)
type Params<T> = { [K in keyof T]: Resolvable<T[K]> }

export const mailchimp = {
  members: {
    upsert: (
      params: Params<Partial<MemberUpsertInput>> & Params<Pick<MemberUpsertInput, 'listId' | 'email' | 'statusIfNew'>>,
      connection?: string,
    ): ActionInvocation => invocation('mailchimp.members.upsert', params as Record<string, unknown>, connection),
  },
}

export { classifyMailchimp, MAILCHIMP_DEFAULT_WAIT_MS, problemCode } from './classify.js'
export type { MailchimpConnection } from './connection.js'
export { mailchimpConnectionSchema, mailchimpFromEnv, mailchimpLimits, mailchimpOrigin } from './connection.js'
export type { MemberUpsertInput, MemberUpsertOutput } from './connector.js'
export { mailchimpConnector, subscriberHash } from './connector.js'
export type { MailchimpEmulatorOptions } from './emulator.js'
export { mailchimpEmulator } from './emulator.js'
