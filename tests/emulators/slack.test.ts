import { ErrorCode, WebClient } from '@slack/web-api'
import { IncomingWebhook } from '@slack/webhook'
import { afterEach, describe, expect, it } from 'vitest'
import { slackEmulator } from '../../src/connectors/slack/emulator.js'

let emu: ReturnType<typeof slackEmulator> | null = null
afterEach(async () => {
  await emu?.close()
  emu = null
})

async function start(options: Parameters<typeof slackEmulator>[0] = {}) {
  emu = slackEmulator(options)
  const url = await emu.listen()
  const web = (token = 'xoxb-good') =>
    new WebClient(token, { slackApiUrl: `${url}/api/`, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true })
  const hook = (path = 'T000SANDBOX/B000SANDBOX/abcdef') => new IncomingWebhook(`${url}/services/${path}`)
  return { emu, url, web, hook }
}

async function thrown(p: Promise<unknown>): Promise<Record<string, any>> {
  try {
    await p
  } catch (e) {
    return e as Record<string, any>
  }
  throw new Error('expected a rejection')
}

describe('Slack Web API emulator through @slack/web-api', () => {
  it('posts a message with text and blocks and answers like chat.postMessage', async () => {
    const { web, emu } = await start({ channels: ['#high-intent'] })
    const res = await web().chat.postMessage({
      channel: '#high-intent',
      text: 'Hot lead',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*Hot*' } }],
    })
    expect(res.ok).toBe(true)
    expect(res.channel).toMatch(/^C[A-Z0-9]+$/)
    expect(res.ts).toMatch(/^\d+\.\d{6}$/)
    expect(res.message?.text).toBe('Hot lead')
    expect(emu.state.messages).toHaveLength(1)
    expect(emu.state.messages[0].blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: '*Hot*' } }])
  })

  it('answers auth.test for a valid token', async () => {
    const { web } = await start()
    const res = await web().auth.test()
    expect(res).toMatchObject({ ok: true, team_id: 'T0SANDBOX' })
  })

  it('surfaces HTTP-200 errors as the SDK platform error: invalid_auth, channel_not_found, no_text', async () => {
    const { web } = await start({ tokens: ['xoxb-good'], channels: ['general'] })
    const auth = await thrown(web('xoxb-bad').chat.postMessage({ channel: 'general', text: 'x' }))
    expect(auth.code).toBe(ErrorCode.PlatformError)
    expect(auth.data.error).toBe('invalid_auth')
    const chan = await thrown(web().chat.postMessage({ channel: '#nope', text: 'x' }))
    expect(chan.data).toMatchObject({ ok: false, error: 'channel_not_found' })
    const empty = await thrown(web().chat.postMessage({ channel: 'general', text: '' }))
    expect(empty.data.error).toBe('no_text')
  })

  it('answers a missing token with not_authed', async () => {
    const { url } = await start()
    const res = await fetch(`${url}/api/chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'x', text: 'y' }),
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: false, error: 'not_authed' })
  })

  it('rate-limits one channel at about one message a second with 429 ratelimited and Retry-After', async () => {
    const { web } = await start({ burst: 1 })
    await web().chat.postMessage({ channel: 'a', text: '1' })
    await web().chat.postMessage({ channel: 'b', text: 'other channel is fine' })
    const err = await thrown(web().chat.postMessage({ channel: 'a', text: '2' }))
    expect(err.code).toBe(ErrorCode.RateLimitedError)
    expect(err.retryAfter).toBe(1)
  })

  it('surfaces injected 5xx as the SDK HTTP error', async () => {
    const { web, emu } = await start()
    emu.faults.set({ errorRate: 1, errorStatus: 503 })
    const err = await thrown(web().chat.postMessage({ channel: 'a', text: 'x' }))
    expect(err.code).toBe(ErrorCode.HTTPError)
    expect(err.statusCode).toBe(503)
  })
})

describe('Slack incoming webhook emulator through @slack/webhook', () => {
  it('accepts a message and answers ok', async () => {
    const { hook, emu } = await start()
    const res = await hook().send({ text: 'New lead' })
    expect(res.text).toBe('ok')
    expect(emu.state.messages[0]).toMatchObject({ text: 'New lead', via: 'webhook' })
  })

  it('answers plain-text errors: no_text, channel_not_found, no_service', async () => {
    const { hook } = await start({ channels: ['general'], webhooks: ['T000SANDBOX/B000SANDBOX/abcdef'] })
    const noText = await thrown(hook().send({}))
    expect(noText.code).toBe('slack_webhook_http_error')
    expect(noText.statusCode).toBe(400)
    expect(noText.body).toBe('no_text')
    const chan = await thrown(hook().send({ text: 'x', channel: '#nope' }))
    expect(chan.statusCode).toBe(404)
    expect(chan.body).toBe('channel_not_found')
    const unknown = await thrown(hook('T1/B1/zzz').send({ text: 'x' }))
    expect(unknown.body).toBe('no_service')
  })

  it('answers a payload that is not a JSON object with invalid_payload', async () => {
    const { url } = await start()
    const res = await fetch(`${url}/services/T1/B1/x`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '"just a string"',
    })
    expect(res.status).toBe(400)
    expect(await res.text()).toBe('invalid_payload')
  })
})
