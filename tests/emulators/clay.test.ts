import { request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { clayEmulator } from '../../src/connectors/clay/emulator.js'

let emu: ReturnType<typeof clayEmulator> | null = null
afterEach(async () => {
  await emu?.close()
  emu = null
})

const post = (url: string, body: unknown, token?: string) =>
  request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { 'x-clay-webhook-auth': token } : {}) },
    body: JSON.stringify(body),
  })

describe('Clay table webhook emulator', () => {
  it('accepts one row per request and keeps the rows for inspection', async () => {
    emu = clayEmulator()
    await emu.listen()
    const r = await post(emu.webhookUrl('wh_1'), { email: 'ann@acme.com', company: 'Acme' })
    expect(r.statusCode).toBe(200)
    await post(emu.webhookUrl('wh_2'), { email: 'bob@b.io' })
    expect(emu.rows('wh_1')).toEqual([{ email: 'ann@acme.com', company: 'Acme' }])
    expect(emu.rows().map((x) => x.email)).toEqual(['ann@acme.com', 'bob@b.io'])
  })

  it('requires the x-clay-webhook-auth token when one is configured', async () => {
    emu = clayEmulator({ token: 'sekret' })
    await emu.listen()
    expect((await post(emu.webhookUrl('wh'), { a: 1 })).statusCode).toBe(401)
    expect((await post(emu.webhookUrl('wh'), { a: 1 }, 'wrong')).statusCode).toBe(401)
    expect((await post(emu.webhookUrl('wh'), { a: 1 }, 'sekret')).statusCode).toBe(200)
    expect(emu.rows()).toHaveLength(1)
  })

  it('refuses submissions once a webhook lifetime limit is used while other webhooks keep working', async () => {
    emu = clayEmulator({ submissionLimit: 2 })
    await emu.listen()
    expect((await post(emu.webhookUrl('wh'), { n: 1 })).statusCode).toBe(200)
    expect((await post(emu.webhookUrl('wh'), { n: 2 })).statusCode).toBe(200)
    const third = await post(emu.webhookUrl('wh'), { n: 3 })
    expect(third.statusCode).toBe(429)
    expect(((await third.body.json()) as { message: string }).message).toMatch(/limit of 2 submissions/)
    expect(emu.rows('wh')).toHaveLength(2)
    expect((await post(emu.webhookUrl('other'), { n: 4 })).statusCode).toBe(200)
  })

  it('rejects bodies that are not one JSON object and unknown webhooks when webhooks are configured', async () => {
    emu = clayEmulator({ webhooks: { known: {} } })
    await emu.listen()
    expect((await post(emu.webhookUrl('known'), [{ a: 1 }])).statusCode).toBe(400)
    expect((await post(emu.webhookUrl('unknown'), { a: 1 })).statusCode).toBe(404)
  })
})
