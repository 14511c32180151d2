/**
 * CRM customers ↔ HubSpot contacts, with the ownership rules of the seed:
 * - HubSpot owns the marketing fields (lifecycle stage, lead status): they flow into the CRM only;
 * - the CRM owns billing and account fields (plan, account status): they flow into HubSpot only;
 * - names and phone: the later edit wins (conflicts logged with both values);
 * - `customer_id` is written to HubSpot's `external_id`, the fallback match key when an e-mail
 *   differs; the contact's company association follows the CRM's `company_id`.
 * HubSpot's property-change webhooks (`/hooks/hubspot-contacts`) have the sync read at once.
 */
import { defineSync, env } from 'pipewright'

export default defineSync({
  id: 'crm-customers',
  sides: {
    a: { side: env('CRM_CUSTOMERS_SIDE', 'postgres:crm/customers'), key: 'customer_id', matchKeys: ['email'], deletedColumn: 'deleted_at' },
    b: { side: 'hubspot:main/contacts', matchKeys: ['email', 'external_id'] },
  },
  match: { a: 'email', b: 'email', normalize: 'email', fallback: { a: 'customer_id', b: 'external_id' } },
  fields: [
    { a: 'customer_id', b: 'external_id', direction: 'a-to-b', toB: (v: unknown) => String(v) },
    { a: 'email', b: 'email', owner: 'a' },
    { a: 'first_name', b: 'firstname', owner: 'latest' },
    { a: 'last_name', b: 'lastname', owner: 'latest' },
    { a: 'phone', b: 'phone', owner: 'latest' },
    { a: 'lifecycle_stage', b: 'lifecyclestage', direction: 'b-to-a' },
    { a: 'lead_status', b: 'hs_lead_status', direction: 'b-to-a' },
    { a: 'billing_plan', b: 'billing_plan', direction: 'a-to-b' },
    { a: 'account_status', b: 'account_status', direction: 'a-to-b' },
  ],
  relations: [{ field: 'company_id', sync: 'crm-companies', relation: 'companies' }],
  create: 'both',
  deletes: 'archive',
  schedule: { every: '5m', repair: '24h' },
  webhooks: [
    {
      side: 'b',
      path: 'hubspot-contacts',
      split: 'hubspot',
      ids: 'objectId',
      auth: {
        scheme: 'hubspot-v3',
        secret: env('HUBSPOT_APP_SECRET', 'change-me'),
        publicBaseUrl: env('PUBLIC_BASE_URL', 'https://hooks.example.com'),
      },
    },
  ],
})
