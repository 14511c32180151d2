/**
 * Recipe (a): Clay enrichment → HubSpot company + contact → Slack when the score is over 80.
 * Clay posts each enriched row to this webhook (an HTTP API column). The lead is scored as
 * `intent * 0.4 + fit * 0.6`; rows without a valid e-mail end `filtered`.
 */
import { definePipeline, env, webhook } from 'pipewright'
import { hubspot, slack } from 'pipewright/connectors'
import { normalize } from 'pipewright/transforms'

export default definePipeline({
  id: 'clay-hubspot-slack',
  description: 'Clay enrichment → HubSpot company + contact → Slack for hot leads',
  trigger: webhook({
    path: 'clay-enrichment',
    auth: { header: 'x-webhook-secret', secret: env('CLAY_CALLBACK_SECRET', 'change-me') },
    deliveryId: (p) => p?.row_id,
  }),
  retry: { maxAttempts: 3, initialInterval: '200ms', maxInterval: '1s' },
  steps: [
    {
      id: 'lead',
      map: ({ event }) => ({
        email: normalize.email(event.row_data?.email),
        domain: normalize.domain(event.row_data?.website ?? event.row_data?.email),
        company: event.row_data?.company ?? null,
        score: Math.round(Number(event.intent ?? 0) * 0.4 + Number(event.fit ?? 0) * 0.6),
      }),
    },
    { id: 'has-email', filter: ({ lead }) => lead.email !== null },
    {
      id: 'company',
      concurrencyKey: ({ lead }) => lead.domain ?? lead.email,
      action: hubspot.companies.upsert({
        matchOn: 'domain',
        properties: ({ lead }) => ({ domain: lead.domain, name: lead.company ?? lead.domain }),
      }),
    },
    {
      id: 'contact',
      action: hubspot.contacts.upsert({
        matchOn: 'email',
        properties: ({ lead }) => ({ email: lead.email, hs_lead_score: String(lead.score) }),
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
              action: slack.postMessage({ channel: '#high-intent', text: ({ lead }) => `Hot lead ${lead.email} (${lead.score})` }),
            },
          ],
        },
      ],
    },
  ],
})
