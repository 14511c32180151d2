/**
 * Dashboard end to end: a real hub and HTTP server on loopback, the system Chromium driven by
 * playwright-core, and the dashboard's own buttons. Skips only when /usr/bin/chromium is missing.
 * Layout, accessibility and live updates: dashboard-polish.test.ts.
 */
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { dashboardHarness, hasChromium } from './helpers/dashboard.js'
import { eventually, tempDir } from './helpers/engine.js'

const d = dashboardHarness()
const shots = tempDir('pw-dashboard-shots-')
afterAll(() => shots.cleanup())

describe.skipIf(!hasChromium)('dashboard', () => {
  it('lists runs with their statuses, shows a step trace, and replays a dead letter from the failed step to success', async () => {
    const { url, runIds } = await d.start()
    const page = d.page
    const deadId = runIds[1]!
    await page.goto(`${url}/`)

    const rows = page.locator('#runs-body tr[data-run]')
    await expect.poll(() => rows.count()).toBe(3)
    expect(await page.locator(`#runs-body tr[data-run="${deadId}"] .badge`).textContent()).toBe('dead')
    expect(await page.locator(`#runs-body tr[data-run="${runIds[0]}"] .badge`).textContent()).toBe('succeeded')
    expect(await page.locator('#dl-badge').textContent()).toBe('1')

    await page.locator(`#runs-body tr[data-run="${deadId}"] a`).first().click()
    const deliver = page.locator('tr[data-step="deliver"]')
    await deliver.waitFor()
    expect(await page.locator('tr[data-step="lead"] .badge').textContent()).toBe('succeeded')
    expect(await deliver.locator('.badge').textContent()).toBe('failed')
    expect(await page.locator('.box.error').textContent()).toContain('domain is on the block list')
    expect(await page.locator('.box.dead').textContent()).toContain('permanent')
    expect(await page.locator('pre.json').last().textContent()).toContain('reject@blocked.example')

    d.broken = false
    await page.locator('#replay-failed-step').click()
    await page.waitForURL((u) => u.hash.startsWith('#/runs/') && !u.hash.includes(deadId))
    const newId = decodeURIComponent(new URL(page.url()).hash.slice('#/runs/'.length))
    await page.locator('h1 .badge', { hasText: 'succeeded' }).waitFor({ timeout: 10_000 })
    expect(await page.locator('#notice').textContent()).toContain(newId)
    const replayed = await d.store.getRun(newId)
    expect(replayed).toMatchObject({ status: 'succeeded', replayOf: deadId, replayFrom: 'failed-step' })
    expect(await page.locator('tr[data-step="deliver"] .badge').textContent()).toBe('succeeded')

    await page.goto(`${url}/#/dead-letters`)
    await page.locator('#dl-count', { hasText: '0 matching' }).waitFor()
    const shot = join(shots.dir, 'dashboard.png')
    await page.goto(`${url}/#/runs/${encodeURIComponent(deadId)}`)
    await page.locator('tr[data-step="deliver"]').waitFor()
    await page.screenshot({ path: shot, fullPage: true })
    expect(statSync(shot).size).toBeGreaterThan(1000)
    expect(readFileSync(shot).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    expect(d.pageErrors).toEqual([])
  })

  it('filters dead letters by reason, counts them, and replays them in bulk', async () => {
    const { url } = await d.start()
    const page = d.page
    await page.goto(`${url}/#/dead-letters`)
    await page.locator('#dl-count', { hasText: '1 matching' }).waitFor()
    await page.locator('#reason-filter').selectOption('quota')
    await page.locator('#dl-count', { hasText: '0 matching' }).waitFor()
    expect(await page.locator('#bulk-replay').isDisabled()).toBe(true)
    await page.locator('#reason-filter').selectOption('permanent')
    await page.locator('#dl-count', { hasText: '1 matching' }).waitFor()
    d.broken = false
    await page.locator('#bulk-replay').click()
    await page.locator('#dl-count', { hasText: '0 matching' }).waitFor()
    expect(await page.locator('#notice').textContent()).toContain('Replayed 1 run')
    await eventually(async () => (await d.store.listRuns({ status: 'succeeded' })).length === 3)
    expect(d.pageErrors).toEqual([])
  })

  it('pages through runs newest first and filters them by status', async () => {
    const { url } = await d.start()
    const page = d.page
    const more = await d.hub.ingest(
      'crm-leads',
      Array.from({ length: 27 }, (_, i) => ({ payload: { email: `lead${i}@acme.com` } })),
    )
    for (const a of more) await eventually(async () => (await d.store.getRun(a.runId))?.status === 'succeeded')
    await page.goto(`${url}/`)
    const rows = page.locator('#runs-body tr[data-run]')
    await expect.poll(() => rows.count()).toBe(25)
    expect(await rows.first().getAttribute('data-run')).toBe(more.at(-1)!.runId)
    expect(await page.locator('.pager button', { hasText: 'Newer' }).isDisabled()).toBe(true)
    await page.locator('.pager button', { hasText: 'Older' }).click()
    await expect.poll(() => rows.count()).toBe(5)
    expect(await page.locator('.pager button', { hasText: 'Older' }).isDisabled()).toBe(true)
    await page.locator('.pager button', { hasText: 'Newer' }).click()
    await expect.poll(() => rows.count()).toBe(25)
    await page.locator('#status-filter').selectOption('dead')
    await expect.poll(() => rows.count()).toBe(1)
    expect(await rows.locator('.badge').textContent()).toBe('dead')
    expect(d.pageErrors).toEqual([])
  })

  it('asks for the API token when /api answers 401 and trades it for an HttpOnly SameSite=Strict cookie', async () => {
    const { url } = await d.start('s3cret-token-for-test-0123456789abcdef')
    const page = d.page
    await page.goto(`${url}/`)
    await page.locator('#token-form').waitFor({ state: 'visible' })
    await page.locator('#token-input').fill('wrong')
    await page.locator('#token-form button').click()
    await page.locator('#token-error', { hasText: 'refused' }).waitFor()
    await page.locator('#token-input').fill('s3cret-token-for-test-0123456789abcdef')
    await page.locator('#token-form button').click()
    await expect.poll(() => page.locator('#runs-body tr[data-run]').count()).toBe(3)
    expect(await page.locator('#token-form').isHidden()).toBe(true)
    // Nothing the page's scripts can read holds the token or the session.
    expect(await page.evaluate('[sessionStorage.length, localStorage.length, document.cookie]')).toEqual([0, 0, ''])
    expect(await page.content()).not.toContain('s3cret-token-for-test')
    const cookies = await page.context().cookies(url)
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([['pipewright_session', true, 'Strict']])
    expect(cookies[0]!.value).not.toContain('s3cret')
    // A reload keeps the session: the token is not asked for again.
    await page.reload()
    await expect.poll(() => page.locator('#runs-body tr[data-run]').count()).toBe(3)
    expect(await page.locator('#token-form').isHidden()).toBe(true)
    await page.context().clearCookies()
  })
})

describe('dashboard assets', () => {
  it('serves the built dashboard: hashed assets cached for good, the page never cached, nothing outside web/dist', async () => {
    const { url } = await d.start()
    const index = await fetch(`${url}/`)
    expect(index.headers.get('content-type')).toContain('text/html')
    expect(index.headers.get('cache-control')).toBe('no-cache')
    const html = await index.text()
    const script = html.match(/<script type="module"[^>]* src="(\/web\/assets\/[^"]+\.js)"/)?.[1]
    const style = html.match(/<link rel="stylesheet"[^>]* href="(\/web\/assets\/[^"]+\.css)"/)?.[1]
    expect(script, html).toBeTruthy()
    expect(style, html).toBeTruthy()
    const js = await fetch(`${url}${script}`)
    expect(js.status).toBe(200)
    expect(js.headers.get('content-type')).toContain('text/javascript')
    expect(js.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect((await fetch(`${url}${style}`)).headers.get('content-type')).toContain('text/css')
    // Source maps ship beside the bundles, so a stack from the dashboard points at web/src.
    const map = await fetch(`${url}${script}.map`)
    expect(map.status).toBe(200)
    expect(((await map.json()) as { sources: string[] }).sources.some((s) => s.includes('src/app.tsx'))).toBe(true)
    for (const path of [
      '/web/%2e%2e/package.json',
      '/web/..%2fpackage.json',
      '/web/..%2f..%2fetc%2fpasswd',
      '/web/assets/..%2f..%2fsrc%2fmain.tsx',
      '/web/src/main.tsx',
      '/web/',
      '/web/missing.js',
      '/web/.hidden.js',
      '/web/%5c..%5cpackage.json',
    ]) {
      expect((await fetch(`${url}${path}`)).status, path).toBe(404)
    }
  })
})
