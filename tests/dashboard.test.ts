/**
 * Dashboard end to end: a real hub and HTTP server on loopback, the system Chromium driven by
 * playwright-core, and the dashboard's own buttons. Skips only when /usr/bin/chromium is missing.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { invocation } from '../src/connectors/contract.js'
import type { Hub } from '../src/engine/hub.js'
import { NonRetryableError } from '../src/errors.js'
import { manual } from '../src/pipeline/define.js'
import { createServer, type PipewrightServer } from '../src/server/app.js'
import type { Store } from '../src/store/contract.js'
import { compile, eventually, ScriptedActions, sqliteStore, startHub, tempDir } from './helpers/engine.js'

const CHROMIUM = '/usr/bin/chromium'
const hasChromium = existsSync(CHROMIUM)
if (!hasChromium) console.warn(`dashboard tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`)

let browserDir: ReturnType<typeof tempDir>
let context: BrowserContext

beforeAll(async () => {
  if (!hasChromium) return
  browserDir = tempDir('pw-chromium-')
  context = await chromium.launchPersistentContext(join(browserDir.dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    viewport: { width: 1280, height: 900 },
  })
})
afterAll(async () => {
  await context?.close()
  browserDir?.cleanup()
})

let tmp: ReturnType<typeof tempDir>
let store: Store
let hub: Hub | undefined
let server: PipewrightServer | undefined
let broken: boolean
let tab: Page | undefined
let pageErrors: string[]

async function start(apiToken: string | null = null) {
  broken = true
  const actions = new ScriptedActions().on('http.request', (call) => {
    const body = (call.input as { body: { email: string } }).body
    if (broken && body.email.startsWith('reject@'))
      throw new NonRetryableError('422 from the CRM intake: domain is on the block list', { status: 422 })
    return { status: 201, id: body.email }
  })
  const pipeline = compile({
    id: 'crm-leads',
    trigger: manual(),
    retry: { maxAttempts: 2, initialInterval: 10, maxInterval: 20 },
    steps: [
      { id: 'lead', map: ({ event }) => ({ email: String(event.email).trim().toLowerCase() }) },
      { id: 'deliver', action: invocation('http.request', { url: 'http://crm.invalid/leads', body: ({ lead }: any) => lead }) },
    ],
  })
  const h = (await startHub({ pipelines: [pipeline], store, actions })) as Hub
  hub = h
  const s = await createServer(h, { host: '127.0.0.1', port: 0, apiToken })
  server = s
  const url = await s.listen()
  const accepted = await h.ingest('crm-leads', [
    { payload: { email: 'Ann@Acme.com' } },
    { payload: { email: 'reject@blocked.example' } },
    { payload: { email: 'bob@initech.io' } },
  ])
  for (const a of accepted) await eventually(async () => ['succeeded', 'dead'].includes((await store.getRun(a.runId))?.status ?? ''))
  return { url, runIds: accepted.map((a) => a.runId) }
}

beforeEach(async () => {
  tmp = tempDir('pw-dashboard-')
  store = sqliteStore(tmp.dir)
  pageErrors = []
  if (!hasChromium) return
  const p = await context.newPage()
  p.on('pageerror', (e) => pageErrors.push(e.message))
  p.on('console', (m) => {
    if (m.type() === 'error' && !m.text().includes('401')) pageErrors.push(m.text())
  })
  p.on('dialog', (d) => d.accept())
  tab = p
})
afterEach(async () => {
  await tab?.close()
  // Chromium keeps sockets per browser, not per page, and may hold a pre-connected socket that
  // never sends a request; Node counts it as busy until headersTimeout (60 s), so drop them all.
  server?.app.server.closeAllConnections()
  await server?.close()
  await hub?.close()
  tab = server = hub = undefined
  tmp.cleanup()
})

describe.skipIf(!hasChromium)('dashboard', () => {
  it('lists runs with their statuses, shows a step trace, and replays a dead letter from the failed step to success', async () => {
    const { url, runIds } = await start()
    const page = tab!
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

    broken = false
    await page.locator('#replay-failed-step').click()
    await page.waitForURL((u) => u.hash.startsWith('#/runs/') && !u.hash.includes(deadId))
    const newId = decodeURIComponent(new URL(page.url()).hash.slice('#/runs/'.length))
    await page.locator('h1 .badge', { hasText: 'succeeded' }).waitFor({ timeout: 10_000 })
    expect(await page.locator('#notice').textContent()).toContain(newId)
    const replayed = await store.getRun(newId)
    expect(replayed).toMatchObject({ status: 'succeeded', replayOf: deadId, replayFrom: 'failed-step' })
    expect(await page.locator('tr[data-step="deliver"] .badge').textContent()).toBe('succeeded')

    await page.goto(`${url}/#/dead-letters`)
    await page.locator('#dl-count', { hasText: '0 matching' }).waitFor()
    const shot = join(tmp.dir, 'dashboard.png')
    await page.goto(`${url}/#/runs/${encodeURIComponent(deadId)}`)
    await page.locator('tr[data-step="deliver"]').waitFor()
    await page.screenshot({ path: shot, fullPage: true })
    expect(statSync(shot).size).toBeGreaterThan(1000)
    expect(readFileSync(shot).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    expect(pageErrors).toEqual([])
  })

  it('filters dead letters by reason, counts them, and replays them in bulk', async () => {
    const { url } = await start()
    const page = tab!
    await page.goto(`${url}/#/dead-letters`)
    await page.locator('#dl-count', { hasText: '1 matching' }).waitFor()
    await page.locator('#reason-filter').selectOption('quota')
    await page.locator('#dl-count', { hasText: '0 matching' }).waitFor()
    expect(await page.locator('#bulk-replay').isDisabled()).toBe(true)
    await page.locator('#reason-filter').selectOption('permanent')
    await page.locator('#dl-count', { hasText: '1 matching' }).waitFor()
    broken = false
    await page.locator('#bulk-replay').click()
    await page.locator('#dl-count', { hasText: '0 matching' }).waitFor()
    expect(await page.locator('#notice').textContent()).toContain('Replayed 1 run')
    await eventually(async () => (await store.listRuns({ status: 'succeeded' })).length === 3)
    expect(pageErrors).toEqual([])
  })

  it('pages through runs newest first and filters them by status', async () => {
    const { url } = await start()
    const page = tab!
    const more = await hub!.ingest(
      'crm-leads',
      Array.from({ length: 27 }, (_, i) => ({ payload: { email: `lead${i}@acme.com` } })),
    )
    for (const a of more) await eventually(async () => (await store.getRun(a.runId))?.status === 'succeeded')
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
    expect(pageErrors).toEqual([])
  })

  it('asks for the API token when /api answers 401 and trades it for an HttpOnly SameSite=Strict cookie', async () => {
    const { url } = await start('s3cret-token-for-test-0123456789abcdef')
    const page = tab!
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
    const cookies = await context.cookies(url)
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([['pipewright_session', true, 'Strict']])
    expect(cookies[0]!.value).not.toContain('s3cret')
    // A reload keeps the session: no token asked again.
    await page.reload()
    await expect.poll(() => page.locator('#runs-body tr[data-run]').count()).toBe(3)
    expect(await page.locator('#token-form').isHidden()).toBe(true)
    await context.clearCookies()
  })
})

describe('dashboard assets', () => {
  it('serves web/ files with their content types and nothing outside web/', async () => {
    const { url } = await start()
    const js = await fetch(`${url}/web/app.js`)
    expect(js.status).toBe(200)
    expect(js.headers.get('content-type')).toContain('text/javascript')
    expect(js.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect((await fetch(`${url}/web/style.css`)).headers.get('content-type')).toContain('text/css')
    expect((await fetch(`${url}/`)).headers.get('content-type')).toContain('text/html')
    for (const path of [
      '/web/%2e%2e/package.json',
      '/web/..%2fpackage.json',
      '/web/..%2f..%2fetc%2fpasswd',
      '/web/',
      '/web/missing.js',
      '/web/.hidden.js',
      '/web/%5c..%5cpackage.json',
    ]) {
      expect((await fetch(`${url}${path}`)).status, path).toBe(404)
    }
  })
})
