import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { WebhookAuth } from '../../pipeline/types.js'
import { type AuthRequest, signWebhookRequest, verifyWebhookAuth } from './index.js'

const NOW = 1_760_000_000_000
const STD_SECRET = 'whsec_' + Buffer.from('property-test-key-of-32-bytes!!!').toString('base64')

interface Case {
  auth: WebhookAuth
  signature: string
  timestamp: string | null
  alphabet: string
}

const cases: Record<string, Case> = {
  'hmac-sha256 (hex)': {
    auth: { scheme: 'hmac-sha256', header: 'x-sig', secret: 'k' },
    signature: 'x-sig',
    timestamp: null,
    alphabet: '0123456789abcdef',
  },
  'hmac-sha256 (base64, prefix)': {
    auth: { scheme: 'hmac-sha256', header: 'x-sig', secret: 'k', encoding: 'base64', prefix: 'sha256=' },
    signature: 'x-sig',
    timestamp: null,
    alphabet: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=',
  },
  'standard-webhooks': {
    auth: { scheme: 'standard-webhooks', secret: STD_SECRET },
    signature: 'webhook-signature',
    timestamp: 'webhook-timestamp',
    alphabet: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=,',
  },
  slack: {
    auth: { scheme: 'slack', secret: 's' },
    signature: 'x-slack-signature',
    timestamp: 'x-slack-request-timestamp',
    alphabet: '0123456789abcdef=v',
  },
  'hubspot-v3': {
    auth: { scheme: 'hubspot-v3', secret: 'h', publicBaseUrl: 'https://p.test' },
    signature: 'x-hubspot-signature-v3',
    timestamp: 'x-hubspot-request-timestamp',
    alphabet: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=',
  },
}

/** A changed copy of `s`: one character replaced, removed, or inserted. Never equal to `s` (hex case aside). */
function mutateString(alphabet: string) {
  return (s: string) =>
    fc.oneof(
      fc.tuple(fc.nat({ max: s.length - 1 }), fc.constantFrom(...alphabet)).map(([i, c]) => s.slice(0, i) + c + s.slice(i + 1)),
      fc.nat({ max: s.length - 1 }).map((i) => s.slice(0, i) + s.slice(i + 1)),
      fc.tuple(fc.nat({ max: s.length }), fc.constantFrom(...alphabet)).map(([i, c]) => s.slice(0, i) + c + s.slice(i)),
    )
}

const request = (headers: Record<string, string>, body: Uint8Array): AuthRequest => ({
  rawBody: Buffer.from(body),
  headers,
  url: '/hooks/p',
  method: 'POST',
})

describe.each(Object.entries(cases))('%s under mutation', (_name, c) => {
  const sign = (body: Uint8Array) => signWebhookRequest(c.auth, { body: Buffer.from(body), url: '/hooks/p' }, NOW)

  it('accepts every correctly signed body', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (body) => verifyWebhookAuth(c.auth, request(sign(body), body), NOW).ok))
  })

  it('rejects any change to the body', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (body, other) => {
        fc.pre(!Buffer.from(body).equals(Buffer.from(other)))
        expect(verifyWebhookAuth(c.auth, request(sign(body), other), NOW).ok).toBe(false)
      }),
    )
  })

  it('rejects any change to the signature header', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 100 }).chain((body) => {
          const headers = sign(body)
          return fc.tuple(fc.constant(body), fc.constant(headers), mutateString(c.alphabet)(headers[c.signature]!))
        }),
        ([body, headers, changed]) => {
          fc.pre(changed.toLowerCase() !== headers[c.signature]!.toLowerCase())
          expect(verifyWebhookAuth(c.auth, request({ ...headers, [c.signature]: changed }, body), NOW).ok).toBe(false)
        },
      ),
    )
  })

  it.runIf(c.timestamp !== null)('rejects any change to the timestamp, even one inside the tolerance', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 100 }).chain((body) => {
          const headers = sign(body)
          return fc.tuple(fc.constant(body), fc.constant(headers), mutateString('0123456789')(headers[c.timestamp!]!))
        }),
        ([body, headers, changed]) => {
          fc.pre(changed !== headers[c.timestamp!])
          expect(verifyWebhookAuth(c.auth, request({ ...headers, [c.timestamp!]: changed }, body), NOW).ok).toBe(false)
        },
      ),
    )
  })
})
