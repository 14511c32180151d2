import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { WebhookTriggerOptions } from '../pipeline/types.js'
import { signStandardWebhook, signWebhookRequest } from './auth/index.js'
import { type IngressRequest, prepareDelivery, redactPaths } from './ingress.js'

const fixture = (p: string) => readFileSync(new URL(`../../tests/fixtures/webhooks/${p}`, import.meta.url))
const NOW = 1_760_000_000_000
const json = (body: unknown, headers: IngressRequest['headers'] = {}): IngressRequest => ({
  rawBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  headers: { 'content-type': 'application/json', ...headers },
  url: '/hooks/t',
  method: 'POST',
})
const events = (r: ReturnType<typeof prepareDelivery>) => {
  if (!r.ok) throw new Error(`expected ok, got ${r.status} ${r.message}`)
  return r.events
}

describe('prepareDelivery order of checks', () => {
  const trigger: WebhookTriggerOptions = {
    path: 't',
    auth: { header: 'x-secret', secret: 's3cr3t' },
    maxBodyBytes: 64,
    schema: { type: 'object', required: ['email'] },
  }

  it('answers 413 before looking at auth', () => {
    const r = prepareDelivery(trigger, json({ pad: 'x'.repeat(100) }), NOW)
    expect(r).toEqual({
      ok: false,
      status: 413,
      code: 'PW_PAYLOAD_TOO_LARGE',
      message: 'body is 110 bytes; this webhook accepts at most 64 bytes',
    })
  })

  it('answers 401 before looking at the content type', () => {
    const r = prepareDelivery(trigger, { ...json('x'), headers: { 'content-type': 'text/plain', 'x-secret': 'wrong' } }, NOW)
    expect(r).toMatchObject({
      ok: false,
      status: 401,
      code: 'PW_UNAUTHORIZED',
      message: 'webhook authentication failed: header x-secret does not match any configured secret',
    })
    expect(JSON.stringify(r)).not.toContain('s3cr3t')
  })

  it('answers 415, then 400 for malformed bodies, then 400 for schema violations', () => {
    const auth = { 'x-secret': 's3cr3t' }
    expect(prepareDelivery(trigger, { ...json('x'), headers: { 'content-type': 'text/plain', ...auth } }, NOW)).toMatchObject({
      status: 415,
    })
    expect(prepareDelivery(trigger, json('{"email":', auth), NOW)).toMatchObject({ status: 400, code: 'PW_BAD_REQUEST' })
    expect(prepareDelivery(trigger, json({ name: 'x' }, auth), NOW)).toMatchObject({ status: 400, code: 'PW_PAYLOAD_INVALID' })
    expect(events(prepareDelivery(trigger, json({ email: 'a@b.io' }, auth), NOW))).toHaveLength(1)
  })

  it('uses the 1 MiB default when the trigger sets no limit', () => {
    const big = json({ pad: 'x'.repeat(1024 * 1024) })
    expect(prepareDelivery({ path: 't' }, big, NOW)).toMatchObject({ status: 413 })
  })
})

describe('schema violations', () => {
  it('lists every failing path in details', () => {
    const schema = z.object({ email: z.email(), score: z.number().max(100), company: z.object({ domain: z.string() }) })
    const r = prepareDelivery({ path: 't', schema }, json({ email: 'nope', score: 101, company: {} }), NOW)
    expect(r).toMatchObject({
      ok: false,
      status: 400,
      code: 'PW_PAYLOAD_INVALID',
      message: expect.stringMatching(/^payload does not match the webhook schema: email: .* and 2 more$/),
    })
    const details = (r as { details: Array<{ path: string }> }).details
    expect(details.map((d) => d.path)).toEqual(['email', 'score', 'company.domain'])
  })

  it('validates each CSV row and names the line of each failure', () => {
    const schema = { type: 'object', properties: { email: { type: 'string', format: 'email' } } }
    const body = 'email,name\nok@x.io,A\nbad,B\nworse,C\n'
    const r = prepareDelivery({ path: 't', schema }, { ...json(body), headers: { 'content-type': 'text/csv' } }, NOW)
    expect(r).toMatchObject({ status: 400, message: expect.stringContaining('CSV line 3, email:') })
    expect((r as { details: unknown }).details).toEqual([
      { rowNumber: 3, path: 'email', message: 'Invalid email address' },
      { rowNumber: 4, path: 'email', message: 'Invalid email address' },
    ])
  })

  it('validates each element of a split array, prefixing paths with the index', () => {
    const r = prepareDelivery({ path: 't', split: 'array', schema: z.object({ id: z.string() }) }, json([{ id: 'a' }, { id: 2 }]), NOW)
    expect((r as { details: unknown }).details).toEqual([{ index: 1, path: '[1].id', message: expect.any(String) }])
  })
})

