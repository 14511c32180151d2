/**
 * CRM companies ↔ HubSpot companies. Matched by domain, else by `company_id` ↔ HubSpot's
 * `external_id` (a unique-value custom property). The CRM owns billing and account fields.
 */
import { defineSync, env } from 'pipewright'

export default defineSync({
  id: 'crm-companies',
  sides: {
    a: { side: env('CRM_COMPANIES_SIDE', 'postgres:crm/companies'), key: 'company_id', matchKeys: ['domain'], deletedColumn: 'deleted_at' },
    b: { side: 'hubspot:main/companies', matchKeys: ['external_id'] },
  },
  match: { a: 'domain', b: 'domain', normalize: 'domain', fallback: { a: 'company_id', b: 'external_id' } },
  fields: [
    { a: 'company_id', b: 'external_id', direction: 'a-to-b', toB: (v: unknown) => String(v) },
    { a: 'domain', b: 'domain', owner: 'a' },
    { a: 'name', b: 'name', owner: 'latest' },
    { a: 'billing_plan', b: 'billing_plan', direction: 'a-to-b' },
    { a: 'account_owner', b: 'account_owner', direction: 'a-to-b' },
  ],
  create: 'both',
  deletes: 'archive',
  schedule: { every: '5m', repair: '24h' },
})
