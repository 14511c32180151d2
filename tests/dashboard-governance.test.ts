/**
 * Pause and resume from the dashboard's Pipelines page, in the system Chromium: the pipeline's
 * events are still stored while paused (its runs wait), Resume runs them, and both actions are
 * in the audit log.
 */
import { describe, expect, it } from 'vitest'
import { dashboardHarness, hasChromium } from './helpers/dashboard.js'
import { eventually } from './helpers/engine.js'

const d = dashboardHarness()

describe.skipIf(!hasChromium)('dashboard: pause and resume', () => {
  it('pauses a pipeline from its card, keeps its events, and resumes it', async () => {
    const { url } = await d.start()
    const page = d.page
    await page.goto(`${url}/#/pipelines`)
    const card = page.locator('article[data-pipeline="crm-leads"]')
    await card.locator('button', { hasText: 'Pause' }).click()
    await page.locator('#notice', { hasText: 'Paused crm-leads: events are stored, runs wait.' }).waitFor()
    expect(d.dialogs).toEqual(['Pause crm-leads? Its events are still accepted and stored; its runs wait until you resume it.'])
    await card.locator('.paused-note', { hasText: 'Paused by local' }).waitFor()
    expect(d.hub.isPaused('crm-leads')).toBe(true)

    const [waiting] = await d.hub.ingest('crm-leads', [{ payload: { email: 'cy@acme.com' } }])
    // The run is taken (leased at intake, as every run this process will execute) and handed
    // back at once because the pipeline is paused: it waits, queued, and does not run.
    await eventually(async () => (await d.store.getRun(waiting!.runId))?.status === 'queued', 15_000)
    expect(await d.store.getSteps(waiting!.runId)).toEqual([])

    await card.locator('button', { hasText: 'Resume' }).click()
    await page.locator('#notice', { hasText: 'Resumed crm-leads: the runs that waited start.' }).waitFor()
    await eventually(async () => (await d.store.getRun(waiting!.runId))?.status === 'succeeded', 15_000)
    await card.locator('button', { hasText: 'Pause' }).waitFor()
    expect(await card.locator('.paused-note').count()).toBe(0)
    expect((await d.store.audit.list()).map((e) => [e.actor, e.action, e.target])).toEqual([
      ['local', 'resume', 'pipeline:crm-leads'],
      ['local', 'pause', 'pipeline:crm-leads'],
    ])
    expect(d.pageErrors).toEqual([])
  })
})
