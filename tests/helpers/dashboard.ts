/**
 * Harness for the dashboard's browser tests: one system Chromium per file (playwright-core), and
 * per test a temp SQLite store, a hub with a `crm-leads` pipeline whose delivery step rejects
 * `reject@…` leads (permanently) and fails `flaky@…` leads once (retryably), and the real HTTP
 * server on loopback. Page errors and console errors (CSP refusals included) are collected.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import { invocation } from '../../src/connectors/contract.js'
import type { Hub } from '../../src/engine/hub.js'
import { NonRetryableError } from '../../src/errors.js'
import { manual } from '../../src/pipeline/define.js'
import { createServer, type PipewrightServer, type ServerOptions } from '../../src/server/app.js'
import type { Store } from '../../src/store/contract.js'
import { compile, eventually, ScriptedActions, sqliteStore, startHub, tempDir } from './engine.js'

export const CHROMIUM = '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)
if (!hasChromium) console.warn(`dashboard tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`)

export interface Dashboard {
  readonly page: Page
  readonly store: Store
  readonly hub: Hub
  /** Messages of every confirm() the page showed (all accepted). */
  readonly dialogs: string[]
  readonly pageErrors: string[]
  /** While true, `reject@` leads fail for good; set false before replaying them. */
  broken: boolean
  /** Start hub and server with three runs: Ann (succeeded), reject@ (dead), Bob (succeeded). */
  start(apiToken?: string | null, server?: Partial<ServerOptions>): Promise<{ url: string; runIds: string[] }>
  /** Ingest leads and wait until each run has finished. */
  ingest(emails: string[]): Promise<string[]>
  /** Run axe-core in the page; returns the violations as "rule: target" lines. */
  axe(): Promise<string[]>
}

const axeSource = () => readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

export function dashboardHarness(): Dashboard {
  let browserDir: ReturnType<typeof tempDir>
  let context: BrowserContext
  let tmp: ReturnType<typeof tempDir>
  let store: Store
  let hub: Hub | undefined
  let server: PipewrightServer | undefined
  let tab: Page | undefined
  const flakySeen = new Set<string>()

  const d: Dashboard = {
    get page() {
      return tab!
    },
    get store() {
      return store
    },
    get hub() {
      return hub!
    },
    dialogs: [],
    pageErrors: [],
    broken: true,
    async start(apiToken = null, extra = {}) {
      const actions = new ScriptedActions().on('http.request', (call) => {
        const body = (call.input as { body: { email: string } }).body
        if (d.broken && body.email.startsWith('reject@'))
          throw new NonRetryableError('422 from the CRM intake: domain is on the block list', { status: 422 })
        if (body.email.startsWith('flaky@') && !flakySeen.has(body.email)) {
          flakySeen.add(body.email)
          throw new Error('503 from the CRM intake: try again')
        }
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
      hub = (await startHub({ pipelines: [pipeline], store, actions })) as Hub
      server = await createServer(hub, { host: '127.0.0.1', port: 0, apiToken, ...extra })
      const url = await server.listen()
      const runIds = await d.ingest(['Ann@Acme.com', 'reject@blocked.example', 'bob@initech.io'])
      return { url, runIds }
    },
    async ingest(emails) {
      const accepted = await hub!.ingest(
        'crm-leads',
        emails.map((email) => ({ payload: { email } })),
      )
      for (const a of accepted)
        await eventually(async () => ['succeeded', 'dead'].includes((await store.getRun(a.runId))?.status ?? ''), 15_000)
      return accepted.map((a) => a.runId)
    },
    async axe() {
      const page = tab!
      // Evaluated through the DevTools protocol, so the page's CSP (no inline script) allows it.
      if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(axeSource())
      const violations = (await page.evaluate(
        `axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }).then((r) => r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`,
      )) as string[]
      return violations
    },
  }

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
  beforeEach(async () => {
    tmp = tempDir('pw-dashboard-')
    store = sqliteStore(tmp.dir)
    d.broken = true
    d.dialogs.length = 0
    d.pageErrors.length = 0
    flakySeen.clear()
    if (!hasChromium) return
    const p = await context.newPage()
    p.on('pageerror', (e) => d.pageErrors.push(e.message))
    p.on('console', (m) => {
      if (m.type() === 'error' && !m.text().includes('401')) d.pageErrors.push(m.text())
    })
    p.on('dialog', (dialog) => {
      d.dialogs.push(dialog.message())
      void dialog.accept()
    })
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
  return d
}

/** Where the page is wider than the window (a phone must never scroll sideways). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number
}
