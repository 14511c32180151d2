/**
 * Demo pipeline: Clay enrichment rows → clean and score → drop rows without a valid email →
 * deliver every lead to the CRM intake, and hot leads (score > 80) to the sales alert hook.
 */
import { definePipeline, env, webhook } from 'pipewright'
import { http } from 'pipewright/connectors'
import { normalize } from 'pipewright/transforms'

export default definePipeline({
  id: 'clay-leads',
  description: 'Clay enrichment rows, cleaned and scored, delivered to the CRM intake; hot leads alerted',
  trigger: webhook({
    path: 'clay-leads',
    auth: { header: 'x-webhook-secret', secret: env('CLAY_CALLBACK_SECRET', 'demo-secret') },
    deliveryId: (payload) => payload?.row_id,
  }),
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
      id: 'crm',
      action: http.request({ url: env('DEMO_CRM_URL', 'http://127.0.0.1:4399/crm/leads'), method: 'POST', body: ({ lead }) => lead }),
      retry: { maxAttempts: 3, initialInterval: '200ms', maxInterval: '1s' },
    },
    {
      id: 'hot',
      route: [
        {
          when: ({ lead }) => lead.score > 80,
          steps: [{ id: 'alert', action: http.request({ url: env('DEMO_ALERT_URL', 'http://127.0.0.1:4399/alerts'), method: 'POST', body: ({ lead }) => ({ text: `Hot lead ${lead.email} (${lead.score})` }) }) }],
        },
      ],
    },
  ],
})
