import { afterEach, describe, expect, it } from 'vitest'
import { ga4Emulator } from '../../src/connectors/ga4/emulator.js'

// Google publishes no Measurement Protocol SDK; these tests speak HTTP as gtag servers do.
let emu: ReturnType<typeof ga4Emulator> | null = null
afterEach(async () => {
  await emu?.close()
  emu = null
})

async function start(options: Parameters<typeof ga4Emulator>[0] = {}) {
  emu = ga4Emulator(options)
  const url = await emu.listen()
  const post = (path: string, body: unknown, id = 'G-TEST', secret = 's3cret') =>
    fetch(`${url}${path}?measurement_id=${id}&api_secret=${secret}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
  return { emu, post }
}

describe('GA4 Measurement Protocol emulator', () => {
  it('answers /mp/collect with 204 and keeps valid events', async () => {
    const { emu, post } = await start()
    const res = await post('/mp/collect', { client_id: '123.456', events: [{ name: 'generate_lead', params: { value: 3 } }] })
    expect(res.status).toBe(204)
    expect(await res.text()).toBe('')
    expect(emu.events()).toEqual([{ name: 'generate_lead', params: { value: 3 }, clientId: '123.456' }])
  })

  it('answers 204 even for malformed payloads and unknown secrets, like Google, but does not keep them', async () => {
    const { emu, post } = await start({ streams: { 'G-TEST': 's3cret' } })
    expect((await post('/mp/collect', 'not json')).status).toBe(204)
    expect((await post('/mp/collect', { client_id: 'c', events: [{ name: 'ok_event' }] }, 'G-TEST', 'wrong')).status).toBe(204)
    expect((await post('/mp/collect', { client_id: 'c', events: [{ name: '1bad' }] })).status).toBe(204)
    expect(emu.events()).toEqual([])
    expect(emu.state.rejected).toHaveLength(3)
  })

  it('lists validation messages on /debug/mp/collect with field paths and codes', async () => {
    const { post } = await start()
    const res = await post('/debug/mp/collect', {
      client_id: 'c',
      events: [
        { name: 'google_thing' },
        { name: 'session_start' },
        { name: 'x'.repeat(41) },
        { name: 'ok', params: { note: 'y'.repeat(101), 'bad-name': 1 } },
      ],
    })
    expect(res.status).toBe(200)
    const { validationMessages } = (await res.json()) as { validationMessages: Array<{ fieldPath: string; validationCode: string }> }
    expect(validationMessages.map((m) => [m.fieldPath, m.validationCode])).toEqual([
      ['events[0].name', 'NAME_RESERVED'],
      ['events[1].name', 'NAME_RESERVED'],
      ['events[2].name', 'VALUE_OUT_OF_BOUNDS'],
      ['events[3].params.bad-name', 'NAME_INVALID'],
      ['events[3].params.note', 'VALUE_OUT_OF_BOUNDS'],
    ])
  })

  it('accepts a valid payload on /debug/mp/collect with no messages', async () => {
    const { post } = await start()
    const res = await post('/debug/mp/collect', { client_id: 'c', events: [{ name: 'purchase', params: { value: 10, currency: 'EUR' } }] })
    expect(await res.json()).toEqual({ validationMessages: [] })
  })
})
