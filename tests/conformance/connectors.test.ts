import { expect } from 'vitest'
import { clayConnector } from '../../src/connectors/clay/connector.js'
import { clayEmulator } from '../../src/connectors/clay/emulator.js'
import { hubspotConnector } from '../../src/connectors/hubspot/connector.js'
import { hubspotEmulator } from '../../src/connectors/hubspot/emulator.js'
import { slackConnector } from '../../src/connectors/slack/connector.js'
import { slackEmulator } from '../../src/connectors/slack/emulator.js'
import { connectorSuite } from './connector-suite.js'

connectorSuite({
  name: 'hubspot',
  connector: hubspotConnector,
  startEmulator: async () => {
    const emulator = hubspotEmulator({ searchLagMs: 0, tokens: ['pat-good'] })
    return { emulator, connection: { token: 'pat-good', baseUrl: await emulator.listen() } }
  },
  cases: {
    ok: {
      action: 'companies.upsert',
      input: { matchOn: 'domain', properties: { domain: 'acme.com', name: 'Acme' } },
      check: (out) => expect(out).toMatchObject({ created: true, id: expect.stringMatching(/^\d+$/) }),
    },
    // HubSpot sends no Retry-After: the ten-secondly window (10 s) is the wait.
    rateLimited: { action: 'contacts.upsert', input: { properties: { email: 'a@b.co' } }, waitMs: 10_000 },
    permanent: {
      action: 'contacts.upsert',
      input: { properties: { email: 'a@b.co' } },
      connection: (c) => ({ ...c, token: 'pat-bad' }),
      providerCode: 'INVALID_AUTHENTICATION',
    },
  },
})

connectorSuite({
  name: 'slack',
  connector: slackConnector,
  startEmulator: async () => {
    const emulator = slackEmulator({ tokens: ['xoxb-good'], channels: ['leads'] })
    return { emulator, connection: { token: 'xoxb-good', baseUrl: await emulator.listen() } }
  },
  cases: {
    ok: {
      action: 'postMessage',
      input: { channel: '#leads', text: 'hi' },
      check: (out) => expect(out).toMatchObject({ ts: expect.any(String) }),
    },
    rateLimited: { action: 'postMessage', input: { channel: '#leads', text: 'hi' }, waitMs: 2000 },
    permanent: { action: 'postMessage', input: { channel: '#nowhere', text: 'hi' }, providerCode: 'channel_not_found' },
  },
})

connectorSuite({
  name: 'slack webhook',
  connector: slackConnector,
  startEmulator: async () => {
    const emulator = slackEmulator()
    return { emulator, connection: { webhookUrl: `${await emulator.listen()}/services/T1/B1/secret` } }
  },
  cases: {
    ok: { action: 'webhook', input: { text: 'hi' }, check: (_out, e) => expect(e.requests()).toHaveLength(1) },
    rateLimited: { action: 'webhook', input: { text: 'hi' }, waitMs: 3000 },
    permanent: { action: 'webhook', input: {}, providerCode: 'no_text' },
  },
})

connectorSuite({
  name: 'clay',
  connector: clayConnector,
  startEmulator: async () => {
    const emulator = clayEmulator({ token: 'tok' })
    const url = await emulator.listen()
    return { emulator, connection: { webhookUrls: [`${url}/v3/sources/webhook/wh_1`], token: 'tok' } }
  },
  cases: {
    ok: { action: 'sendRow', input: { row: { email: 'a@b.co' } }, check: (out) => expect(out).toEqual({ webhook: 0, submissions: 1 }) },
    rateLimited: { action: 'sendRow', input: { row: { a: 1 } }, waitMs: 2000 },
    permanent: { action: 'sendRow', input: { row: { a: 1 } }, connection: (c) => ({ ...c, token: 'wrong' }), providerCode: 'UNAUTHORIZED' },
  },
})
