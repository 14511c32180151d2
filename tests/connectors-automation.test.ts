import { afterEach, describe, expect, it } from 'vitest'
import { makeConnector, n8nConnector, zapierConnector } from '../src/connectors/automation/connector.js'
import { automationEmulator } from '../src/connectors/automation/emulator.js'
import { make } from '../src/connectors/automation/index.js'
import { isActionInvocation } from '../src/connectors/contract.js'
import { isNonRetryable, retryAfterOf } from '../src/errors.js'
import { connectorSuite, makeActionContext } from './conformance/connector-suite.js'

connectorSuite({
  name: 'make',
  connector: makeConnector,
  startEmulator: async () => {
    const emulator = automationEmulator('make', { apiKey: 'k1' })
    return { emulator, connection: { webhookUrl: `${await emulator.listen()}/abc123`, apiKey: 'k1' } }
  },
  cases: {
    ok: { action: 'trigger', input: { body: { a: 1 } }, check: (out) => expect(out).toEqual({ status: 200, body: 'Accepted' }) },
    rateLimited: { action: 'trigger', input: { body: {} }, waitMs: 2000 },
    permanent: { action: 'trigger', input: { body: {} }, connection: (c) => ({ ...c, apiKey: 'wrong' }), providerCode: 'UNAUTHORIZED' },
  },
})

connectorSuite({
  name: 'n8n',
  connector: n8nConnector,
  startEmulator: async () => {
    const emulator = automationEmulator('n8n', { paths: ['lead'], headerAuth: { name: 'X-Auth', value: 's' } })
    return {
      emulator,
      connection: { webhookUrl: `${await emulator.listen()}/webhook/lead`, auth: { type: 'header', name: 'X-Auth', value: 's' } },
    }
  },
  cases: {
    ok: {
      action: 'trigger',
      input: { body: { a: 1 } },
      check: (out) => expect(out).toEqual({ status: 200, body: { message: 'Workflow was started' } }),
    },
    rateLimited: { action: 'trigger', input: { body: {} }, waitMs: 3000 },
    permanent: {
      action: 'trigger',
      input: { body: {} },
      connection: (c) => ({ ...c, webhookUrl: String(c.webhookUrl).replace('/lead', '/nope') }),
      providerCode: 'WEBHOOK_NOT_REGISTERED',
    },
  },
})

connectorSuite({
  name: 'zapier',
  connector: zapierConnector,
  startEmulator: async () => {
    const emulator = automationEmulator('zapier')
    return { emulator, connection: { webhookUrl: `${await emulator.listen()}/hooks/catch/123/abc/` } }
  },
  cases: {
    ok: {
      action: 'trigger',
      input: { body: { a: 1 } },
      check: (out) => expect(out).toMatchObject({ status: 200, body: { status: 'success' } }),
    },
    rateLimited: { action: 'trigger', input: { body: {} }, waitMs: 4000 },
    permanent: {
      action: 'trigger',
      input: { body: {} },
      connection: (c) => ({ ...c, webhookUrl: String(c.webhookUrl).replace('/hooks/catch/123/abc/', '/hooks/nope') }),
      providerCode: 'HTTP_404',
    },
  },
})

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()))
})
const run = (connector: typeof makeConnector | typeof n8nConnector, conn: Record<string, unknown>, input: unknown) =>
  connector.actions.trigger.run(connector.actions.trigger.input?.parse(input), makeActionContext(connector.connection.parse(conn) as never))
const rejection = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e) => e,
  )

describe('automation webhooks', () => {
  it('Make: sends x-make-apikey and the JSON body; a full queue is retryable after 60 s; a failed scenario is permanent', async () => {
    const emu = automationEmulator('make', { apiKey: 'k1', queueLimit: 1 })
    open.push(emu)
    const conn = { webhookUrl: `${await emu.listen()}/abc`, apiKey: 'k1' }
    await run(makeConnector, conn, { body: { email: 'a@x.co' } })
    expect(emu.received()).toEqual([{ email: 'a@x.co' }])
    expect(emu.requests()[0].headers['x-make-apikey']).toBe('k1')
    const full = await rejection(run(makeConnector, conn, { body: {} }))
    expect(full.name).toBe('RetryAfterError')
    expect(retryAfterOf(full)).toBe(60_000)
    const failing = automationEmulator('make', { failScenario: true })
    open.push(failing)
    const failed = await rejection(run(makeConnector, { webhookUrl: `${await failing.listen()}/abc` }, { body: {} }))
    expect(isNonRetryable(failed)).toBe(true)
    expect(failed.providerCode).toBe('SCENARIO_FAILED')
    const retried = await rejection(
      run(
        makeConnector,
        { webhookUrl: `${failing.url}/abc`, rules: [{ status: 400, body: 'scenario failed', outcome: 'retryable' }] },
        { body: {} },
      ),
    )
    expect(retried.name).toBe('RetryableError')
  })

  it('n8n: basic auth is sent and checked', async () => {
    const emu = automationEmulator('n8n', { basicAuth: { username: 'u', password: 'p' } })
    open.push(emu)
    const url = `${await emu.listen()}/webhook/lead`
    await run(
      n8nConnector,
      { webhookUrl: url, auth: { type: 'basic', username: 'u', password: 'p' } },
      { body: { x: 1 }, query: { source: 'pw' } },
    )
    expect(emu.requests()[0].query).toEqual({ source: 'pw' })
    const wrong = await rejection(
      run(n8nConnector, { webhookUrl: url, auth: { type: 'basic', username: 'u', password: 'no' } }, { body: {} }),
    )
    expect(wrong.providerCode).toBe('UNAUTHORIZED')
  })

  it('baseUrl replaces the origin of the webhook URL', async () => {
    const emu = automationEmulator('zapier')
    open.push(emu)
    await run(
      zapierConnector as never,
      { webhookUrl: 'https://hooks.zapier.com/hooks/catch/1/xyz/', baseUrl: await emu.listen() },
      { body: { ok: true } },
    )
    expect(emu.requests()[0].path).toBe('/hooks/catch/1/xyz/')
  })

  it('typed factories build branded invocations', () => {
    const inv = make.trigger({ body: ({ lead }: { lead: unknown }) => lead })
    expect(isActionInvocation(inv)).toBe(true)
    expect(inv.ref).toBe('make.trigger')
  })
})
