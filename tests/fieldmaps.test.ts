import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CONSENT_STATES } from '../src/consent/types.js'
import { FieldMapError, fieldMap, mapFields, toStandard } from '../src/fieldmaps/index.js'
import { checkFieldMaps } from '../src/fieldmaps/validate.js'
import { manual } from '../src/pipeline/define.js'
import { compile } from './helpers/engine.js'

const ada = {
  email: ' Ada@Example.COM ',
  firstName: 'Ada',
  lastName: 'Lovelace',
  company: 'Analytical',
  status: 'Qualified',
  createdAt: '2026-01-31',
}

describe('mapFields', () => {
  it('writes a standard contact with each platform’s names and formats', () => {
    expect(mapFields(ada, 'contact', 'hubspot')).toEqual({
      email: 'ada@example.com',
      firstname: 'Ada',
      lastname: 'Lovelace',
      company: 'Analytical',
      hs_lead_status: 'OPEN',
      createdate: '2026-01-31T00:00:00.000Z',
    })
    expect(mapFields(ada, 'contact', 'airtable')).toEqual({
      Email: 'ada@example.com',
      'First Name': 'Ada',
      'Last Name': 'Lovelace',
      Company: 'Analytical',
      Status: 'qualified',
      Created: '2026-01-31',
    })
    expect(mapFields(ada, 'contact', 'mailchimp')).toEqual({
      email_address: 'ada@example.com',
      merge_fields: { FNAME: 'Ada', LNAME: 'Lovelace', COMPANY: 'Analytical' },
      timestamp_signup: '2026-01-31T00:00:00.000Z',
    })
    expect(mapFields({ ...ada, consent: 'subscribed' }, 'contact', 'mailchimp').status).toBe('subscribed')
    expect(mapFields({ ...ada, consent: 'transactional-only' }, 'contact', 'mailchimp').status).toBe('transactional')
  })

  it('never derives a Mailchimp status from a lead status: only recorded consent sets it (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('lead', 'qualified', 'customer', 'unsubscribed', 'Lead', ' CUSTOMER '),
        fc.option(fc.constantFrom(...CONSENT_STATES), { nil: undefined }),
        (status, consent) => {
          const out = mapFields({ ...ada, status, ...(consent ? { consent } : {}) }, 'contact', 'mailchimp')
          if (consent === undefined) expect(out).not.toHaveProperty('status')
          else expect(out.status).toBe(consent === 'transactional-only' ? 'transactional' : consent)
        },
      ),
    )
  })

  it('coerces numbers and epoch dates for companies and skips empty values', () => {
    expect(mapFields({ name: 'Acme', employees: '1,200', createdAt: 1767225600000, domain: '' }, 'company', 'hubspot')).toEqual({
      name: 'Acme',
      numberofemployees: 1200,
      createdate: '2026-01-01T00:00:00.000Z',
    })
  })

  it('fails with an error naming the object, field, destination and value', () => {
    expect(() => mapFields({ ...ada, createdAt: 'last tuesday' }, 'contact', 'hubspot')).toThrow(
      new FieldMapError(
        'contact.createdAt → hubspot "createdate": "last tuesday" is not a date (use ISO 8601 like 2026-01-31 or epoch milliseconds)',
        'createdAt',
      ),
    )
    expect(() => mapFields({ ...ada, email: 'not-an-email' }, 'contact', 'airtable')).toThrow(
      'contact.email → airtable "Email": "not-an-email" is not an email address',
    )
    expect(() => mapFields({ firstName: 'Ada' }, 'contact', 'csv')).toThrow('contact.email is required for csv ("email") but is empty')
    expect(() => mapFields({ ...ada, status: 'vip' }, 'contact', 'hubspot')).toThrow(
      'contact.status → hubspot "hs_lead_status": "vip" is not one of lead, qualified, customer, unsubscribed',
    )
    expect(() => mapFields(ada, 'company', 'mailchimp')).toThrow('connector mailchimp has no company field map; it maps contact')
    expect(() => mapFields({ ...ada, shoe: 42 }, 'contact', 'csv', { strict: true })).toThrow(/contact.shoe has no csv field/)
  })

  it('reads a platform record back into the standard object', () => {
    const hs = mapFields(ada, 'contact', 'hubspot')
    expect(toStandard(hs, 'contact', 'hubspot')).toEqual({
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      company: 'Analytical',
      status: 'qualified',
      createdAt: '2026-01-31T00:00:00.000Z',
    })
    expect(toStandard({ email_address: 'a@b.co', merge_fields: { FNAME: 'A' } }, 'contact', 'mailchimp')).toEqual({
      email: 'a@b.co',
      firstName: 'A',
    })
    expect(toStandard({ email_address: 'a@b.co', status: 'transactional' }, 'contact', 'mailchimp')).toEqual({
      email: 'a@b.co',
      consent: 'transactional-only',
    })
    expect(toStandard({ email_address: 'a@b.co', status: 'archived' }, 'contact', 'mailchimp')).toEqual({ email: 'a@b.co' })
  })
})

describe('checkFieldMaps (validate)', () => {
  it('reports custom fields the connector does not declare and type mismatches, naming the step', () => {
    const p = compile({
      id: 'sync',
      trigger: manual(),
      steps: [
        { id: 'ok', map: fieldMap('contact', 'hubspot', ({ event }) => event, { fields: { phone: { name: 'phone', type: 'string' } } }) },
        {
          id: 'bad',
          map: fieldMap('contact', 'hubspot', ({ event }) => event, {
            fields: { score: { name: 'lead_score', type: 'number' }, title: { name: 'jobtitle', type: 'number' } },
          }),
        },
        {
          id: 'free',
          map: fieldMap('contact', 'airtable', ({ event }) => event, { fields: { score: { name: 'Score', type: 'number' } } }),
        },
        { id: 'nope', map: fieldMap('contact', 'salesforce', ({ event }) => event) },
      ],
    })
    const problems = checkFieldMaps([p])
    expect(problems.map((x) => [x.step, x.message.split(';')[0]])).toEqual([
      ['bad', 'hubspot declares no contact field "lead_score" (for score)'],
      ['bad', 'title is mapped as number but hubspot "jobtitle" is string'],
      ['nope', 'no field map for connector "salesforce"'],
    ])
  })

  it('maps inside a running pipeline step', async () => {
    const step = fieldMap('contact', 'csv', ({ event }) => event)
    expect(await step({ event: ada, run: { id: 'r', pipelineId: 'p', attempt: 1, createdAt: 0 } })).toMatchObject({
      email: 'ada@example.com',
      first_name: 'Ada',
    })
  })
})
