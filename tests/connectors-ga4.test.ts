import { afterEach, describe, expect, it } from 'vitest'
import { ga4Connector } from '../src/connectors/ga4/connector.js'
import { ga4Emulator } from '../src/connectors/ga4/emulator.js'
import { isNonRetryable } from '../src/errors.js'
import { connectorSuite, makeActionContext } from './conformance/connector-suite.js'

connectorSuite({
  name: 'ga4',
  connector: ga4Connector,
  startEmulator: async () => {
    const emulator = ga4Emulator()
    return { emulator, connection: { measurementId: 'G-TEST', apiSecret: 's3cret', baseUrl: await emulator.listen() } }
  },
  cases: {
    ok: {
      action: 'events.send',
      input: { clientId: 'c1', events: [{ name: 'generate_lead' }] },
      check: (out, e) => {
        expect(out).toEqual({ sent: 1, validated: false })
        expect(e.requests()[0].status).toBe(204)
      },
    },
    rateLimited: { action: 'events.send', input: { clientId: 'c1', events: [{ name: 'generate_lead' }] }, waitMs: 1000 },
    // Google's collect endpoint never refuses; the permanent case is the debug endpoint's verdict.
    permanent: {
      action: 'events.send',
      input: { clientId: 'c1', validate: true, events: [{ name: 'ok', params: { note: 'y'.repeat(101) } }] },
      providerCode: 'VALUE_OUT_OF_BOUNDS',
    },
  },
})

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()))
})

async function setup(connection: Record<string, unknown> = {}) {
  const emu = ga4Emulator()
  open.push(emu)
  const conn = ga4Connector.connection.parse({ measurementId: 'G-TEST', apiSecret: 's3cret', baseUrl: await emu.listen(), ...connection })
  const a = ga4Connector.actions['events.send']
  const send = (input: unknown) => a.run(a.input?.parse(input), makeActionContext(conn, 'ga4.events.send'))
  return { emu, send }
}

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e) => e,
  )

describe('ga4 events.send', () => {
  it('sends events with measurement id and secret as query parameters', async () => {
    const { emu, send } = await setup()
    await send({ clientId: 'c1', userId: 'u1', events: [{ name: 'generate_lead', params: { value: 5, source: 'clay' } }] })
    const r = emu.requests()[0]
    expect(r.path).toBe('/mp/collect')
    expect(r.query).toMatchObject({ measurement_id: 'G-TEST', api_secret: 's3cret' })
    expect(emu.events()).toEqual([{ name: 'generate_lead', params: { value: 5, source: 'clay' }, clientId: 'c1' }])
  })

  it.each([
    [
      'more than 25 events',
      { clientId: 'c', events: Array.from({ length: 26 }, () => ({ name: 'e' })) },
      'events',
      'EXCEEDED_MAX_ENTITIES',
    ],
    ['a name starting with a digit', { clientId: 'c', events: [{ name: '9lives' }] }, 'events[0].name', 'NAME_INVALID'],
    ['a name with a hyphen', { clientId: 'c', events: [{ name: 'sign-up' }] }, 'events[0].name', 'NAME_INVALID'],
    ['a name over 40 characters', { clientId: 'c', events: [{ name: 'a'.repeat(41) }] }, 'events[0].name', 'VALUE_OUT_OF_BOUNDS'],
    ['a reserved name', { clientId: 'c', events: [{ name: 'first_visit' }] }, 'events[0].name', 'NAME_RESERVED'],
    ['the google_ prefix', { clientId: 'c', events: [{ name: 'google_x' }] }, 'events[0].name', 'NAME_RESERVED'],
    ['the ga_ prefix', { clientId: 'c', events: [{ name: 'ga_x' }] }, 'events[0].name', 'NAME_RESERVED'],
    ['the firebase_ prefix', { clientId: 'c', events: [{ name: 'firebase_x' }] }, 'events[0].name', 'NAME_RESERVED'],
    [
      'more than 25 params',
      { clientId: 'c', events: [{ name: 'e', params: Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`p${i}`, i])) }] },
      'events[0].params',
      'EXCEEDED_MAX_ENTITIES',
    ],
  ])('refuses %s before sending, naming the field', async (_name, input, field, code) => {
    const { emu, send } = await setup()
    const e = await rejection(send(input))
    expect(isNonRetryable(e)).toBe(true)
    expect(e.providerCode).toBe(code)
    expect(e.message).toContain(`${field}:`)
    expect(emu.requests()).toHaveLength(0)
  })

  it('in validation mode, turns debug validationMessages into a NonRetryableError naming the field and sends nothing', async () => {
    const { emu, send } = await setup({ validate: true })
    const e = await rejection(send({ clientId: 'c', events: [{ name: 'ok', params: { note: 'n'.repeat(150) } }] }))
    expect(isNonRetryable(e)).toBe(true)
    expect(e.message).toContain('events[0].params.note')
    expect(emu.requests().map((r) => r.path)).toEqual(['/debug/mp/collect'])
  })

  it('in validation mode, sends a valid payload after the debug check', async () => {
    const { emu, send } = await setup({ validate: true })
    await expect(send({ clientId: 'c', events: [{ name: 'ok' }] })).resolves.toEqual({ sent: 1, validated: true })
    expect(emu.requests().map((r) => r.path)).toEqual(['/debug/mp/collect', '/mp/collect'])
  })
})
