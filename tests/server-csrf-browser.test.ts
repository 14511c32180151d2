/**
 * Request forgery, tried as an attacker would with a real browser (system Chromium through
 * playwright-core): a page on another origin — another port of the same host (same-site, so
 * SameSite=Strict cookies still travel) and another host name — fires every request a page can
 * send without a CORS preflight (no-cors fetch, form posts, sendBeacon) plus a preflighted JSON
 * fetch at replay, discard and pause. Nothing may change, with or without a signed-in dashboard
 * session in the same browser. A name that resolves to 127.0.0.1 (DNS rebinding, simulated with
 * Chromium's host-resolver rules) gets 421 from /api and the dashboard.
 * Skips only when /usr/bin/chromium is missing.
 */
import { existsSync } from 'node:fs'
import { createServer as createHttpServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { type BrowserContext, chromium } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { invocation } from '../src/connectors/contract.js'
import type { Hub } from '../src/engine/hub.js'
import { manual } from '../src/pipeline/define.js'
import { createServer, type PipewrightServer } from '../src/server/app.js'
import type { Store } from '../src/store/contract.js'
import { compile, eventually, ScriptedActions, sqliteStore, startHub, tempDir } from './helpers/engine.js'

const CHROMIUM = '/usr/bin/chromium'
const hasChromium = existsSync(CHROMIUM)
if (!hasChromium) console.warn(`browser CSRF tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`)
const TOKEN = 'csrf-test-token-0123456789abcdefghijklmnop'

let browserDir: ReturnType<typeof tempDir>
let context: BrowserContext

beforeAll(async () => {
  if (!hasChromium) return
  browserDir = tempDir('pw-chromium-')
  context = await chromium.launchPersistentContext(join(browserDir.dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--host-resolver-rules=MAP rebind.test 127.0.0.1, MAP attacker.test 127.0.0.1',
    ],
  })
})
afterAll(async () => {
  await context?.close()
  browserDir?.cleanup()
})

let tmp: ReturnType<typeof tempDir>
let store: Store
let hub: Hub
let server: PipewrightServer | undefined
let evil: Server | undefined
let deadRunIds: string[]

beforeEach(async () => {
  tmp = tempDir()
  store = sqliteStore(tmp.dir)
  const actions = new ScriptedActions().on('crm.write', () => {
    throw new Error('crm refused the row')
  })
  const p = compile({
    id: 'leads',
    trigger: manual(),
    retry: { maxAttempts: 1 },
    steps: [{ id: 'write', action: invocation('crm.write', {}) }],
  })
  hub = await startHub({ pipelines: [p], store, actions })
  const rs = await hub.ingest('leads', [{ payload: { n: 1 } }, { payload: { n: 2 } }])
  deadRunIds = rs.map((r) => r.runId)
  for (const id of deadRunIds) await eventually(async () => (await store.getDeadLetter(id)) !== null)
})
afterEach(async () => {
  await context?.clearCookies()
  await server?.close()
  await closeEvil()
  server = undefined
  evil = undefined
  await hub.close()
  tmp.cleanup()
})

/** The attacker's page: every request it can make at `target`, then `window.done = results`. */
function attackPage(target: string, runId: string): string {
  const replay = `${target}/api/v1/dead-letters/replay`
  const discard = `${target}/api/v1/dead-letters/${runId}/discard`
  const pause = `${target}/api/v1/pipelines/leads/pause`
  const body = JSON.stringify({ filter: { pipeline: 'leads' }, from: 'trigger' })
  return `<!doctype html><html><body>
<iframe name="sink1"></iframe><iframe name="sink2"></iframe><iframe name="sink3"></iframe>
<form id="f1" method="POST" action="${discard}" enctype="text/plain" target="sink1"><input name='{"a":"' value='1"}'></form>
<form id="f2" method="POST" action="${replay}" enctype="application/x-www-form-urlencoded" target="sink2"><input name="filter" value="x"></form>
<form id="f3" method="POST" action="${pause}" enctype="multipart/form-data" target="sink3"><input name="x" value="1"></form>
<script>
const results = []
const attempt = (name, p) => p.then((r) => results.push([name, r && r.type]), (e) => results.push([name, 'error ' + e.name]))
const loaded = (name) => new Promise((resolve) => document.getElementsByName(name)[0].addEventListener('load', resolve, { once: true }))
;(async () => {
  const frames = [loaded('sink1'), loaded('sink2'), loaded('sink3')]
  document.getElementById('f1').submit()
  document.getElementById('f2').submit()
  document.getElementById('f3').submit()
  await Promise.all([
    attempt('no-cors text/plain replay', fetch(${JSON.stringify(replay)}, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(body)} })),
    attempt('no-cors discard', fetch(${JSON.stringify(discard)}, { method: 'POST', mode: 'no-cors', credentials: 'include' })),
    attempt('no-cors pause', fetch(${JSON.stringify(pause)}, { method: 'POST', mode: 'no-cors', credentials: 'include', body: '{}' })),
    attempt('cors json replay', fetch(${JSON.stringify(replay)}, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: ${JSON.stringify(body)} })),
    attempt('beacon', Promise.resolve({ type: String(navigator.sendBeacon(${JSON.stringify(replay)}, new Blob([${JSON.stringify(body)}], { type: 'text/plain' }))) })),
    ...frames,
  ])
  window.done = results
})()
</script></body></html>`
}

