import { createTestHub, runPipeline, type TestHub } from 'pipewright/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pipeline, { lastWeek } from './pipeline.js'

const lead = (Created: string, Name: string, Source: string) => ({ Created, Name, Email: `${Name.toLowerCase()}@x.co`, Source })

let t: TestHub
beforeAll(async () => {
  t = await createTestHub({
    pipelines: [pipeline],
    sandbox: ['airtable', 'smtp'],
    sandboxOptions: {
      airtable: {
        bases: {
          appLeads: {
            Leads: {
              records: [
                lead('2026-03-01', 'Old', 'ads'),
                lead('2026-03-02', 'Ada', 'form'),
                lead('2026-03-05', 'Bo', 'ads'),
                lead('2026-03-08', 'Cy', 'form'),
                lead('2026-03-09', 'New', 'form'),
              ],
            },
          },
        },
      },
    },
  })
})
afterAll(() => t.close())

describe('recipe: weekly report', () => {
  it('computes last week as Monday to Monday, whatever the weekday', () => {
    expect(lastWeek(Date.UTC(2026, 2, 9, 8))).toEqual({ since: '2026-03-02', until: '2026-03-09' })
    expect(lastWeek(Date.UTC(2026, 2, 15, 23))).toEqual({ since: '2026-03-02', until: '2026-03-09' })
  })

  it("e-mails a summary of exactly last week's leads", async () => {
    const { run, steps } = await runPipeline(t, 'weekly-report', { now: Date.UTC(2026, 2, 9, 8) })
    expect(run.status).toBe('succeeded')
    expect(steps.summary).toMatchObject({ count: 3, subject: 'Leads 2026-03-02 – 2026-03-09: 3' })
    const mail = (t.sandbox!.emulators.smtp as any).messages()
    expect(mail).toHaveLength(1)
    expect(mail[0].to).toEqual(['sales@acme.test'])
    expect(mail[0].text).toContain('3 new leads (form: 2, ads: 1)')
    expect(mail[0].text).toContain('- 2026-03-02  Ada <ada@x.co>')
    expect(mail[0].text).not.toContain('Old')
    expect(mail[0].text).not.toContain('New <')
  })
})
