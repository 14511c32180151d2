/**
 * The Mailchimp emulator's list reads, audience settings, batch operations and webhooks,
 * exercised through @mailchimp/mailchimp_marketing (unchanged; only its documented `basePath`
 * points at the emulator). Webhooks are received by a real loopback HTTP server.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'
import mailchimp from '@mailchimp/mailchimp_marketing'
import { extract } from 'tar-stream'
import { afterEach, describe, expect, it } from 'vitest'
import { subscriberHash } from '../../src/connectors/mailchimp/connector.js'
import { mailchimpEmulator } from '../../src/connectors/mailchimp/emulator.js'

const KEY = '0123456789abcdef0123456789abcdef-us6'
const open: Array<{ close(): Promise<void> | void }> = []
afterEach(async () => {
  for (const o of open.splice(0)) await o.close()
})

async function start(options: Parameters<typeof mailchimpEmulator>[0] = {}) {
  const emu = mailchimpEmulator({ apiKeys: [KEY], ...options })
  open.push(emu)
  const url = await emu.listen()
  mailchimp.basePath = `${url}/3.0`
  mailchimp.setConfig({ apiKey: KEY, server: 'us6' })
  return emu
}

async function thrown(p: Promise<unknown>): Promise<any> {
  try {
    await p
  } catch (e) {
    return e
  }
  throw new Error('expected a rejection')
}

/** A webhook receiver: answers `status` to everything and keeps what it got. */
async function receiver(status = 200) {
  const got: Array<{ method: string; url: string; contentType: string | undefined; body: string }> = []
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      got.push({ method: req.method!, url: req.url!, contentType: req.headers['content-type'], body })
      res.writeHead(status).end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  open.push({ close: () => new Promise<void>((r) => server.close(() => r())) })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got }
}

describe('Mailchimp emulator: members list, merge fields, interests', () => {
  it('lists members changed since a time, sorted by last_changed, with count/offset paging', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z')
    await start({ clock: { now: () => now } })
    for (const [i, email] of ['a@x.io', 'b@x.io', 'c@x.io', 'd@x.io'].entries()) {
      now += 2000
      await mailchimp.lists.setListMember('L1', subscriberHash(email), {
        email_address: email,
        status_if_new: i === 2 ? 'unsubscribed' : 'transactional',
      })
    }
    now += 2000
    await mailchimp.lists.updateListMember('L1', subscriberHash('a@x.io'), { merge_fields: { FNAME: 'A' } })
    const since = new Date(Date.parse('2026-01-01T00:00:06Z')).toISOString()
    const page1 = await mailchimp.lists.getListMembersInfo('L1', {
      sinceLastChanged: since,
      sortField: 'last_changed',
      sortDir: 'ASC',
      count: 2,
    })
    expect(page1.total_items).toBe(3)
    expect(page1.members.map((m: { email_address: string }) => m.email_address)).toEqual(['c@x.io', 'd@x.io'])
    const page2 = await mailchimp.lists.getListMembersInfo('L1', {
      sinceLastChanged: since,
      sortField: 'last_changed',
      sortDir: 'ASC',
      count: 2,
      offset: 2,
    })
    expect(page2.members.map((m: { email_address: string; last_changed: string }) => [m.email_address, m.last_changed])).toEqual([
      ['a@x.io', '2026-01-01T00:00:10+00:00'],
    ])
    const unsubscribed = await mailchimp.lists.getListMembersInfo('L1', { status: 'unsubscribed' })
    expect(unsubscribed.members.map((m: { email_address: string }) => m.email_address)).toEqual(['c@x.io'])
    const tooMany = await thrown(mailchimp.lists.getListMembersInfo('L1', { count: 1001 }))
    expect(tooMany.status).toBe(400)
  })

  it('serves merge fields and interests, and refuses an unknown interest id', async () => {
    await start()
    const fields = await mailchimp.lists.getListMergeFields('L1')
    expect(fields.merge_fields.map((f: { tag: string }) => f.tag)).toEqual(['FNAME', 'LNAME', 'ADDRESS', 'PHONE', 'BIRTHDAY'])
    await mailchimp.lists.addListMergeField('L1', { name: 'Company', tag: 'COMPANY', type: 'text' })
    const cat = await mailchimp.lists.createListInterestCategory('L1', { title: 'Topics', type: 'checkboxes' })
    const news = await mailchimp.lists.createInterestCategoryInterest('L1', cat.id, { name: 'Newsletter' })
    const listed = await mailchimp.lists.listInterestCategoryInterests('L1', cat.id)
    expect(listed.interests.map((i: { name: string }) => i.name)).toEqual(['Newsletter'])
    const m = await mailchimp.lists.setListMember('L1', subscriberHash('i@x.io'), {
      email_address: 'i@x.io',
      status_if_new: 'transactional',
      merge_fields: { COMPANY: 'Acme' },
      interests: { [news.id]: true },
    })
    expect(m.interests).toEqual({ [news.id]: true })
    const bad = await thrown(
      mailchimp.lists.setListMember('L1', subscriberHash('i@x.io'), {
        email_address: 'i@x.io',
        status_if_new: 'transactional',
        interests: { nope: true },
      }),
    )
    expect(bad.response.body.detail).toContain("Invalid interest ID: 'nope'")
  })

  it('with strict merge fields refuses a tag the audience lacks', async () => {
    await start({ strictMergeFields: true })
    const e = await thrown(
      mailchimp.lists.setListMember('L1', subscriberHash('s@x.io'), {
        email_address: 's@x.io',
        status_if_new: 'transactional',
        merge_fields: { NOPE: 1 },
      }),
    )
    expect(e.status).toBe(400)
    expect(e.response.body.errors[0].field).toBe('NOPE')
  })
})

