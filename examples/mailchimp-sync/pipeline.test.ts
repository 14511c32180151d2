import { createTestHub, runPipeline, type TestHub } from 'pipewright/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pipeline from './pipeline.js'

let t: TestHub
const member = (email: string) => (t.sandbox!.emulators.mailchimp as any).member('list1', email)
const change = (properties: Record<string, unknown>) => ({ properties })

beforeAll(async () => {
  t = await createTestHub({ pipelines: [pipeline], sandbox: ['mailchimp'], sandboxOptions: { mailchimp: { lists: ['list1'] } } })
})
afterAll(() => t.close())

describe('recipe: CRM → Mailchimp sync respecting consent', () => {
  it('subscribes a new contact who opted in, with merge fields and tags, and records the consent', async () => {
    const { run } = await runPipeline(
      t,
      'mailchimp-sync',
      change({
        email: 'Ada@Acme.com',
        firstname: 'Ada',
        lastname: 'Lovelace',
        company: 'Acme',
        lifecyclestage: 'customer',
        marketing_consent: 'true',
        marketing_consent_date: '2026-03-01T10:00:00Z',
      }),
    )
    expect(run.status).toBe('succeeded')
    expect(member('ada@acme.com')).toMatchObject({
      status: 'subscribed',
      merge_fields: { FNAME: 'Ada', LNAME: 'Lovelace', COMPANY: 'Acme' },
      tags: ['customer'],
    })
    expect(await t.hub.store.getConsent('ada@acme.com')).toMatchObject({
      state: 'subscribed',
      source: 'crm:marketing_consent',
      at: Date.parse('2026-03-01T10:00:00Z'),
    })
  })

  it('keeps a customer without consent as transactional: a lifecycle stage is not an opt-in', async () => {
    const { run } = await runPipeline(t, 'mailchimp-sync', change({ email: 'dee@acme.com', firstname: 'Dee', lifecyclestage: 'customer' }))
    expect(run.status).toBe('succeeded')
    expect(member('dee@acme.com')).toMatchObject({ status: 'transactional', merge_fields: { FNAME: 'Dee' } })
  })

  it('unsubscribes a contact who opted out in the CRM', async () => {
    await runPipeline(t, 'mailchimp-sync', change({ email: 'bo@acme.com', firstname: 'Bo', marketing_consent: true }))
    expect(member('bo@acme.com')?.status).toBe('subscribed')
    const { run, steps } = await runPipeline(t, 'mailchimp-sync', change({ email: 'bo@acme.com', hs_email_optout: 'true' }))
    expect(run.status).toBe('succeeded')
    expect(steps.recorded).toEqual({ branch: 0 })
    expect(member('bo@acme.com')?.status).toBe('unsubscribed')
    expect((await t.hub.store.getConsent('bo@acme.com'))?.state).toBe('unsubscribed')
  })

  it('never re-subscribes someone who unsubscribed in Mailchimp, even with consent in the CRM', async () => {
    ;(t.sandbox!.emulators.mailchimp as any).seedMember('list1', 'cy@acme.com', 'unsubscribed')
    const { run, steps } = await runPipeline(
      t,
      'mailchimp-sync',
      change({ email: 'cy@acme.com', firstname: 'Cy', marketing_consent: 'yes' }),
    )
    expect(run.status).toBe('succeeded')
    expect(steps.upsert).toMatchObject({ status: 'unsubscribed' })
    expect(member('cy@acme.com')?.status).toBe('unsubscribed')
  })

  it('skips contacts without a valid e-mail', async () => {
    expect((await runPipeline(t, 'mailchimp-sync', change({ email: 'n/a' }))).run.status).toBe('filtered')
  })
})
