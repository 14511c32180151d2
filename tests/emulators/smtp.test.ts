import nodemailer from 'nodemailer'
import { afterEach, describe, expect, it } from 'vitest'
import { smtpEmulator } from '../../src/connectors/email/emulator.js'

let emu: ReturnType<typeof smtpEmulator> | null = null
afterEach(async () => {
  await emu?.close()
  emu = null
})

async function start(options: Parameters<typeof smtpEmulator>[0] = {}) {
  emu = smtpEmulator(options)
  const url = await emu.listen()
  return { emu, url }
}

describe('SMTP emulator through nodemailer', () => {
  it('receives a message with its envelope, headers, text and HTML parts and the raw source', async () => {
    const { emu, url } = await start()
    expect(url).toMatch(/^smtp:\/\/127\.0\.0\.1:\d+$/)
    const t = nodemailer.createTransport(url)
    await t.sendMail({
      from: 'Ops <ops@example.com>',
      to: 'ann@acme.com',
      cc: 'bob@acme.com',
      subject: 'Héllo — new lead',
      text: 'Plain body ✓',
      html: '<p>HTML <b>body</b> ✓</p>',
    })
    t.close()
    const [m] = emu.messages()
    expect(m.from).toBe('ops@example.com')
    expect(m.to).toEqual(['ann@acme.com', 'bob@acme.com'])
    expect(m.subject).toBe('Héllo — new lead')
    expect(m.headers.from).toBe('Ops <ops@example.com>')
    expect(m.headers.cc).toBe('bob@acme.com')
    expect(m.headers['content-type']).toMatch(/^multipart\/alternative/)
    expect(m.text).toBe('Plain body ✓')
    expect(m.html).toBe('<p>HTML <b>body</b> ✓</p>')
    expect(m.raw).toContain('Subject: =?UTF-8?')
  })

  it('decodes a long quoted-printable text part', async () => {
    const { emu, url } = await start()
    const t = nodemailer.createTransport(url)
    const long = `${'ünïcode '.repeat(40)}end`
    await t.sendMail({ from: 'a@x.co', to: 'b@x.co', subject: 's', text: long })
    t.close()
    expect(emu.messages()[0].text).toBe(long)
  })

  it('refuses bad credentials with 535 and unknown recipients with 550', async () => {
    const { url } = await start({ users: { ops: 'secret' }, rejectRecipients: ['nobody@acme.com'] })
    const hostPort = url.slice('smtp://'.length)
    const bad = nodemailer.createTransport(`smtp://ops:wrong@${hostPort}`)
    await expect(bad.sendMail({ from: 'a@x.co', to: 'b@x.co', subject: 's', text: 't' })).rejects.toMatchObject({
      code: 'EAUTH',
      responseCode: 535,
    })
    bad.close()
    const good = nodemailer.createTransport(`smtp://ops:secret@${hostPort}`)
    await expect(good.sendMail({ from: 'a@x.co', to: 'nobody@acme.com', subject: 's', text: 't' })).rejects.toMatchObject({
      code: 'EENVELOPE',
      responseCode: 550,
    })
    good.close()
  })

  it('answers 421 during a 429 storm and 451 for injected errors', async () => {
    const { emu, url } = await start()
    const t = nodemailer.createTransport(url)
    emu.faults.set({ rateLimitStorm: {} })
    await expect(t.sendMail({ from: 'a@x.co', to: 'b@x.co', subject: 's', text: 't' })).rejects.toMatchObject({ responseCode: 421 })
    emu.faults.replace({ errorRate: 1 })
    await expect(t.sendMail({ from: 'a@x.co', to: 'b@x.co', subject: 's', text: 't' })).rejects.toMatchObject({ responseCode: 451 })
    t.close()
    expect(emu.messages()).toHaveLength(0)
  })
})
