import { describe, expect, it } from 'vitest'
import type { WebhookAuth } from '../../pipeline/types.js'
import { type AuthRequest, signBasic, signHmacSha256, signStandardWebhook, signWebhookRequest, verifyWebhookAuth } from './index.js'

const req = (headers: AuthRequest['headers'], body: string | Buffer = '{}', url = '/hooks/x', method = 'POST'): AuthRequest => ({
  rawBody: typeof body === 'string' ? Buffer.from(body) : body,
  headers,
  url,
  method,
})

describe('contract test vectors', () => {
  it('accepts the Standard Webhooks vector', () => {
    const auth: WebhookAuth = { scheme: 'standard-webhooks', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }
    const headers = {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    }
    expect(verifyWebhookAuth(auth, req(headers, '{"test": 2432232314}'), 1614265330_000)).toEqual({ ok: true })
    expect(signStandardWebhook(auth.secret, headers['webhook-id'], 1614265330, '{"test": 2432232314}')).toEqual(headers)
  })

  it('accepts the Slack v0 vector', () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c'
    const headers = {
      'X-Slack-Signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
      'X-Slack-Request-Timestamp': '1531420618',
    }
    expect(verifyWebhookAuth({ scheme: 'slack', secret: '8f742231b10e8888abcd99yyyzzz85a5' }, req(headers, body), 1531420618_000)).toEqual({
      ok: true,
    })
  })

  it('accepts the HubSpot v3 vector, with the URL from publicBaseUrl or from the Host header', () => {
    const secret = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy'
    const body = "{'example_field':'example_value'}"
    const headers = {
      'x-hubspot-signature-v3': 'K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y=',
      'x-hubspot-request-timestamp': '1693657560000',
    }
    const now = 1693657560000 + 1000
    expect(
      verifyWebhookAuth(
        { scheme: 'hubspot-v3', secret, publicBaseUrl: 'https://www.example.com/' },
        req(headers, body, '/webhook_uri'),
        now,
      ),
    ).toEqual({
      ok: true,
    })
    expect(
      verifyWebhookAuth({ scheme: 'hubspot-v3', secret }, req({ ...headers, host: 'www.example.com' }, body, '/webhook_uri'), now),
    ).toEqual({ ok: true })
    // Plain http behind a TLS-terminating proxy: the forwarded scheme is what HubSpot signed.
    const viaProxy = { ...headers, host: '10.0.0.5:4280', 'x-forwarded-host': 'www.example.com', 'x-forwarded-proto': 'https' }
    expect(verifyWebhookAuth({ scheme: 'hubspot-v3', secret }, req(viaProxy, body, '/webhook_uri'), now).ok).toBe(true)
    const wrongHost = verifyWebhookAuth(
      { scheme: 'hubspot-v3', secret },
      req({ ...headers, host: '10.0.0.5:4280' }, body, '/webhook_uri'),
      now,
    )
    expect(wrongHost).toEqual({ ok: false, reason: expect.stringContaining('https://10.0.0.5:4280/webhook_uri') })
  })
})

describe('HubSpot v3 details', () => {
  const secret = 'client-secret'
  const auth: WebhookAuth = { scheme: 'hubspot-v3', secret, publicBaseUrl: 'https://hooks.acme.test' }

  it('reads the timestamp header as milliseconds', () => {
    const at = 1_700_000_000_000
    const h = signWebhookRequest(auth, { body: '[]', url: '/hooks/crm' }, at)
    expect(h['x-hubspot-request-timestamp']).toBe(String(at))
    expect(verifyWebhookAuth(auth, req(h, '[]', '/hooks/crm'), at + 299_000).ok).toBe(true)
    expect(verifyWebhookAuth(auth, req(h, '[]', '/hooks/crm'), at + 301_000)).toEqual({
      ok: false,
      reason: expect.stringContaining('301 s old'),
    })
  })

  it('signs the URI with the escapes HubSpot decodes, keeping others encoded', () => {
    const at = 1_700_000_000_000
    const url = '/hooks/crm?return=https%3A%2F%2Fx.test%2Fa%20b'
    const h = signWebhookRequest(auth, { body: '[]', url }, at)
    expect(verifyWebhookAuth(auth, req(h, '[]', url), at).ok).toBe(true)
    expect(verifyWebhookAuth(auth, req(h, '[]', '/hooks/crm?return=other'), at).ok).toBe(false)
    expect(verifyWebhookAuth(auth, req(h, '[]', url, 'PUT'), at).ok).toBe(false)
  })
})

