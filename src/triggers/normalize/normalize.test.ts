import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { nestFormPairs } from '../body/form-nested.js'
import { normalizeHubspotWebhook } from './hubspot.js'
import { normalizeMailchimpWebhook } from './mailchimp.js'

const form = (pairs: Record<string, string>) => {
  const r = nestFormPairs(Object.entries(pairs))
  if ('ok' in r) throw new Error(r.message)
  return r.value
}
const FIRED = '2026-03-26 21:35:57'
const AT = Date.parse('2026-03-26T21:35:57Z')

describe('normalizeMailchimpWebhook', () => {
  it('a subscribe carries consent subscribed with its time, list and evidence', () => {
    const r = normalizeMailchimpWebhook(
      form({
        type: 'subscribe',
        fired_at: FIRED,
        'data[id]': '8a25ff1d98',
        'data[list_id]': 'a6b5da1054',
        'data[email]': 'Api@MailChimp.com',
        'data[email_type]': 'html',
        'data[merges][FNAME]': 'Mailchimp',
        'data[merges][LNAME]': 'API',
        'data[ip_opt]': '10.20.10.30',
      }),
    )
    expect(r).toMatchObject({
      ok: true,
      event: {
        provider: 'mailchimp',
        type: 'subscribe',
        firedAt: AT,
        object: 'members',
        recordId: createHash('md5').update('api@mailchimp.com').digest('hex'),
        change: 'created',
        listId: 'a6b5da1054',
        email: 'api@mailchimp.com',
        mergeFields: { FNAME: 'Mailchimp', LNAME: 'API' },
        consent: { state: 'subscribed', at: AT, source: 'mailchimp:a6b5da1054', evidence: { webhook: 'subscribe', ip_opt: '10.20.10.30' } },
      },
    })
  })

  it('an unsubscribe is an opt-out; a delete by an admin is not', () => {
    const unsub = normalizeMailchimpWebhook(
      form({
        type: 'unsubscribe',
        fired_at: FIRED,
        'data[action]': 'unsub',
        'data[reason]': 'manual',
        'data[email]': 'a@x.io',
        'data[list_id]': 'L',
      }),
    )
    expect(unsub).toMatchObject({
      ok: true,
      event: { change: 'updated', action: 'unsub', reason: 'manual', consent: { state: 'unsubscribed' } },
    })
    const del = normalizeMailchimpWebhook(form({ type: 'unsubscribe', fired_at: FIRED, 'data[action]': 'delete', 'data[email]': 'a@x.io' }))
    expect(del).toMatchObject({ ok: true, event: { change: 'deleted', consent: null } })
  })

  it('cleaned, profile, upemail and campaign', () => {
    expect(
      normalizeMailchimpWebhook(
        form({ type: 'cleaned', fired_at: FIRED, 'data[reason]': 'hard', 'data[email]': 'b@x.io', 'data[list_id]': 'L' }),
      ),
    ).toMatchObject({ event: { consent: { state: 'cleaned' }, reason: 'hard' } })
    expect(normalizeMailchimpWebhook(form({ type: 'profile', fired_at: FIRED, 'data[email]': 'c@x.io' }))).toMatchObject({
      event: { change: 'updated', consent: null },
    })
    expect(
      normalizeMailchimpWebhook(
        form({ type: 'upemail', fired_at: FIRED, 'data[old_email]': 'Old@x.io', 'data[new_email]': 'New@x.io', 'data[new_id]': 'n1' }),
      ),
    ).toMatchObject({ event: { email: 'new@x.io', oldEmail: 'old@x.io', consent: null } })
    expect(
      normalizeMailchimpWebhook(
        form({ type: 'campaign', fired_at: FIRED, 'data[id]': '5aa2102003', 'data[status]': 'sent', 'data[list_id]': 'L' }),
      ),
    ).toMatchObject({ event: { object: 'campaigns', recordId: '5aa2102003', email: null } })
  })

  it('the same event twice has the same delivery id; a different one does not', () => {
    const a = normalizeMailchimpWebhook(form({ type: 'profile', fired_at: FIRED, 'data[email]': 'c@x.io' }))
    const b = normalizeMailchimpWebhook(form({ type: 'profile', fired_at: FIRED, 'data[email]': 'c@x.io' }))
    const c = normalizeMailchimpWebhook(form({ type: 'profile', fired_at: '2026-03-26 21:35:58', 'data[email]': 'c@x.io' }))
    expect(a.ok && b.ok && a.deliveryId === b.deliveryId).toBe(true)
    expect(a.ok && c.ok && a.deliveryId !== c.deliveryId).toBe(true)
  })

  it('names what is missing', () => {
    expect(normalizeMailchimpWebhook(form({ fired_at: FIRED }))).toMatchObject({ ok: false, field: 'type' })
    expect(normalizeMailchimpWebhook(form({ type: 'subscribe', fired_at: 'yesterday' }))).toMatchObject({ ok: false, field: 'fired_at' })
    expect(normalizeMailchimpWebhook(form({ type: 'subscribe', fired_at: FIRED }))).toMatchObject({ ok: false, field: 'data[email]' })
  })
})

