/**
 * CRM contacts ↔ HubSpot contacts: names both ways, and HubSpot's subscription status
 * (`hs_email_optout`) from the CRM's consent, so an unsubscribe in Mailchimp reaches HubSpot too.
 * HubSpot's webhooks (contact.propertyChange, contact.creation …) nudge this sync.
 */
import { defineSync, env } from 'pipewright'

export default defineSync({
  id: 'crm-hubspot',
  sides: {
    a: { side: env('CRM_CONTACTS_SIDE', 'postgres:crm/contacts'), key: 'id', matchKeys: ['email'] },
    b: { side: 'hubspot:main/contacts', settleMs: 0 },
  },
  match: { a: 'email', b: 'email', normalize: 'email' },
  fields: [
    { a: 'email', b: 'email', owner: 'a' },
    { a: 'first_name', b: 'firstname', owner: 'latest' },
    { a: 'last_name', b: 'lastname', owner: 'latest' },
    {
      a: 'consent',
      b: 'hs_email_optout',
      direction: 'a-to-b',
      toB: (v: unknown) => (v === 'unsubscribed' || v === 'cleaned' ? 'true' : 'false'),
    },
  ],
  create: 'a-to-b',
  schedule: { every: '15m', repair: '24h' },
  webhooks: [
    {
      side: 'b',
      path: 'hubspot',
      normalize: 'hubspot',
      auth: {
        scheme: 'hubspot-v3',
        secret: env('HUBSPOT_APP_SECRET', 'change-me'),
        publicBaseUrl: env('PUBLIC_BASE_URL', 'https://hooks.example.com'),
      },
    },
  ],
})
