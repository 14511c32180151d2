/**
 * Status in the dashboard, in the system Chromium: the header says how many pipelines, syncs
 * and connections are failing or degraded and links to the Pipelines page, which shows each
 * pipeline's status with the reasons. Run totals are seeded in the store's series, where the
 * runtime's recorder writes them.
 */
import { describe, expect, it } from 'vitest'
import { formatLabels } from '../src/observe/labels.js'
import { SERIES } from '../src/observe/series-recorder.js'
import { dashboardHarness, hasChromium } from './helpers/dashboard.js'

const d = dashboardHarness()

async function runsEnded(pipeline: string, counts: Record<string, number>) {
  const now = Date.now()
  await d.store.series.addSamples(
    Object.entries(counts).map(([status, value]) => ({
      series: SERIES.runs,
      labels: formatLabels({ pipeline, status }),
      minute: now - (now % 60_000),
      value,
    })),
  )
}

describe.skipIf(!hasChromium)('status in the dashboard', () => {
  it('shows the failing count in the header and each pipeline’s status with why on the Pipelines page', async () => {
    const { url } = await d.start()
    const page = d.page
    await page.goto(`${url}/`)
    // One dead of three: degraded.
    await runsEnded('crm-leads', { succeeded: 2, dead: 1 })
    await page.locator('#health', { hasText: '1 degraded' }).waitFor()
    await runsEnded('crm-leads', { dead: 4 })
    await page.locator('#health', { hasText: '1 failing' }).waitFor({ timeout: 15_000 })
    expect(await page.locator('#health').getAttribute('title')).toContain(
      'pipeline crm-leads: failing (5 of 7 runs died in the last 15 min)',
    )
    await page.locator('#health').click()
    const card = page.locator('.card[data-pipeline="crm-leads"]')
    await card.locator('.badge.h-failing', { hasText: 'Failing' }).waitFor()
    expect(await card.locator('.reasons').textContent()).toContain('5 of 7 runs died in the last 15 min')
    expect(await d.axe()).toEqual([])
    expect(d.pageErrors).toEqual([])
  })

  it('says all active when nothing is wrong', async () => {
    const { url } = await d.start()
    await d.page.goto(`${url}/#/pipelines`)
    await d.page.locator('#health', { hasText: /all \d+ active/ }).waitFor()
    await d.page.locator('.card[data-pipeline="crm-leads"] .badge.h-active').waitFor()
  })
})
