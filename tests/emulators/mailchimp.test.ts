import mailchimp from '@mailchimp/mailchimp_marketing'
import { afterEach, describe, expect, it } from 'vitest'
import { subscriberHash } from '../../src/connectors/mailchimp/connector.js'
import { mailchimpEmulator } from '../../src/connectors/mailchimp/emulator.js'

const KEY = '0123456789abcdef0123456789abcdef-us6'
let emu: ReturnType<typeof mailchimpEmulator> | null = null
afterEach(async () => {
  await emu?.close()
  emu = null
})

// The SDK is a singleton whose documented `basePath` ("the base URL against which to resolve
// every API call's path") defaults to https://server.api.mailchimp.com/3.0 with `server`
// replaced by the configured data centre; pointing it at the emulator is a configuration,
// not a change to the SDK.
async function start(options: Parameters<typeof mailchimpEmulator>[0] = {}, apiKey = KEY) {
  emu = mailchimpEmulator({ apiKeys: [KEY], ...options })
  const url = await emu.listen()
  mailchimp.basePath = `${url}/3.0`
  mailchimp.setConfig({ apiKey, server: 'us6' })
  return { emu, url }
}

async function thrown(p: Promise<unknown>): Promise<any> {
  try {
    await p
  } catch (e) {
    return e
  }
  throw new Error('expected a rejection')
}

describe('Mailchimp emulator through @mailchimp/mailchimp_marketing', () => {
  it('answers ping', async () => {
    await start()
    expect(await mailchimp.ping.get()).toEqual({ health_status: "Everything's Chimpy!" })
  })

  it('computes the documented subscriber hash vector', () => {
    expect(subscriberHash('Urist.McVankab@freddiesjokes.com')).toBe('62eeb292278cc15f5817cb78f7790b08')
  })

  it('upserts a member with setListMember (status_if_new, merge fields) and adds tags', async () => {
    const { emu } = await start()
    const email = 'Ann@Acme.com'
    const m = await mailchimp.lists.setListMember('list1', subscriberHash(email), {
      email_address: email,
      status_if_new: 'subscribed',
      merge_fields: { FNAME: 'Ann' },
    })
    expect(m).toMatchObject({ id: subscriberHash(email), status: 'subscribed', merge_fields: { FNAME: 'Ann' } })
    await mailchimp.lists.updateListMemberTags('list1', subscriberHash(email), { tags: [{ name: 'webinar', status: 'active' }] })
    const tags = await mailchimp.lists.getListMemberTags('list1', subscriberHash(email))
    expect(tags.tags.map((t: { name: string }) => t.name)).toEqual(['webinar'])
    expect(emu.member('list1', email)?.tags).toEqual(['webinar'])
  })

  it('keeps an existing member status when only status_if_new is sent', async () => {
    const { emu } = await start()
    emu.seedMember('list1', 'gone@acme.com', 'unsubscribed')
    const m = await mailchimp.lists.setListMember('list1', subscriberHash('gone@acme.com'), {
      email_address: 'gone@acme.com',
      status_if_new: 'subscribed',
    })
    expect(m.status).toBe('unsubscribed')
  })

  it('surfaces problem+json errors as the SDK error with status and body', async () => {
    const { emu } = await start()
    emu.seedMember('list1', 'gone@acme.com', 'unsubscribed')
    const comp = await thrown(
      mailchimp.lists.setListMember('list1', subscriberHash('gone@acme.com'), { email_address: 'gone@acme.com', status: 'subscribed' }),
    )
    expect(comp.status).toBe(400)
    expect(comp.response.body).toMatchObject({ title: 'Member In Compliance State', status: 400 })
    expect(comp.response.headers['content-type']).toContain('application/problem+json')
    const exists = await thrown(mailchimp.lists.addListMember('list1', { email_address: 'gone@acme.com', status: 'subscribed' }))
    expect(exists.response.body.title).toBe('Member Exists')
    const invalid = await thrown(
      mailchimp.lists.setListMember('list1', subscriberHash('x'), { email_address: 'not-an-email', status_if_new: 'subscribed' }),
    )
    expect(invalid.response.body).toMatchObject({ title: 'Invalid Resource', errors: [{ field: 'email_address' }] })
  })

  it('refuses a wrong API key with 401 API Key Invalid', async () => {
    await start({}, 'ffffffffffffffffffffffffffffffff-us6')
    const e = await thrown(mailchimp.ping.get())
    expect(e.status).toBe(401)
    expect(e.response.body.title).toBe('API Key Invalid')
  })

  it('answers the 11th simultaneous request with 429 Too Many Requests', async () => {
    await start({ latencyMs: 150 })
    const results = await Promise.allSettled(Array.from({ length: 11 }, () => mailchimp.ping.get()))
    const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[]
    expect(rejected).toHaveLength(1)
    expect(rejected[0].reason.status).toBe(429)
  })
})
