/**
 * Recipe (d): multi-touch attribution. When a form is submitted, fetch the visitor's
 * touchpoints, credit them U-shaped (first 40 %, last 40 %, the middle 20 % shared), write the
 * credited channels to the HubSpot contact and one row per touch to the warehouse (Postgres).
 */
import { definePipeline, env, webhook } from 'pipewright'
import { http, hubspot, postgres } from 'pipewright/connectors'
import { normalize } from 'pipewright/transforms'

export interface Touch {
  channel: string
  at: string
}

/**
 * U-shaped credit: one touch gets 100 %; two get 50 % each; otherwise the first and the last get
 * 40 % each and the touches between share 20 %. Credits always add up to 1 (rounded to 4 places,
 * the remainder goes to the last touch).
 */
export function uShapedCredit(touches: Touch[]): Array<Touch & { credit: number }> {
  const n = touches.length
  if (n === 0) return []
  const raw = n === 1 ? [1] : n === 2 ? [0.5, 0.5] : touches.map((_, i) => (i === 0 || i === n - 1 ? 0.4 : 0.2 / (n - 2)))
  const rounded = raw.map((c) => Math.round(c * 10_000) / 10_000)
  const drift = Math.round((1 - rounded.reduce((a, b) => a + b, 0)) * 10_000) / 10_000
  rounded[n - 1] = Math.round((rounded[n - 1]! + drift) * 10_000) / 10_000
  return touches.map((t, i) => ({ ...t, credit: rounded[i]! }))
}

/** Credit per channel, channels with most credit first. */
export function byChannel(credited: Array<Touch & { credit: number }>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const t of credited) out[t.channel] = Math.round(((out[t.channel] ?? 0) + t.credit) * 10_000) / 10_000
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]))
}

export default definePipeline({
  id: 'attribution',
  description: 'Form submission → touchpoints → U-shaped credit → HubSpot contact → warehouse rows',
  trigger: webhook({ path: 'form-submitted', auth: { header: 'x-form-secret', secret: env('FORM_SECRET', 'change-me') } }),
  steps: [
    {
      id: 'visitor',
      map: ({ event }) => ({
        email: normalize.email(event.email),
        visitorId: String(event.visitor_id ?? ''),
        submittedAt: event.submitted_at,
      }),
    },
    { id: 'known', filter: ({ visitor }) => visitor.email !== null && visitor.visitorId !== '' },
    // env() is resolved when the pipeline loads, so it sits in a data position, not inside a function.
    {
      id: 'touchpoints',
      action: http.request({
        url: env('TOUCHPOINTS_URL', 'http://127.0.0.1:9/touchpoints'),
        method: 'GET',
        query: ({ visitor }) => ({ visitor: visitor.visitorId }),
      }),
    },
    {
      id: 'credit',
      map: ({ touchpoints }) => {
        const touches = ((touchpoints.body?.touchpoints ?? []) as Touch[]).slice().sort((a, b) => a.at.localeCompare(b.at))
        const credited = uShapedCredit(touches)
        return { touches: credited, channels: byChannel(credited) }
      },
    },
    {
      id: 'contact',
      action: hubspot.contacts.upsert({
        matchOn: 'email',
        properties: ({ visitor, credit }) => ({
          email: visitor.email,
          first_touch_channel: credit.touches[0]?.channel ?? '',
          last_touch_channel: credit.touches.at(-1)?.channel ?? '',
          top_channel: Object.keys(credit.channels)[0] ?? '',
        }),
      }),
    },
    { id: 'has-touches', filter: ({ credit }) => credit.touches.length > 0 },
    {
      id: 'warehouse',
      action: postgres.upsert({
        rows: ({ visitor, credit, contact }) =>
          credit.touches.map((t: Touch & { credit: number }, i: number) => ({
            email: visitor.email,
            touch_index: i,
            channel: t.channel,
            touched_at: t.at,
            credit: t.credit,
            contact_id: contact.id,
            converted_at: visitor.submittedAt ?? null,
          })),
      }),
    },
  ],
})
