/**
 * SMTP e-mail: the connector, the SMTP emulator and the typed action factory.
 *
 * @example
 * ```ts
 * import { email } from 'pipewright/connectors'
 * email.send({ to: ({ lead }) => lead.ownerEmail, template: 'hot-lead', data: ({ lead }) => ({ company: lead.company }) })
 * ```
 * @module
 */
import { type ActionInvocation, invocation } from '../contract.js'
import type { EmailSendInput } from './connector.js'

type Resolvable<T> = T | ((scope: any) => T)
type Params<T> = { [K in keyof T]: Resolvable<T[K]> }

export const email = {
  send: (params: Params<Partial<EmailSendInput>> & { to: Resolvable<EmailSendInput['to']> }, connection?: string): ActionInvocation =>
    invocation('email.send', params as Record<string, unknown>, connection),
}

export type { EmailConnection, EmailConnectorOptions, EmailSendInput, EmailSendOutput } from './connector.js'
export { createEmailConnector, emailConnectionSchema, emailConnector, smtpFailure } from './connector.js'
export type { ReceivedMail, SmtpEmulator, SmtpEmulatorOptions } from './emulator.js'
export { smtpEmulator } from './emulator.js'
export { escapeHtml, render } from './template.js'
