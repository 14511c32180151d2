/**
 * CRM contacts (a Postgres table) → a Mailchimp audience, for list management: merge fields and
 * tags in step, the member status from the contact's consent — subscribed only with recorded
 * consent, never re-subscribed — and Mailchimp's own events (unsubscribe, cleaned, profile,
 * e-mail change) back into the CRM through the webhook.
 */
import { consentToStatus, defineSync, env, statusToConsent } from 'pipewright'

export default defineSync({
  id: 'crm-mailchimp',
  description: 'CRM contacts → Mailchimp audience; consent decides the status, opt-outs flow back',
  sides: {
    a: { side: env('CRM_CONTACTS_SIDE', 'postgres:crm/contacts'), key: 'id', matchKeys: ['email'] },
    b: env('MAILCHIMP_AUDIENCE_SIDE', 'mailchimp:main/list1'),
  },
  match: { a: 'email', b: 'email', normalize: 'email' },
  fields: [
    { a: 'email', b: 'email', owner: 'a' },
    { a: 'first_name', b: 'FNAME', owner: 'a' },
    { a: 'last_name', b: 'LNAME', owner: 'a' },
    // the status comes from consent only, never from a lead or lifecycle status
    { a: 'consent', b: 'status', owner: 'latest', toB: consentToStatus, toA: statusToConsent },
    // tags from the lifecycle stage: a customer or a prospect (Mailchimp's other tags are replaced)
    { a: 'lifecycle_stage', b: 'tags', direction: 'a-to-b', toB: (v: unknown) => [v === 'customer' ? 'customer' : 'prospect'] },
  ],
  create: 'a-to-b',
  deletes: 'ignore',
  schedule: { every: '15m', repair: '24h' },
  webhooks: [
    {
      side: 'b',
      path: 'mailchimp',
      normalize: 'mailchimp',
      auth: { scheme: 'url-secret', secret: env('MAILCHIMP_HOOK_SECRET', 'change-me') },
    },
  ],
})
