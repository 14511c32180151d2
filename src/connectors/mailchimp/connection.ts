/**
 * Mailchimp connection settings: the API key carries the data centre (`…-us6`), which names
 * the host `https://us6.api.mailchimp.com`; requests go to `<baseUrl>/3.0/…` with basic auth
 * (`anystring:<key>`). Mailchimp allows 10 simultaneous connections per key.
 * @module
 */
import { z } from 'zod'
import type { ConnectorLimits } from '../contract.js'

export const mailchimpConnectionSchema = z.object({
  /** API key with its data-centre suffix, e.g. `0123…-us6`. */
  apiKey: z.string().regex(/-[a-z]+\d+$/, 'Mailchimp API keys end with their data centre, e.g. "-us6"'),
  /** Origin (without /3.0); derived from the key's data centre when absent. */
  baseUrl: z.string().url().optional(),
})
export type MailchimpConnection = z.infer<typeof mailchimpConnectionSchema>

export const mailchimpLimits: ConnectorLimits = { maxConcurrent: 10 }

/** `https://<dc>.api.mailchimp.com`, or the configured base URL. */
export function mailchimpOrigin(c: MailchimpConnection): string {
  if (c.baseUrl) return c.baseUrl.replace(/\/+$/, '').replace(/\/3\.0$/, '')
  return `https://${c.apiKey.split('-').pop()}.api.mailchimp.com`
}

/** Connection config from `MAILCHIMP_API_KEY` and `MAILCHIMP_BASE_URL`; null without a key. */
export function mailchimpFromEnv(env: Record<string, string | undefined>): Record<string, unknown> | null {
  if (!env.MAILCHIMP_API_KEY) return null
  return { apiKey: env.MAILCHIMP_API_KEY, ...(env.MAILCHIMP_BASE_URL ? { baseUrl: env.MAILCHIMP_BASE_URL } : {}) }
}