describe('HubSpot batches', () => {
  const secret = 'hubspot-client-secret'
  const trigger: WebhookTriggerOptions = {
    path: 'crm',
    split: 'hubspot',
    auth: { scheme: 'hubspot-v3', secret, publicBaseUrl: 'https://hooks.acme.test' },
  }
  const body = fixture('hubspot/webhook-batch.json')
  const request = (): IngressRequest => ({
    rawBody: body,
    headers: { 'content-type': 'application/json', ...signWebhookRequest(trigger.auth, { body, url: '/hooks/crm' }, NOW) },
    url: '/hooks/crm',
    method: 'POST',
  })

  it('yields one event per element with the delivery id from eventId', () => {
    const out = events(prepareDelivery(trigger, request(), NOW + 2000))
    expect(out.map((e) => e.deliveryId)).toEqual(['1680123401', '1680123402', '1680123403'])
    expect(out[2]!.payload).toMatchObject({ propertyName: 'email', propertyValue: 'grace@example.com' })
    expect(out.map((e) => e.meta.index)).toEqual([0, 1, 2])
  })

  it('keeps an array as one event when split is not configured', () => {
    const out = events(prepareDelivery({ ...trigger, split: undefined }, request(), NOW))
    expect(out).toHaveLength(1)
    expect(out[0]!.payload).toHaveLength(3)
  })

  it('keeps the JSON text of a whole-body payload for storage, but not of split elements', () => {
    const whole = events(prepareDelivery({ ...trigger, split: undefined }, request(), NOW))
    expect(whole[0]!.payloadJson).toBe(body.toString('utf8'))
    expect(JSON.parse(whole[0]!.payloadJson!)).toEqual(whole[0]!.payload)
    expect(events(prepareDelivery(trigger, request(), NOW)).map((e) => e.payloadJson)).toEqual([undefined, undefined, undefined])
  })

  it('accepts an empty batch as zero events', () => {
    const empty = Buffer.from('[]')
    const headers = { 'content-type': 'application/json', ...signWebhookRequest(trigger.auth, { body: empty, url: '/hooks/crm' }, NOW) }
    expect(events(prepareDelivery(trigger, { rawBody: empty, headers, url: '/hooks/crm', method: 'POST' }, NOW))).toEqual([])
  })
})

