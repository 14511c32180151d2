/**
 * Recipe (e): CRM → Mailchimp audience sync that respects opt-outs. A HubSpot workflow posts
 * each changed contact's properties here. Opted-out contacts are unsubscribed in Mailchimp;
 * everyone else is added as subscribed *only if new* — a member who unsubscribed or was cleaned
 * in Mailchimp is never subscribed again (the connector keeps their consent).
 */
import { definePipeline, env, webhook } from 'pipewright'
import { mailchimp } from 'pipewright/connectors'
import { normalize } from 'pipewright/transforms'

const truthy = (v: unknown) => v === true || ['true', 'yes', '1'].includes(String(v).toLowerCase())

export default definePipeline({
  id: 'mailchimp-sync',
  description: 'HubSpot contact changes → Mailchimp audience, never re-subscribing opt-outs',
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
          optedOut: truthy(p.hs_email_optout) || p.hs_marketable_status === 'false',
          customer: p.lifecyclestage === 'customer',
        }
      },
    },
    { id: 'has-email', filter: ({ contact }) => contact.email !== null },
    {
      id: 'consent',
      route: [
        {
          when: ({ contact }) => contact.optedOut,
          steps: [
            {
              id: 'unsubscribe',
              action: mailchimp.members.upsert({
                listId: env('MAILCHIMP_LIST_ID', 'list1'),
                email: ({ contact }) => contact.email,
                statusIfNew: 'unsubscribed',
                status: 'unsubscribed',
              }),
            },
          ],
        },
      ],
      otherwise: [
        {
          id: 'upsert',
          action: mailchimp.members.upsert({
            listId: env('MAILCHIMP_LIST_ID', 'list1'),
            email: ({ contact }) => contact.email,
            statusIfNew: 'subscribed',
            mergeFields: ({ contact }) => ({ FNAME: contact.firstName, LNAME: contact.lastName, COMPANY: contact.company }),
            tags: ({ contact }) => (contact.customer ? ['customer'] : ['prospect']),
            removeTags: ({ contact }) => (contact.customer ? ['prospect'] : []),
          }),
        },
      ],
    },
  ],
})
