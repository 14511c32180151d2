/**
 * The Connections page in the system Chromium, against a real runtime: a HubSpot account from
 * `connections/` with a stored credential past its rotate-by date, its plan's limits, the calls
 * of the last minute, its closed circuit and a budget at the 70 % level; a Slack connection whose
 * variable is missing shown inactive with the reason. No secret reaches the page; axe-core passes.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hubspotEmulator } from '../src/connectors/hubspot/emulator.js'
import { createVault, DAY_MS } from '../src/credentials/vault.js'
import { systemClock } from '../src/engine/clock.js'
import { createRuntime, type Runtime } from '../src/runtime.js'
import { createSqliteStore } from '../src/store/sqlite/index.js'
import { CHROMIUM, hasChromium } from './helpers/dashboard.js'
import { eventually, tempDir } from './helpers/engine.js'
import { LOOPBACK_ALLOWED } from './helpers/net.js'

const KEY = 'a-long-enough-passphrase-for-the-dashboard-test'
const SECRET = 'pat-na1-DASHBOARD-SECRET-41f0'

let browser: Browser | undefined
let runtime: Runtime | undefined
let tmp: ReturnType<typeof tempDir>
const emulator = hubspotEmulator({ tokens: [SECRET] })

beforeAll(async () => {
  tmp = tempDir('pw-dash-connections-')
  await emulator.listen()
  const dbPath = join(tmp.dir, 'pw.db')
  const store = createSqliteStore({ path: dbPath })
  await store.migrate()
  await createVault({ store, secretKey: KEY, clock: systemClock }).add('hubspot-main', SECRET, {
    service: 'hubspot',
    owner: 'revops@example.com',
    rotateBy: Date.now() - DAY_MS,
  })
  await store.close()
  mkdirSync(join(tmp.dir, 'connections'))
  writeFileSync(
    join(tmp.dir, 'connections', 'crm.yaml'),
    `connections:
  - id: hubspot:main
    credential: hubspot-main
    baseUrl: ${emulator.url}
    plan: professional
    budgets: [{ name: writes, period: day, limit: 4 }]
    owner: revops@example.com
    tags: [crm]
  - id: slack:alerts
    credential: { env: SLACK_ALERTS_TOKEN }
`,
  )
  mkdirSync(join(tmp.dir, 'pipelines'))
  writeFileSync(
    join(tmp.dir, 'pipelines', 'leads.yaml'),
    `id: leads\ntrigger: { manual: {} }\nsteps:\n  - id: company\n    action: hubspot.companies.upsert\n    connection: main\n    with: { matchOn: domain, properties: { domain: '{{ event.domain }}' } }\n`,
  )
  runtime = await createRuntime({
    cwd: tmp.dir,
    env: { PIPEWRIGHT_SECRET_KEY: KEY },
    databaseUrl: `sqlite:${dbPath}`,
    allowPrivateNetwork: LOOPBACK_ALLOWED,
    server: true,
    port: 0,
    logLevel: 'silent',
  })
  const rt = runtime
  await rt.hub.ingest(
    'leads',
    ['a.example', 'b.example', 'c.example'].map((domain) => ({ payload: { domain } })),
  )
  await eventually(async () => ((await rt.hub.store.countRuns({ pipelineId: 'leads' })).succeeded === 3 ? true : null), 20_000)
  if (hasChromium)
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await runtime?.close(2000)
  await emulator.close()
  tmp.cleanup()
})

describe.skipIf(!hasChromium)('dashboard: Connections page', () => {
  it('shows limits, rate, circuit, budget level and credential status per connection', async () => {
    const page = await browser!.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(`${runtime!.url}/#/connections`)
    const main = page.locator('section[data-connection="hubspot:main"]')
    await main.waitFor()
    const text = (await main.textContent()) ?? ''
    expect(text).toContain('ten-secondly: 190 per 10 s')
    expect(text).toContain('Planprofessional')
    expect(text).toContain('Ownerrevops@example.com')
    expect(text).toMatch(/[1-9]\d* calls in the last minute/)
    expect(await main.locator('p:has-text("Circuit") .badge').textContent()).toBe('closed')
    expect(text).toContain('writes (day:')
    expect(text).toContain('3 of 4')
    expect(text).toContain('level 70 %')
    const credential = (await main.locator('[data-credential]').textContent()) ?? ''
    expect(credential).toMatch(/stored credential hubspot-main\s*present\s*rotate by \d{4}-\d{2}-\d{2}\s*overdue/)

    const slack = page.locator('section[data-connection="slack:alerts"]')
    expect(await slack.locator('.reasons').textContent()).toBe('Inactive: environment variable SLACK_ALERTS_TOKEN is not set')
    expect(await slack.locator('[data-credential] .badge').textContent()).toBe('missing')
    // Status (docs/status.md): a connection that cannot be used is failing; hubspot:main works.
    expect(await slack.locator('.health-line .badge').textContent()).toBe('Failing')
    expect(await slack.locator('.health-reasons').textContent()).toContain('not usable: ')
    expect(await main.locator('.health-line .badge').textContent()).toBe('Active')

    expect(await page.content()).not.toContain(SECRET)
    // The header links to the page.
    expect(await page.locator('nav a[href="#/connections"]').count()).toBe(1)
    const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
    await page.evaluate(axeSource)
    const violations = (await page.evaluate(
      `axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }).then((r) => r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`,
    )) as string[]
    expect(violations).toEqual([])
    expect(errors).toEqual([])
    await page.close()
  })

  it('serves the same through /api/v1/connections, without secrets', async () => {
    const res = await fetch(`${runtime!.url}/api/v1/connections/hubspot:main`)
    const body = await res.text()
    expect(body).not.toContain(SECRET)
    const { connection } = JSON.parse(body)
    expect(connection).toMatchObject({
      id: 'hubspot:main',
      active: true,
      circuit: { state: 'closed', origins: [] },
      budgets: expect.arrayContaining([expect.objectContaining({ name: 'writes', used: 3, limit: 4, level: 70 })]),
      credential: { kind: 'stored', name: 'hubspot-main', status: 'present', rotation: 'overdue', owner: 'revops@example.com' },
    })
    expect(connection.rate.lastMinute).toBeGreaterThanOrEqual(3)
    expect((await fetch(`${runtime!.url}/api/v1/connections/nope:x`)).status).toBe(404)
  })
})