async function startPipewright(apiToken: string | null) {
  server = await createServer(hub, { host: '127.0.0.1', port: 0, apiToken })
  return server.listen()
}

async function closeEvil() {
  const s = evil
  evil = undefined
  if (!s) return
  s.closeAllConnections()
  await new Promise<void>((r) => s.close(() => r()))
}

async function startEvil(target: string): Promise<number> {
  const html = attackPage(target, deadRunIds[0]!)
  evil = createHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html))
  await new Promise<void>((r) => evil!.listen(0, '127.0.0.1', () => r()))
  return (evil.address() as AddressInfo).port
}

/** Requests the Pipewright server answered, by path and status (seen from its side). */
function watch(): Array<[string, number]> {
  const seen: Array<[string, number]> = []
  // The signed-in dashboard keeps polling meanwhile; its own (same-origin) requests are not the attack's.
  server!.app.server.on('request', (req, res) => {
    if (req.headers['sec-fetch-site'] === 'same-origin') return
    res.on('finish', () => seen.push([`${req.method} ${req.url}`, res.statusCode]))
  })
  return seen
}

async function expectNothingChanged() {
  for (const id of deadRunIds) {
    const d = await store.getDeadLetter(id)
    expect(d?.replayedBy, id).toBeNull()
    expect(d?.discardedAt, id).toBeNull()
  }
  expect((await store.listRuns({ limit: 100 })).length).toBe(2)
}

async function runAttack(pageUrl: string) {
  const page = await context.newPage()
  try {
    await page.goto(pageUrl)
    const results = (await page.waitForFunction(() => (globalThis as any).done, undefined, { timeout: 20_000 })).jsonValue()
    return results as Promise<Array<[string, string]>>
  } finally {
    await page.close()
  }
}

describe.skipIf(!hasChromium)('a page on another origin', () => {
  for (const [label, evilHost] of [
    ['same host, another port (same-site)', '127.0.0.1'],
    ['another host name (cross-site)', 'attacker.test'],
  ] as const) {
    it(`cannot replay, discard or pause anything on a loopback server without a token: ${label}`, async () => {
      const target = await startPipewright(null)
      const port = await startEvil(target)
      const seen = watch()
      const results = await runAttack(`http://${evilHost}:${port}/`)
      expect(results.find(([n]) => n === 'cors json replay')?.[1]).toBe('error TypeError')
      await expectNothingChanged()
      // Every request that reached the server was refused before any handler ran (a route
      // that does not exist yet, such as pause, is refused by the guard before the 404).
      expect(seen.length).toBeGreaterThan(0)
      for (const [what, status] of seen) expect([403, 415], what).toContain(status)
      expect(seen.map(([what]) => what)).toContain('POST /api/v1/pipelines/leads/pause')
    })
  }

  it('cannot use the dashboard session of a signed-in operator in the same browser', async () => {
    const target = await startPipewright(TOKEN)
    // The operator signs in on the dashboard: the browser now holds the session cookie.
    const dash = await context.newPage()
    await dash.goto(`${target}/`)
    await dash.locator('#token-input').fill(TOKEN)
    await dash.locator('#token-form button').click()
    await expect.poll(() => dash.locator('#runs-body tr[data-run]').count()).toBe(2)
    expect((await context.cookies(target)).map((c) => c.name)).toEqual(['pipewright_session'])

    for (const evilHost of ['127.0.0.1', 'attacker.test']) {
      const port = await startEvil(target)
      const seen = watch()
      await runAttack(`http://${evilHost}:${port}/`)
      await expectNothingChanged()
      for (const [what, status] of seen) expect([401, 403, 415], what).toContain(status)
      await closeEvil()
    }
    // The dashboard itself still can: its own discard button works with the same cookie.
    const res = await dash.evaluate(
      async (id) =>
        (await fetch(`/api/v1/dead-letters/${id}/discard`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }))
          .status,
      deadRunIds[1]!,
    )
    expect(res).toBe(200)
    expect((await store.getDeadLetter(deadRunIds[1]!))?.discardedAt).not.toBeNull()
    await dash.close()
  })

  it('cannot read the API through a rebinding host name: the forged Host gets 421', async () => {
    const target = await startPipewright(null)
    const port = new URL(target).port
    const page = await context.newPage()
    try {
      for (const path of ['/api/v1/runs', '/', '/web/app.js']) {
        const res = await page.goto(`http://rebind.test:${port}${path}`)
        expect(res?.status(), path).toBe(421)
        expect(await page.content()).not.toContain(deadRunIds[0]!)
      }
      // The same server under its own name answers.
      expect((await page.goto(`${target}/api/v1/runs`))?.status()).toBe(200)
    } finally {
      await page.close()
    }
  })
})