describe('normalizeHubspotWebhook', () => {
  const base = {
    eventId: 100,
    subscriptionId: 7,
    portalId: 62515,
    appId: 1,
    occurredAt: 1767225600000,
    attemptNumber: 0,
    changeSource: 'CRM',
  }

  it('maps contact, company and deal events to object, record and change', () => {
    const cases: Array<[Record<string, unknown>, Record<string, unknown>]> = [
      [
        { subscriptionType: 'contact.propertyChange', objectId: 123, propertyName: 'email', propertyValue: 'a@x.io' },
        { object: 'contacts', recordId: '123', change: 'updated', property: 'email', value: 'a@x.io' },
      ],
      [
        { subscriptionType: 'contact.creation', objectId: 124 },
        { object: 'contacts', change: 'created' },
      ],
      [
        { subscriptionType: 'contact.deletion', objectId: 125 },
        { object: 'contacts', change: 'deleted' },
      ],
      [
        { subscriptionType: 'contact.privacyDeletion', objectId: 126 },
        { object: 'contacts', change: 'deleted' },
      ],
      [
        { subscriptionType: 'company.creation', objectId: 9 },
        { object: 'companies', change: 'created' },
      ],
      [
        { subscriptionType: 'company.merge', objectId: 9, mergedObjectIds: [3, 4], primaryObjectId: 9 },
        { object: 'companies', change: 'merged', mergedObjectIds: ['3', '4'] },
      ],
      [
        { subscriptionType: 'deal.propertyChange', objectId: 77, propertyName: 'amount', propertyValue: 500 },
        { object: 'deals', change: 'updated', value: '500' },
      ],
      [
        { subscriptionType: 'deal.associationChange', objectId: 77 },
        { object: 'deals', change: 'associated' },
      ],
      [
        { subscriptionType: 'object.propertyChange', objectTypeId: '0-2', objectId: 10 },
        { object: 'companies', change: 'updated' },
      ],
    ]
    for (const [e, want] of cases)
      expect(normalizeHubspotWebhook({ ...base, ...e }), JSON.stringify(e)).toMatchObject({ ok: true, event: want })
  })

  it('a retry of one event keeps its delivery id', () => {
    const a = normalizeHubspotWebhook({ ...base, subscriptionType: 'contact.creation', objectId: 1 })
    const b = normalizeHubspotWebhook({ ...base, subscriptionType: 'contact.creation', objectId: 1, attemptNumber: 3 })
    expect(a.ok && b.ok && a.deliveryId === b.deliveryId).toBe(true)
  })

  it('refuses an unknown subscription type or a missing object id', () => {
    expect(normalizeHubspotWebhook({ ...base, subscriptionType: 'ticket.fly', objectId: 1 })).toMatchObject({
      ok: false,
      field: 'subscriptionType',
    })
    expect(normalizeHubspotWebhook({ ...base, subscriptionType: 'contact.creation' })).toMatchObject({ ok: false, field: 'objectId' })
  })
})
