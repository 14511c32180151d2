/**
 * The dashboard's Audit page in the system Chromium: operator actions with actor, action, target
 * and time, newest first; filters by action, actor and target prefix that live in the URL; paging
 * 50 at a time; a run, pipeline or sync target links to its page; axe-core finds nothing.
 */
import { describe, expect, it } from 'vitest'
import { dashboardHarness, hasChromium } from './helpers/dashboard.js'

const d = dashboardHarness()

describe.skipIf(!hasChromium)('dashboard: audit log', () => {
  it('lists operator actions, filters them and pages through them', async () => {
    const { url, runIds } = await d.start()
    const t0 = Date.now() - 3_600_000
    // 52 older credential tests by the CLI, then the actions the filters pick out.
    for (let i = 0; i < 52; i++)
      await d.store.audit.append({
        at: t0 + i,
        actor: 'cli:ann',
        action: 'credential.rotate',
        target: `credential:key-${i}`,
        details: null,
      })
    await d.store.audit.append({
      at: t0 + 100,
      actor: 'token:ci',
      action: 'replay',
      target: `run:${runIds[1]}`,
      details: { from: 'failed-step' },
    })
    await d.store.audit.append({
      at: t0 + 200,
      actor: 'cli:bob',
      action: 'pause',
      target: 'pipeline:crm-leads',
      details: { reason: 'CRM migration' },
    })
    await d.store.audit.append({ at: t0 + 300, actor: 'cli:bob', action: 'resume', target: 'pipeline:crm-leads', details: null })

    const page = d.page
    await page.goto(`${url}/#/audit`)
    await page.getByRole('heading', { name: 'Audit log' }).waitFor()
    const rows = page.locator('#audit-body tbody tr')
    // A new page or filter keeps the old rows on screen until its answer comes: wait for the count.
    // Functions, not strings: the page's CSP forbids eval. `globalThis` is the page's window there.
    const rowCount = (n: number) =>
      page.waitForFunction((want) => (globalThis as any).document.querySelectorAll('#audit-body tbody tr').length === want, n)
    const hashIs = (want: string) => page.waitForFunction((w) => (globalThis as any).location.hash === w, want)
    await rowCount(50)
    const first = await rows.first().locator('td').allTextContents()
    expect(first.slice(1, 4)).toEqual(['cli:bob', 'resume', 'pipeline:crm-leads'])
    expect(await rows.nth(1).locator('td').nth(4).textContent()).toBe('reason CRM migration')
    expect(await rows.first().locator('time').getAttribute('datetime')).toBe(new Date(t0 + 300).toISOString())
    expect(await page.getByRole('link', { name: 'Audit' }).count()).toBe(1)
    expect(await d.axe()).toEqual([])

    // Older → shows the rest (55 entries: 50 + 5).
    await page.getByRole('button', { name: 'Older →' }).click()
    await page.locator('#audit-body', { hasText: 'page 2' }).waitFor()
    await rowCount(5)
    expect(await page.getByRole('button', { name: 'Older →' }).isDisabled()).toBe(true)
    await page.getByRole('button', { name: '← Newer' }).click()
    await page.locator('#audit-body', { hasText: 'page 1' }).waitFor()
    await rowCount(50)

    // By action (a select): the replay, whose target links to the run.
    await page.locator('#audit-action').selectOption('replay')
    await hashIs('#/audit?action=replay')
    await rowCount(1)
    expect(await rows.first().textContent()).toContain('token:ci')
    expect(await rows.first().getByRole('link').getAttribute('href')).toBe(`#/runs/${runIds[1]}`)
    expect(await rows.first().locator('td').nth(4).textContent()).toBe('from failed-step')

    // By actor and target prefix (typed, then Filter): together with the action they narrow further.
    await page.getByRole('link', { name: 'Clear' }).click()
    await hashIs('#/audit')
    await page.getByLabel('Actor').fill('cli:bob')
    await page.getByLabel('Target starts with').fill('pipeline:')
    await page.getByRole('button', { name: 'Filter' }).click()
    await hashIs('#/audit?actor=cli%3Abob&target=pipeline%3A')
    await rowCount(2)
    expect(await rows.allTextContents()).toEqual([expect.stringContaining('resume'), expect.stringContaining('pause')])
    await page.locator('#audit-action').selectOption('pause')
    await hashIs('#/audit?actor=cli%3Abob&action=pause&target=pipeline%3A')
    await rowCount(1)
    expect(await page.getByLabel('Actor').inputValue()).toBe('cli:bob')
    await page.getByLabel('Actor').fill('cli:nobody')
    await page.getByRole('button', { name: 'Filter' }).click()
    await page.locator('#audit-body', { hasText: 'No entries match.' }).waitFor()
    expect(await d.axe()).toEqual([])
    expect(d.pageErrors).toEqual([])
  }, 60_000)
})
