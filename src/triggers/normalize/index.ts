/**
 * Provider webhooks turned into normalised events (trigger option `normalize`): the pure
 * functions, for the ingress and for anything else that receives these webhooks (syncs).
 * @module
 */
export { type HubspotChange, type HubspotEvent, normalizeHubspotWebhook } from './hubspot.js'
export {
  MAILCHIMP_EVENT_TYPES,
  type MailchimpEvent,
  type MailchimpEventType,
  type NormalizeResult,
  normalizeMailchimpWebhook,
  parseFiredAt,
} from './mailchimp.js'

/** The providers `normalize` knows. */
export const NORMALIZERS = ['mailchimp', 'hubspot'] as const
export type NormalizeProvider = (typeof NORMALIZERS)[number]