describe('Mailchimp emulator: batch operations', () => {
  it('runs a batch in the background, reports progress, and serves results as a gzipped tar', async () => {
    const emu = await start({ batchDelayMs: 20 })
    const operations = [
      ...['a@x.io', 'b@x.io'].map((email, i) => ({
        method: 'PUT',
        path: `/lists/L1/members/${subscriberHash(email)}`,
        operation_id: `op-${i}`,
        body: JSON.stringify({ email_address: email, status_if_new: 'transactional', merge_fields: { FNAME: `N${i}` } }),
      })),
      {
        method: 'PUT',
        path: `/lists/L1/members/${subscriberHash('c@x.io')}`,
        operation_id: 'op-bad',
        body: JSON.stringify({ email_address: 'not-an-email' }),
      },
    ]
    const started = await mailchimp.batches.start({ operations })
    expect(started).toMatchObject({ status: 'pending', total_operations: 3, finished_operations: 0, response_body_url: '' })
    let status = started
    for (let i = 0; i < 200 && status.status !== 'finished'; i++) {
      await new Promise((r) => setTimeout(r, 10))
      status = await mailchimp.batches.status(started.id)
    }
    expect(status).toMatchObject({ status: 'finished', finished_operations: 3, errored_operations: 1 })
    expect(emu.member('L1', 'b@x.io')?.merge_fields).toEqual({ FNAME: 'N1' })
    const archive = Buffer.from(await (await fetch(status.response_body_url)).arrayBuffer())
    const files = await untar(gunzipSync(archive))
    const results = Object.values(files).flatMap(
      (text) => JSON.parse(text) as Array<{ status_code: number; operation_id: string; response: string }>,
    )
    expect(results.map((r) => [r.operation_id, r.status_code])).toEqual([
      ['op-0', 200],
      ['op-1', 200],
      ['op-bad', 400],
    ])
    expect(JSON.parse(results[0]!.response)).toMatchObject({ email_address: 'a@x.io', status: 'transactional' })
    expect((await mailchimp.batches.list()).total_items).toBe(1)
  })

  it('refuses an operation without a method or path, naming it', async () => {
    await start()
    const e = await thrown(
      mailchimp.batches.start({ operations: [{ method: 'PUT', path: '/lists/L1/members/x', body: '{}' }, { path: '/x' }] }),
    )
    expect(e.response.body.errors[0].field).toBe('operations.1.method')
  })
})

async function untar(buf: Buffer): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const ex = extract()
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      let text = ''
      stream.on('data', (c: unknown) => (text += (c as Buffer).toString('utf8')))
      stream.on('end', () => {
        if (header.type === 'file') out[header.name] = text
        next()
      })
      stream.resume()
    })
    ex.on('finish', resolve)
    ex.on('error', reject)
  })
  ex.end(buf)
  await done
  return out
}

