import { createTestHub, runPipeline, type TestHub } from 'pipewright/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import pipeline from './pipeline.js'

let t: TestHub
beforeAll(async () => {
  t = await createTestHub({ pipelines: [pipeline], sandbox: ['hubspot', 'slack'], sandboxOptions: { hubspot: { searchLagMs: 0 } } })
})
afterAll(() => t.close())
beforeEach(() => t.resetSandbox())

// Each test uses its own company: the sandbox is reset between tests, the connector's identity map is not.
const row = (email: string, intent: number, fit: number) => ({
  row_id: `r-${email}-${intent}`,
  intent,
  fit,
  row_data: { email, website: `https://www.${email.split('@')[1]}/about`, company: 'Acme' },
})

describe('recipe: Clay → HubSpot → Slack', () => {
  it('creates the company and the contact, associated, and alerts Slack for a hot lead', async () => {
    const { run, steps } = await runPipeline(t, 'clay-hubspot-slack', row('Ada@Acme.com', 90, 95))
    expect(run.status).toBe('succeeded')
    expect(steps.lead).toEqual({
      email: 'ada@acme.com',
      domain: 'acme.com',
      company: 'Acme',
      firstname: null,
      lastname: null,
      score: 93,
      channel: '#high-intent',
    })
    expect(steps.contact).toMatchObject({ id: expect.any(String) })
    const slackPosts = t.effects('slack').filter((r) => r.path === '/api/chat.postMessage')
    expect(slackPosts.map((r) => (r.body as any).text)).toEqual([
      `Hot lead: ada@acme.com at Acme (score 93, HubSpot company ${(steps.company as any).id})`,
    ])
    expect(slackPosts.map((r) => (r.body as any).channel)).toEqual(['#high-intent'])
  })

  it('updates HubSpot but stays quiet in Slack for a lead scoring 80 or less', async () => {
    const { run, steps } = await runPipeline(t, 'clay-hubspot-slack', row('bo@globex.com', 50, 60))
    expect(run.status).toBe('succeeded')
    expect(steps.hot).toEqual({ branch: null })
    expect(t.effects('slack')).toHaveLength(0)
    expect(t.effects('hubspot').length).toBeGreaterThan(0)
  })

  it('ends filtered, touching nothing, when the row has no valid e-mail', async () => {
    const { run } = await runPipeline(t, 'clay-hubspot-slack', row('not-an-email', 99, 99))
    expect(run.status).toBe('filtered')
    expect(t.effects('hubspot')).toHaveLength(0)
  })
})