const NOW = 1_750_000_000_000
const sample: Array<[string, WebhookAuth, WebhookAuth]> = [
  ['header', { header: 'x-webhook-secret', secret: 'new-secret' }, { header: 'x-webhook-secret', secret: 'old-secret' }],
  ['hmac-sha256', { scheme: 'hmac-sha256', header: 'x-sig', secret: 'k2' }, { scheme: 'hmac-sha256', header: 'x-sig', secret: 'k1' }],
  [
    'standard-webhooks',
    { scheme: 'standard-webhooks', secret: 'whsec_' + Buffer.from('second-key-32-bytes-long-enough!').toString('base64') },
    { scheme: 'standard-webhooks', secret: 'whsec_' + Buffer.from('first-key-32-bytes-long-enough!!').toString('base64') },
  ],
  ['slack', { scheme: 'slack', secret: 's2' }, { scheme: 'slack', secret: 's1' }],
  [
    'hubspot-v3',
    { scheme: 'hubspot-v3', secret: 'h2', publicBaseUrl: 'https://p.test' },
    { scheme: 'hubspot-v3', secret: 'h1', publicBaseUrl: 'https://p.test' },
  ],
  ['bearer', { scheme: 'bearer', token: 't2' }, { scheme: 'bearer', token: 't1' }],
  ['basic', { scheme: 'basic', username: 'u', password: 'p2' }, { scheme: 'basic', username: 'u', password: 'p1' }],
]

function withSecrets(a: WebhookAuth, b: WebhookAuth): WebhookAuth {
  const field = 'secret' in a ? 'secret' : 'token' in a ? 'token' : 'password'
  return { ...a, [field]: [(a as any)[field], (b as any)[field]] } as WebhookAuth
}

describe.each(sample)('%s', (_name, current, previous) => {
  const body = '{"email":"ada@example.com"}'
  const signed = (auth: WebhookAuth, at = NOW) => req(signWebhookRequest(auth, { body, url: '/hooks/x' }, at), body)

  it('accepts a request signed with the configured secret', () => {
    expect(verifyWebhookAuth(current, signed(current), NOW)).toEqual({ ok: true })
  })

  it('rejects a request signed with another secret, without echoing either', () => {
    const r = verifyWebhookAuth(current, signed(previous), NOW)
    expect(r.ok).toBe(false)
    const reason = (r as { reason: string }).reason
    for (const v of [
      ...Object.values(signWebhookRequest(current, { body }, NOW)),
      ...Object.values(signWebhookRequest(previous, { body }, NOW)),
    ]) {
      if (v.length > 3) expect(reason).not.toContain(v)
    }
    for (const s of ['new-secret', 'old-secret', 'k1', 'k2', 's1', 's2', 'h1', 'h2', 't1', 't2', 'p1', 'p2'])
      expect(reason.split(/\W/)).not.toContain(s)
  })

  it('accepts both the old and the new secret during rotation', () => {
    const both = withSecrets(current, previous)
    expect(verifyWebhookAuth(both, signed(current), NOW).ok).toBe(true)
    expect(verifyWebhookAuth(both, signed(previous), NOW).ok).toBe(true)
  })

  it('rejects a request with no auth headers', () => {
    expect(verifyWebhookAuth(current, req({}, body), NOW)).toMatchObject({ ok: false, reason: expect.stringMatching(/missing header/) })
  })
})

