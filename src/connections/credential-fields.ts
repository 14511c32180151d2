/**
 * How a connection's `credential` reaches each built-in connector's settings, and which
 * environment variables make up each connector's default (zero-config) connection.
 * @module
 */
import { parseHubspotOAuth } from '../connectors/hubspot/oauth.js'

/** The connector setting a `credential` fills (a custom connector: `token`). */
export function applyCredential(service: string, secret: string): Record<string, unknown> {
  switch (service) {
    case 'hubspot': {
      // A public app's `{ clientId, clientSecret, refreshToken }` (JSON), else a private app token.
      const oauth = parseHubspotOAuth(secret)
      return oauth ? { oauth } : { token: secret }
    }
    case 'mailchimp':
    case 'make':
      return { apiKey: secret }
    case 'email':
    case 'postgres':
      return { url: secret }
    case 'ga4':
      return { apiSecret: secret }
    case 'n8n':
      return { auth: { type: 'header', name: 'Authorization', value: secret } }
    case 'zapier':
      return { webhookUrl: secret }
    case 'http':
      return { auth: { type: 'bearer', token: secret } }
    default:
      return { token: secret }
  }
}

/** The variable holding the secret of a connector's default connection (for listings). */
export const ENV_CREDENTIAL: Readonly<Record<string, string>> = {
  hubspot: 'HUBSPOT_TOKEN',
  airtable: 'AIRTABLE_TOKEN',
  notion: 'NOTION_TOKEN',
  slack: 'SLACK_BOT_TOKEN',
  mailchimp: 'MAILCHIMP_API_KEY',
  email: 'SMTP_URL',
  clay: 'CLAY_WEBHOOK_URL',
  ga4: 'GA4_API_SECRET',
  make: 'MAKE_WEBHOOK_URL',
  n8n: 'N8N_WEBHOOK_URL',
  zapier: 'ZAPIER_WEBHOOK_URL',
  postgres: 'POSTGRES_URL',
}
