/**
 * Recipe (a), also what `pipewright demo` runs: Clay enrichment rows (posted by a Clay HTTP API column to
 * Pipewright's own webhook) → clean and score → drop rows without a valid e-mail → find or
 * create the company in HubSpot by domain → create or update the contact, associated with the
 * company → alert Slack when the score is over 80.
 *
 * `concurrencyKey` on the company step serialises leads of one domain, and the connector's
 * identity map remembers the id it created, so two leads of one company never create two
 * companies even while HubSpot's search index lags.
 */
import { definePipeline, env, webhook } from 'pipewright'
import { hubspot, slack } from 'pipewright/connectors'
import { normalize } from 'pipewright/transforms'

export default definePipeline({
  id: 'clay-hubspot-slack',
  description: 'Clay enrichment rows → HubSpot company + contact (by domain, associated) → Slack alert for hot leads',
  trigger: webhook({
    path: 'clay-enrichment',
    auth: { header: 'x-webhook-secret', secret: env('CLAY_CALLBACK_SECRET', 'change-me') },
    deliveryId: (payload) => payload?.row_id,
  }),
  retry: { maxAttempts: 3, initialInterval: '200ms', maxInterval: '1s' },
  steps: [
    {
      id: 'lead',
      map: ({ event }) => {
        const person = normalize.personName(event.row_data?.name)
        return {
          email: normalize.email(event.row_data?.email),
          domain: normalize.domain(event.row_data?.website ?? event.row_data?.email),
          company: normalize.companyDisplayName(event.row_data?.company),
          firstname: person?.first ?? null,
          lastname: person?.last ?? null,
          score: Math.round(Number(event.intent ?? 0) * 0.4 + Number(event.fit ?? 0) * 0.6),
          // Rows may carry their territory's alert channel; the default is #high-intent.
          channel: event.row_data?.alert_channel ?? '#high-intent',
        }
      },
    },
    { id: 'has-email', filter: ({ lead }) => lead.email !== null && lead.domain !== null },
    {
      id: 'company',
      concurrencyKey: ({ lead }) => lead.domain,
      action: hubspot.companies.upsert({
        matchOn: 'domain',
        properties: ({ lead }) => ({ domain: lead.domain, ...(lead.company ? { name: lead.company } : {}) }),
      }),
    },
    {
      id: 'contact',
      action: hubspot.contacts.upsert({
        properties: ({ lead }) => ({
          email: lead.email,
          ...(lead.firstname ? { firstname: lead.firstname } : {}),
          ...(lead.lastname ? { lastname: lead.lastname } : {}),
        }),
        associate: ({ company }) => company.id,
      }),
    },
    {
      id: 'hot',
      route: [
        {
          when: ({ lead }) => lead.score > 80,
          steps: [
            {
              id: 'notify',
              action: slack.postMessage({
                channel: ({ lead }) => lead.channel,
                text: ({ lead, company }) =>
                  `Hot lead: ${lead.email} at ${lead.company ?? lead.domain} (score ${lead.score}, HubSpot company ${company.id})`,
              }),
            },
          ],
        },
      ],
    },
  ],
})
