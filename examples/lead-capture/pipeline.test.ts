import { createTestHub, runPipeline, type TestHub } from 'pipewright/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { capture, enriched } from './pipeline.js'

let t: TestHub
beforeAll(async () => {
  t = await createTestHub({ pipelines: [capture, enriched], sandbox: ['clay', 'airtable', 'slack', 'smtp'] })
})
afterAll(() => t.close())

describe('recipe: lead capture (form → Clay → callback → Airtable → Slack + e-mail)', () => {
  it('sends a valid form lead to Clay and drops an invalid one', async () => {
    const ok = await runPipeline(t, 'lead-capture', { email: ' Grace@Hopper.dev ', name: 'Grace Hopper' })
    expect(ok.run.status).toBe('succeeded')
    const bad = await runPipeline(t, 'lead-capture', { email: 'nope', name: 'X' })
    expect(bad.run.status).toBe('filtered')
    const rows = t.effects('clay').filter((r) => r.method === 'POST')
    expect(rows.map((r) => r.body)).toEqual([{ email: 'grace@hopper.dev', name: 'Grace Hopper', domain: 'hopper.dev' }])
  })

  it('stores the enriched lead in Airtable, posts to Slack and sends one welcome e-mail', async () => {
    const { run } = await runPipeline(t, 'lead-enriched', {
      email: 'grace@hopper.dev',
      name: 'Grace Hopper',
      company: 'Hopper Labs',
      title: 'CTO',
      employees: '40',
    })
    expect(run.status).toBe('succeeded')
    const records = (t.sandbox!.emulators.airtable as any).records('appLeads', 'Leads')
    expect(records.map((r: any) => r.fields)).toMatchObject([
      { Email: 'grace@hopper.dev', Name: 'Grace Hopper', Company: 'Hopper Labs', Title: 'CTO', Employees: 40 },
    ])
    expect(t.effects('slack').map((r) => (r.body as any).text)).toEqual(['New lead: Grace Hopper <grace@hopper.dev> at Hopper Labs'])
    const mail = (t.sandbox!.emulators.smtp as any).messages()
    expect(mail).toHaveLength(1)
    expect(mail[0]).toMatchObject({ to: ['grace@hopper.dev'], subject: 'Welcome to Acme' })
    expect(mail[0].text).toContain('Hi Grace,')
  })
})
