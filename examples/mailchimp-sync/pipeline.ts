/**
 * Recipe (e): CRM → Mailchimp audience sync that respects consent. A HubSpot workflow (or any
 * CRM) posts each changed contact's properties here.
 *
 * Who gets which status is decided by consent, never by a lead or lifecycle status:
 * - an explicit opt-in in the CRM (`marketing_consent: true`, with its date) is recorded as
 *   consent and the member is subscribed if new;
 * - an opt-out (`hs_email_optout`) is recorded and the member is unsubscribed (created
 *   unsubscribed if unknown, so a later import cannot subscribe them);
 * - anyone else is kept in the audience as `transactional` (merge fields and tags stay in step,
 *   no marketing) unless consent was recorded earlier (e.g. by a sign-up form).
 * A member who unsubscribed or was cleaned in Mailchimp is never subscribed again.
 */
import { definePipeline, env, webhook } from 'pipewright'
import { consent, mailchimp } from 'pipewright/connectors'
import { normalize } from 'pipewright/transforms'

const truthy = (v: unknown) => v === true || ['true', 'yes', '1'].includes(String(v).toLowerCase())
const LIST = env('MAILCHIMP_LIST_ID', 'list1')

export default definePipeline({
  id: 'mailchimp-sync',
  description: 'CRM contact changes → Mailchimp audience; subscribes only with recorded consent',
  trigger: webhook({ path: 'crm-contact', auth: { header: 'x-webhook-secret', secret: env('CRM_WEBHOOK_SECRET', 'change-me') } }),
  // Changes to one contact never race each other.
  concurrencyKey: ({ event }) => String(event.properties?.email ?? '').toLowerCase(),
  steps: [
    {
      id: 'contact',
      map: ({ event }) => {
        const p = event.properties ?? {}
        return {
          email: normalize.email(p.email),
          firstName: p.firstname ?? '',
          lastName: p.lastname ?? '',
          company: p.company ?? '',
          optedOut: truthy(p.hs_email_optout),
          optedIn: truthy(p.marketing_consent),
          consentAt: p.marketing_consent_date ?? p.lastmodifieddate ?? null,
          customer: p.lifecyclestage === 'customer',
        }
      },
    },
    { id: 'has-email', filter: ({ contact }) => contact.email !== null },
    {
      id: 'recorded',
      route: [
        {
          when: ({ contact }) => contact.optedOut,
          steps: [
            {
              id: 'record-opt-out',
              action: consent.record({
                email: ({ contact }) => contact.email,
                state: 'unsubscribed',
                source: 'crm:hs_email_optout',
                at: ({ contact }) => contact.consentAt ?? undefined,
              }),
            },
          ],
        },
        {
          when: ({ contact }) => contact.optedIn,
          steps: [
            {
              id: 'record-opt-in',
              action: consent.record({
                email: ({ contact }) => contact.email,
                state: 'subscribed',
                source: 'crm:marketing_consent',
                at: ({ contact }) => contact.consentAt ?? undefined,
              }),
            },
          ],
        },
      ],
      otherwise: [{ id: 'lookup', action: consent.get({ email: ({ contact }) => contact.email }) }],
    },
    {
      id: 'status',
      map: (scope) => {
        const state = scope.contact.optedOut ? 'unsubscribed' : scope.contact.optedIn ? 'subscribed' : scope.lookup?.state
        if (state === 'unsubscribed' || state === 'cleaned') return { statusIfNew: 'unsubscribed', status: 'unsubscribed' }
        if (state === 'subscribed') return { statusIfNew: 'subscribed' }
        if (state === 'pending') return { statusIfNew: 'pending' }
        return { statusIfNew: 'transactional' }
      },
    },
    {
      id: 'upsert',
      action: mailchimp.members.upsert({
        listId: LIST,
        email: ({ contact }) => contact.email,
        statusIfNew: ({ status }) => status.statusIfNew,
        status: ({ status }) => status.status,
        mergeFields: ({ contact }) => ({ FNAME: contact.firstName, LNAME: contact.lastName, COMPANY: contact.company }),
        tags: ({ contact }) => (contact.customer ? ['customer'] : ['prospect']),
        removeTags: ({ contact }) => (contact.customer ? ['prospect'] : []),
      }),
    },
  ],
})
