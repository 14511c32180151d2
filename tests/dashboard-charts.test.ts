/**
 * The dashboard's 24-hour charts and Alerts page, in the system Chromium: runs per minute by
 * status, p95 step latency and provider 429s drawn by uPlot from the store's per-minute series
 * (GET /api/v1/charts), and the Alerts page with open incidents, rules, channels and a rule test.
 */
import { describe, expect, it } from 'vitest'
import { systemClock } from '../src/engine/clock.js'
import { createAlerting } from '../src/observe/alerts/alerting.js'
import { loadAlertsConfig } from '../src/observe/alerts/config.js'
import { formatLabels } from '../src/observe/labels.js'
import { SERIES } from '../src/observe/series-recorder.js'
import { dashboardHarness, hasChromium } from './helpers/dashboard.js'
import { tempDir } from './helpers/engine.js'

const d = dashboardHarness()
const MIN = 60_000

async function seed() {
  const now = Date.now()
  const minute = (ago: number) => now - (now % MIN) - ago * MIN
  const s = (series: string, labels: Record<string, string>, ago: number, value: number) => ({
    series,
    labels: formatLabels(labels),
    minute: minute(ago),
    value,
  })
  await d.store.series.addSamples([
    s(SERIES.runs, { pipeline: 'crm-leads', status: 'succeeded' }, 30, 5),
    s(SERIES.runs, { pipeline: 'crm-leads', status: 'succeeded' }, 10, 3),
    s(SERIES.runs, { pipeline: 'crm-leads', status: 'dead' }, 10, 2),
    s(SERIES.stepBuckets, { pipeline: 'crm-leads', le: '0.5' }, 10, 19),
    s(SERIES.stepBuckets, { pipeline: 'crm-leads', le: '5' }, 10, 1),
    s(SERIES.provider429, { connector: 'hubspot', connection: 'main' }, 5, 3),
    s(SERIES.pacingWaits, { connector: 'hubspot', connection: 'main' }, 5, 40),
  ])
}

describe.skipIf(!hasChromium)('dashboard charts and alerts', () => {
  it('draws runs per minute by status, p95 step latency and provider 429s of the last 24 hours on the Pipelines page', async () => {
    const { url } = await d.start()
    await seed()
    const page = d.page
    await page.goto(`${url}/#/pipelines`)
    for (const id of ['chart-runs', 'chart-latency', 'chart-429']) {
      await page.locator(`#${id} canvas`).first().waitFor()
      const box = await page.locator(`#${id} canvas`).first().boundingBox()
      expect(box!.width, id).toBeGreaterThan(200)
      expect(box!.height, id).toBeGreaterThan(100)
    }
    expect(await page.locator('#chart-runs [role="img"]').getAttribute('aria-label')).toBe(
      '8 succeeded, 0 filtered, 2 dead in the last 24 hours; at most 5 in one minute.',
    )
    expect(await page.locator('#chart-latency [role="img"]').getAttribute('aria-label')).toMatch(
      /^p95 step latency between [\d.]+ s and [\d.]+ s over 1 minute with steps\.$/,
    )
    // 429s are the provider's answers only: the 40 pacing waits are not among them.
    expect(await page.locator('#chart-429 [role="img"]').getAttribute('aria-label')).toBe(
      'hubspot:main: 3 429s in the last 24 hours (our own pacing waits are not counted).',
    )
    expect(await page.locator('#chart-runs .u-legend').textContent()).toContain('dead')
    expect(await d.axe()).toEqual([])

    // The Connections page shows the provider's 429s and our own pacing waits apart.
    await page.goto(`${url}/#/connections`)
    for (const id of ['chart-provider-429', 'chart-pacing']) await page.locator(`#${id} canvas`).first().waitFor()
    expect(await page.locator('#chart-provider-429 [role="img"]').getAttribute('aria-label')).toBe(
      'Provider 429s in the last 24 hours: hubspot:main: 3.',
    )
    expect(await page.locator('#chart-pacing [role="img"]').getAttribute('aria-label')).toBe(
      'Calls our rate limits held back in the last 24 hours: hubspot:main: 40.',
    )
    expect(await d.axe()).toEqual([])
    expect(d.pageErrors).toEqual([])
  })

  it('shows open incidents, rules and channels on the Alerts page, and tests a rule', async () => {
    const cfgDir = tempDir('pw-alerts-page-')
    try {
      const config = await loadAlertsConfig(cfgDir.dir, {})
      const alerting = createAlerting({ store: d.store, clock: systemClock, config, owner: 'test' })
      const { url } = await d.start(null, { alerting })
      await d.store.alerts.observeFiring(
        {
          rule: 'provider-429',
          subject: 'hubspot:main',
          severity: 'warning',
          level: 0,
          summary: 'hubspot:main: 14 provider 429s in the last hour',
          value: 14,
          details: { connection: 'hubspot:main' },
        },
        { now: Date.now(), forMs: 0, deliveries: [] },
      )
      const page = d.page
      await page.goto(`${url}/#/alerts`)
      await page.locator('#open-incidents tr[data-incident]').waitFor()
      expect(await page.locator('#open-incidents tr[data-incident]').textContent()).toContain(
        'hubspot:main: 14 provider 429s in the last hour',
      )
      expect(await page.locator('#alert-rules tr[data-rule]').count()).toBe(9)
      expect(await page.locator('#alert-channels').textContent()).toContain('No channels')
      await page.locator('#recent-incidents tr[data-incident]').waitFor()
      await page.locator('tr[data-rule="run-failure-rate"] button').click()
      await page.locator('#notice', { hasText: 'run-failure-rate: no channel takes this rule’s messages; nothing sent.' }).waitFor()
      expect(await d.axe()).toEqual([])
      expect(d.pageErrors).toEqual([])
      await alerting.close()
    } finally {
      cfgDir.cleanup()
    }
  })
})