describe('delivery ids', () => {
  it('takes webhook-id by default', () => {
    expect(events(prepareDelivery({ path: 't' }, json({ a: 1 }, { 'webhook-id': 'msg_1' }), NOW))[0]!.deliveryId).toBe('msg_1')
    expect(events(prepareDelivery({ path: 't' }, json({ a: 1 }), NOW))[0]!.deliveryId).toBeNull()
  })

  it('takes a configured header, or a function of the payload falling back to webhook-id', () => {
    expect(
      events(prepareDelivery({ path: 't', deliveryId: 'X-Request-Id' }, json({}, { 'x-request-id': 'r-9', 'webhook-id': 'w' }), NOW))[0]!
        .deliveryId,
    ).toBe('r-9')
    const byRow = { path: 't', deliveryId: (p: { row_id?: string }) => p.row_id }
    expect(events(prepareDelivery(byRow, json({ row_id: 'row-7' }), NOW))[0]!.deliveryId).toBe('row-7')
    expect(events(prepareDelivery(byRow, json({}, { 'webhook-id': 'w-1' }), NOW))[0]!.deliveryId).toBe('w-1')
  })

  it('suffixes a header id with the CSV line so each row dedupes on its own', () => {
    const r = prepareDelivery(
      { path: 't' },
      { ...json(fixture('csv/leads.csv').toString()), headers: { 'content-type': 'text/csv', 'webhook-id': 'export-42' } },
      NOW,
    )
    expect(events(r).map((e) => [e.deliveryId, e.meta.rowNumber])).toEqual([
      ['export-42:2', 2],
      ['export-42:5', 5],
      ['export-42:6', 6],
    ])
  })

  it('suffixes a header id with the index for split arrays without an id path', () => {
    const out = events(prepareDelivery({ path: 't', split: 'array' }, json([{ a: 1 }, { a: 2 }], { 'webhook-id': 'm' }), NOW))
    expect(out.map((e) => e.deliveryId)).toEqual(['m:0', 'm:1'])
    const byPath = events(
      prepareDelivery({ path: 't', split: { deliveryIdPath: 'meta.id' } }, json([{ meta: { id: 'x' } }, {}], { 'webhook-id': 'm' }), NOW),
    )
    expect(byPath.map((e) => e.deliveryId)).toEqual(['x', 'm:1'])
  })
})

describe('Standard Webhooks end to end', () => {
  it('verifies, parses and identifies a delivery', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
    const body = fixture('standard-webhooks/contact-created.json')
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Svix-Webhooks/1.0',
      ...signStandardWebhook(secret, 'msg_abc', NOW / 1000, body),
    }
    const [event] = events(
      prepareDelivery(
        { path: 't', auth: { scheme: 'standard-webhooks', secret } },
        { rawBody: body, headers, url: '/hooks/t', method: 'POST' },
        NOW,
      ),
    )
    expect(event!.deliveryId).toBe('msg_abc')
    expect(event!.payload).toMatchObject({ type: 'contact.created', data: { fullName: 'John Smith' } })
  })
})

describe('meta', () => {
  it('keeps safe request facts and never auth headers, cookies or signatures', () => {
    const trigger: WebhookTriggerOptions = { path: 't', auth: { scheme: 'slack', secret: 'slack-secret' } }
    const body = fixture('slack/slash-command.form')
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'Slackbot 1.0',
      cookie: 'session=abc',
      authorization: 'Bearer leaked',
      'x-slack-retry-num': '1',
      ...signWebhookRequest(trigger.auth, { body }, NOW),
    }
    const [event] = events(prepareDelivery(trigger, { rawBody: body, headers, url: '/hooks/t', method: 'POST' }, NOW))
    expect(event!.meta).toMatchObject({
      contentType: 'application/x-www-form-urlencoded',
      charset: 'utf-8',
      userAgent: 'Slackbot 1.0',
      bytes: body.length,
    })
    expect(Object.keys(event!.meta.headers as object).sort()).toEqual([
      'content-type',
      'user-agent',
      'x-slack-request-timestamp',
      'x-slack-retry-num',
    ])
    const text = JSON.stringify(event!.meta)
    for (const s of ['session=abc', 'leaked', headers['x-slack-signature']!]) expect(text).not.toContain(s)
  })

  it('hides a shared-secret header even if its name is on the safe list', () => {
    const trigger: WebhookTriggerOptions = { path: 't', auth: { header: 'x-request-id', secret: 'top' } }
    const [event] = events(prepareDelivery(trigger, json({}, { 'x-request-id': 'top' }), NOW))
    expect(JSON.stringify(event!.meta)).not.toContain('top')
  })
})

describe('redactPaths re-export', () => {
  it('is available from the ingress module', () => {
    expect(redactPaths({ card: { number: '4242' } }, ['card.number'])).toEqual({ card: { number: '[redacted]' } })
  })
})