describe('Mailchimp emulator: webhooks', () => {
  it('checks the URL with a GET when a webhook is saved, and refuses one that does not answer 200', async () => {
    await start()
    const ok = await receiver(200)
    const hook = await mailchimp.lists.createListWebhook('L1', {
      url: ok.url,
      events: { subscribe: true, unsubscribe: true },
      sources: { user: true, admin: true, api: false },
    })
    expect(hook).toMatchObject({ url: ok.url, events: { subscribe: true, campaign: true }, sources: { api: false } })
    expect(ok.got).toEqual([expect.objectContaining({ method: 'GET', url: '/hook' })])
    const down = await receiver(404)
    const e = await thrown(mailchimp.lists.createListWebhook('L1', { url: down.url }))
    expect(e.status).toBe(400)
    expect(e.response.body.errors[0].field).toBe('url')
    expect((await mailchimp.lists.getListWebhooks('L1')).webhooks).toHaveLength(1)
  })

  it('sends form-encoded events with fired_at and data[...] fields, honouring the sources filter', async () => {
    const now = Date.parse('2026-03-26T21:35:57Z')
    const emu = await start({ clock: { now: () => now } })
    const hook = await receiver()
    await mailchimp.lists.createListWebhook('L1', { url: hook.url, sources: { user: true, admin: true, api: false } })
    await mailchimp.lists.setListMember('L1', subscriberHash('ann@x.io'), {
      email_address: 'ann@x.io',
      status_if_new: 'transactional',
      merge_fields: { FNAME: 'Ann' },
    })
    emu.userSubscribes('L1', 'ann@x.io')
    emu.userUnsubscribes('L1', 'ann@x.io', { campaignId: 'cb398d21d2' })
    emu.bounces('L1', 'ann@x.io', 'hard')
    await emu.flushWebhooks()
    const posts = hook.got.filter((g) => g.method === 'POST')
    expect(posts.map((p) => new URLSearchParams(p.body).get('type'))).toEqual(['subscribe', 'unsubscribe', 'cleaned'])
    expect(posts.every((p) => p.contentType === 'application/x-www-form-urlencoded')).toBe(true)
    const unsub = new URLSearchParams(posts[1]!.body)
    expect(unsub.get('fired_at')).toBe('2026-03-26 21:35:57')
    expect(unsub.get('data[email]')).toBe('ann@x.io')
    expect(unsub.get('data[list_id]')).toBe('L1')
    expect(unsub.get('data[action]')).toBe('unsub')
    expect(unsub.get('data[campaign_id]')).toBe('cb398d21d2')
    expect(unsub.get('data[merges][FNAME]')).toBe('Ann')
    expect(new URLSearchParams(posts[2]!.body).get('data[reason]')).toBe('hard')
    expect(emu.webhookDeliveries().every((d) => d.status === 200 && d.source !== 'api')).toBe(true)
  })

  it('sends api-sourced events too when the webhook asks for them (profile, upemail, archive)', async () => {
    const emu = await start()
    const hook = await receiver()
    await mailchimp.lists.createListWebhook('L1', { url: hook.url })
    await mailchimp.lists.setListMember('L1', subscriberHash('bo@x.io'), { email_address: 'bo@x.io', status_if_new: 'transactional' })
    await mailchimp.lists.updateListMember('L1', subscriberHash('bo@x.io'), { merge_fields: { FNAME: 'Bo' } })
    await mailchimp.lists.updateListMember('L1', subscriberHash('bo@x.io'), { email_address: 'bob@x.io' })
    await mailchimp.lists.deleteListMember('L1', subscriberHash('bob@x.io'))
    await emu.flushWebhooks()
    const posts = hook.got.filter((g) => g.method === 'POST').map((p) => new URLSearchParams(p.body))
    expect(posts.map((p) => p.get('type'))).toEqual(['profile', 'upemail', 'unsubscribe'])
    expect([posts[1]!.get('data[old_email]'), posts[1]!.get('data[new_email]')]).toEqual(['bo@x.io', 'bob@x.io'])
    expect(posts[2]!.get('data[action]')).toBe('delete')
    expect(emu.member('L1', 'bob@x.io')?.status).toBe('archived')
  })
})
