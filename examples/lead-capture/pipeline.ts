/**
 * Recipe (b): lead capture in two pipelines.
 * - `lead-capture`: a form posts to `/hooks/form`; the lead is cleaned and sent to a Clay table.
 * - `lead-enriched`: Clay's HTTP API column calls back `/hooks/clay-callback` with the enriched
 *   row; the lead is stored in Airtable, announced in Slack and welcomed by e-mail.
 */
import { definePipeline, env, webhook } from 'pipewright'
import { airtable, clay, email, slack } from 'pipewright/connectors'
import { normalize } from 'pipewright/transforms'

export const capture = definePipeline({
  id: 'lead-capture',
  description: 'Form webhook → Clay table (enrichment)',
  trigger: webhook({ path: 'form', auth: { header: 'x-form-secret', secret: env('FORM_SECRET', 'change-me') } }),
  steps: [
    {
      id: 'lead',
      map: ({ event }) => ({
        email: normalize.email(event.email),
        name: String(event.name ?? '').trim(),
        domain: normalize.domain(event.email),
      }),
    },
    { id: 'valid', filter: ({ lead }) => lead.email !== null },
    { id: 'enrich', action: clay.sendRow({ row: ({ lead }) => ({ email: lead.email, name: lead.name, domain: lead.domain }) }) },
  ],
})

export const enriched = definePipeline({
  id: 'lead-enriched',
  description: 'Clay callback → Airtable → Slack + welcome e-mail',
  trigger: webhook({ path: 'clay-callback', auth: { header: 'x-webhook-secret', secret: env('CLAY_CALLBACK_SECRET', 'change-me') } }),
  steps: [
    {
      id: 'lead',
      map: ({ event }) => ({
        email: normalize.email(event.email),
        name: event.name ?? '',
        company: event.company ?? null,
        title: event.title ?? null,
        employees: Number(event.employees ?? 0),
      }),
    },
    {
      id: 'record',
      action: airtable.records.create({
        base: env('AIRTABLE_BASE', 'appLeads'),
        table: 'Leads',
        fields: ({ lead }) => ({ Email: lead.email, Name: lead.name, Company: lead.company, Title: lead.title, Employees: lead.employees }),
      }),
    },
    {
      id: 'announce',
      action: slack.postMessage({
        channel: '#new-leads',
        text: ({ lead }) => `New lead: ${lead.name} <${lead.email}>${lead.company ? ` at ${lead.company}` : ''}`,
      }),
    },
    {
      id: 'welcome',
      action: email.send({
        to: ({ lead }) => lead.email,
        from: 'Acme <hello@acme.test>',
        subject: 'Welcome to Acme',
        text: ({ lead }) => `Hi ${lead.name.split(' ')[0] || 'there'},\n\nThanks for your interest in Acme. We'll be in touch shortly.`,
      }),
    },
  ],
})
