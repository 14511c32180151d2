/**
 * The dashboard's Syncs page in the system Chromium, against a running runtime with a sync over
 * in-memory sides: the list (links, pending, conflicts, last pass), a plan that writes nothing,
 * a run, a conflict with both values and the winner, a drift repair and what it fixed, axe-core;
 * Pause on a sync's row and Resume on its page, both in the audit log.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM, hasChromium } from './helpers/dashboard.js'
import { tempDir } from './helpers/engine.js'
import { type MemoryHarness, memoryHarness, people } from './sync/helpers.js'

let h: MemoryHarness
let browserDir: ReturnType<typeof tempDir>
let context: BrowserContext
let page: Page
const pageErrors: string[] = []
const dialogs: string[] = []

beforeAll(async () => {
  if (!hasChromium) return
  h = await memoryHarness(
    [
      people({
        description: 'CRM customers and hub contacts',
        fields: [
          { a: 'email', b: 'email', owner: 'a' },
          { a: 'name', b: 'fullname', owner: 'b' },
          { a: 'plan', b: 'plan', direction: 'a-to-b' },
        ],
      }),
    ],
    ['crm', 'hub'],
    { server: true },
  )
  browserDir = tempDir('pw-chromium-syncs-')
  context = await chromium.launchPersistentContext(join(browserDir.dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    viewport: { width: 1280, height: 900 },
  })
  page = await context.newPage()
  page.on('pageerror', (e) => pageErrors.push(e.message))
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message())
    void dialog.accept()
  })
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text())
  })
})
afterAll(async () => {
  await context?.close()
  browserDir?.cleanup()
  await h?.close()
})

async function axe(): Promise<string[]> {
  if (!(await page.evaluate('typeof window.axe !== "undefined"')))
    await page.evaluate(readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'))
  return (await page.evaluate(
    `axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }).then((r) => r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`,
  )) as string[]
}

describe.skipIf(!hasChromium)('dashboard: Syncs', () => {
  it('lists syncs, plans without writing, runs, shows conflicts and what a drift repair fixed', async () => {
    const { crm, hub } = h.tables
    const ann = crm!.put({ email: 'ann@acme.com', name: 'Ann', plan: 'pro' })
    hub!.put({ email: 'bob@acme.com', fullname: 'Bob' })
    const url = h.runtime.url!

    await page.goto(`${url}/#/syncs`)
    const row = page.locator('tr[data-sync="people"]')
    await row.waitFor()
    expect(await row.textContent()).toContain('memory:default/crm ↔ memory:default/hub')
    expect(await row.locator('td').nth(8).textContent()).toBe('never')
    await row.locator('td').nth(1).getByText('Active').waitFor()
    expect(await page.getByRole('link', { name: 'Syncs' }).count()).toBe(1)
    expect(await axe()).toEqual([])

    await row.getByRole('link', { name: 'people' }).click()
    await page.getByRole('heading', { name: 'Sync people' }).waitFor()
    expect(await page.locator('.facts').textContent()).toContain('0 linked')

    await page.locator('#sync-plan').click()
    const result = page.locator('#pass-result')
    await result.getByRole('heading', { name: 'Plan (incremental)' }).waitFor()
    expect(await result.textContent()).toContain('Nothing was written.')
    const perSide = result.getByRole('region', { name: 'Plan (incremental): writes per side' })
    expect(await perSide.locator('tbody tr').nth(0).textContent()).toBe('a1000')
    expect(await perSide.locator('tbody tr').nth(1).textContent()).toBe('b1000')
    expect(await result.getByRole('region', { name: 'Plan (incremental): planned writes' }).textContent()).toContain('"fullname":"Ann"')
    expect(hub!.writes).toHaveLength(0)
    expect(crm!.writes).toHaveLength(0)

    await page.locator('#sync-run').click()
    await result.getByRole('heading', { name: 'Pass (incremental)' }).waitFor()
    expect(await result.textContent()).toContain('runs: 2 succeeded, 0 dead, 0 pending')
    await page.locator('.facts', { hasText: '2 linked' }).waitFor()
    expect(hub!.find('email', 'ann@acme.com')).toHaveLength(1)

    // Both sides change the name: a conflict, shown with both values and the winner.
    const annB = hub!.find('email', 'ann@acme.com')[0]!.id
    crm!.patch(ann, { name: 'Ann (crm)' })
    hub!.patch(annB, { fullname: 'Ann (hub)' })
    await page.locator('#sync-run').click()
    const conflicts = page.getByRole('region', { name: 'Conflicts', exact: true })
    await conflicts.locator('tbody tr').first().waitFor()
    const c = await conflicts.locator('tbody tr').first().textContent()
    expect(c).toContain('name ↔ fullname')
    expect(c).toContain('"Ann (crm)"')
    expect(c).toContain('"Ann (hub)"')
    expect(c).toContain('owner b')

    // A change behind the cursor's back: only the drift repair finds it, and says what it fixed.
    crm!.quietly.patch(ann, { plan: 'enterprise' })
    await page.locator('#sync-repair').click()
    await result.getByRole('heading', { name: 'Pass (drift repair)' }).waitFor()
    const fixes = page.getByRole('region', { name: 'What the last drift repair fixed' })
    await fixes.waitFor()
    expect(await fixes.locator('tbody tr').first().textContent()).toContain('values out of step')
    expect(await fixes.locator('tbody tr').first().textContent()).toContain('b: plan')
    expect(hub!.read(annB)?.plan).toBe('enterprise')
    expect(await page.locator('.facts').textContent()).toContain('fixed 1 link')
    expect(await axe()).toEqual([])

    await page.getByRole('link', { name: '← All syncs' }).click()
    const cells = page.locator('tr[data-sync="people"] td')
    await page.locator('tr[data-sync="people"]', { hasText: 'drift repair' }).waitFor()
    expect(await cells.nth(3).textContent()).toBe('2')
    expect(await cells.nth(7).textContent()).toBe('1')
    expect(pageErrors).toEqual([])
  }, 120_000)

  it('pauses a sync from its row and resumes it from its page; both are in the audit log', async () => {
    const store = h.runtime.hub.store
    await page.goto(`${h.runtime.url}/#/syncs`)
    const row = page.locator('tr[data-sync="people"]')
    await row.getByRole('button', { name: 'Pause people' }).click()
    await page.locator('#notice', { hasText: 'Paused sync people: passes wait until you resume it.' }).waitFor()
    expect(dialogs).toEqual([
      'Pause sync people? Scheduled passes and drift repairs wait; webhook events are still stored and their records kept to sync.',
    ])
    await row.locator('td').nth(1).getByText('Paused').waitFor()
    await row.getByRole('button', { name: 'Resume people' }).waitFor()
    expect(await store.pauses.get('sync', 'people')).toMatchObject({ pausedBy: 'local', reason: 'paused from the dashboard' })
    expect(await axe()).toEqual([])

    await row.getByRole('link', { name: 'people' }).click()
    await page.locator('.paused-note', { hasText: 'Paused by local' }).waitFor()
    await page.getByRole('button', { name: 'Resume people' }).click()
    await page.locator('#notice', { hasText: 'Resumed sync people: the next pass runs on schedule.' }).waitFor()
    await page.getByRole('button', { name: 'Pause people' }).waitFor()
    expect(await page.locator('.paused-note').count()).toBe(0)
    expect(await store.pauses.get('sync', 'people')).toBeNull()
    expect((await store.audit.list({ target: 'sync:' })).map((e) => [e.actor, e.action, e.target])).toEqual([
      ['local', 'resume', 'sync:people'],
      ['local', 'pause', 'sync:people'],
    ])
    expect(await axe()).toEqual([])
    expect(pageErrors).toEqual([])
  }, 60_000)
})
