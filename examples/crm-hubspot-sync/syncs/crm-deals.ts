/**
 * CRM deals → HubSpot deals (created from the CRM only), matched by `deal_id` ↔ `external_id`.
 * HubSpot owns the deal stage (the sales team moves deals there); the CRM owns the amount.
 * Associations to the contact and the company follow the CRM's `customer_id` and `company_id`.
 */
import { defineSync, env } from 'pipewright'

export default defineSync({
  id: 'crm-deals',
  sides: {
    a: { side: env('CRM_DEALS_SIDE', 'postgres:crm/deals'), key: 'deal_id', deletedColumn: 'deleted_at' },
    b: { side: 'hubspot:main/deals', matchKeys: ['external_id'] },
  },
  match: { a: 'deal_id', b: 'external_id' },
  fields: [
    { a: 'deal_id', b: 'external_id', direction: 'a-to-b', toB: (v: unknown) => String(v) },
    { a: 'name', b: 'dealname', owner: 'latest' },
    { a: 'amount', b: 'amount', owner: 'a' },
    { a: 'stage', b: 'dealstage', owner: 'b' },
  ],
  relations: [
    { field: 'customer_id', sync: 'crm-customers', relation: 'contacts' },
    { field: 'company_id', sync: 'crm-companies', relation: 'companies' },
  ],
  create: 'a-to-b',
  deletes: 'archive',
  schedule: { every: '5m', repair: '24h' },
})