describe.each(sample.filter(([n]) => ['standard-webhooks', 'slack', 'hubspot-v3'].includes(n)))('%s timestamps', (_n, auth) => {
  const body = '{}'
  const at = (signedAt: number, now: number) =>
    verifyWebhookAuth(auth, req(signWebhookRequest(auth, { body, url: '/hooks/x' }, signedAt), body), now)

  it('accepts up to five minutes of skew either way', () => {
    expect(at(NOW, NOW + 299_000).ok).toBe(true)
    expect(at(NOW, NOW - 299_000).ok).toBe(true)
  })

  it('rejects a replayed old request and one from the future', () => {
    expect(at(NOW, NOW + 301_000)).toMatchObject({ ok: false, reason: expect.stringMatching(/old; tolerance is 300 s/) })
    expect(at(NOW, NOW - 301_000)).toMatchObject({ ok: false, reason: expect.stringMatching(/in the future/) })
  })
})

describe('hmac-sha256 options', () => {
  const body = Buffer.from('{"a":1}')
  it('supports a prefix and base64 encoding', () => {
    const auth: WebhookAuth = { scheme: 'hmac-sha256', header: 'X-Hub-Signature-256', secret: 'k', prefix: 'sha256=', encoding: 'base64' }
    const h = signHmacSha256('k', body, auth)
    expect(h['x-hub-signature-256']).toMatch(/^sha256=[A-Za-z0-9+/]+=*$/)
    expect(verifyWebhookAuth(auth, req(h, body), NOW).ok).toBe(true)
    const noPrefix = { 'x-hub-signature-256': h['x-hub-signature-256']!.slice(7) }
    expect(verifyWebhookAuth(auth, req(noPrefix, body), NOW)).toEqual({
      ok: false,
      reason: 'header x-hub-signature-256 does not start with "sha256="',
    })
  })

  it('accepts upper-case hex and rejects a truncated signature', () => {
    const auth: WebhookAuth = { scheme: 'hmac-sha256', header: 'x-sig', secret: 'k' }
    const sig = signHmacSha256('k', body, auth)['x-sig']!
    expect(verifyWebhookAuth(auth, req({ 'x-sig': sig.toUpperCase() }, body), NOW).ok).toBe(true)
    expect(verifyWebhookAuth(auth, req({ 'x-sig': sig.slice(0, 32) }, body), NOW).ok).toBe(false)
    expect(verifyWebhookAuth(auth, req({ 'x-sig': sig.slice(0, 63) }, body), NOW)).toEqual({
      ok: false,
      reason: 'header x-sig is not a hex signature',
    })
  })
})

describe('standard webhooks header list', () => {
  it('accepts when any v1 entry matches and ignores other versions', () => {
    const secret = 'whsec_' + Buffer.from('k'.repeat(32)).toString('base64')
    const good = signStandardWebhook(secret, 'msg_1', NOW / 1000, '{}')
    const headers = { ...good, 'webhook-signature': `v1a,AAAA v1,${Buffer.alloc(32).toString('base64')} ${good['webhook-signature']}` }
    expect(verifyWebhookAuth({ scheme: 'standard-webhooks', secret }, req(headers, '{}'), NOW).ok).toBe(true)
  })

  it('rejects a signature replayed under another message id', () => {
    const secret = 'whsec_' + Buffer.from('k'.repeat(32)).toString('base64')
    const good = signStandardWebhook(secret, 'msg_1', NOW / 1000, '{}')
    expect(verifyWebhookAuth({ scheme: 'standard-webhooks', secret }, req({ ...good, 'webhook-id': 'msg_2' }, '{}'), NOW).ok).toBe(false)
  })
})

describe('basic and bearer', () => {
  it('rejects the right password with the wrong username', () => {
    const r = verifyWebhookAuth({ scheme: 'basic', username: 'zapier', password: 'pw' }, req(signBasic('other', 'pw')), NOW)
    expect(r.ok).toBe(false)
  })

  it('treats the Bearer keyword case-insensitively but requires it', () => {
    const auth: WebhookAuth = { scheme: 'bearer', token: 'tok' }
    expect(verifyWebhookAuth(auth, req({ authorization: 'bearer tok' }), NOW).ok).toBe(true)
    expect(verifyWebhookAuth(auth, req({ authorization: 'tok' }), NOW).ok).toBe(false)
  })

  it('refuses an auth header sent twice', () => {
    const r = verifyWebhookAuth({ header: 'x-token', secret: 'a' }, req({ 'x-token': ['a', 'b'] }), NOW)
    expect(r).toEqual({ ok: false, reason: 'header x-token was sent 2 times' })
  })
})
