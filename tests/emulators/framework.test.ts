import { request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { createEmulator, type EmulatorServer, formatSandboxLines, json, startSandbox, text } from '../../src/sandbox/index.js'

interface Rows {
  rows: unknown[]
}

let emu: EmulatorServer<Rows> | null = null
afterEach(async () => {
  await emu?.close()
  emu = null
})

function rowsEmulator(options: Partial<Parameters<typeof createEmulator<Rows>>[0]> = {}): EmulatorServer<Rows> {
  const e = createEmulator<Rows>({
    service: 'rows',
    state: () => ({ rows: [] }),
    tooManyRequests: (_req, ms) => json(429, { error: 'slow_down' }, { 'retry-after': String(Math.ceil(ms / 1000)) }),
    serverError: (_req, status) => text(status, 'upstream_failed'),
    ...options,
  })
  const limiter = e.limiter(2, 1000)
  e.route('POST', '/rows', (req, ctx) => {
    ctx.state.rows.push(req.body)
    return json(201, { n: ctx.state.rows.length })
  })
  e.route('GET', '/rows/:id', (req) => json(200, { id: req.params.id }))
  e.route('GET', '/limited', (_req, ctx) => {
    const d = limiter.take('k', ctx.now)
    return d.allowed ? json(200, { remaining: d.remaining }) : json(429, { wait: d.retryAfterMs })
  })
  return e
}

describe('createEmulator', () => {
  it('routes requests, parses JSON and form bodies, and logs them for inspection', async () => {
    emu = rowsEmulator()
    const url = await emu.listen()
    const a = await request(`${url}/rows`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' })
    expect(a.statusCode).toBe(201)
    expect(await a.body.json()).toEqual({ n: 1 })
    const b = await request(`${url}/rows`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'x=1&y=two',
    })
    expect(await b.body.json()).toEqual({ n: 2 })
    const c = await request(`${url}/rows/abc%20d?z=1`)
    expect(await c.body.json()).toEqual({ id: 'abc d' })
    expect(emu.state.rows).toEqual([{ a: 1 }, { x: '1', y: 'two' }])
    expect(emu.requests().map((r) => [r.method, r.path, r.status])).toEqual([
      ['POST', '/rows', 201],
      ['POST', '/rows', 201],
      ['GET', '/rows/abc%20d', 200],
    ])
    expect(emu.requests()[2].query).toEqual({ z: '1' })
  })

  it('answers unknown paths with 404 and reset() empties state, log and limiters', async () => {
    emu = rowsEmulator()
    const url = await emu.listen()
    expect((await request(`${url}/nope`)).statusCode).toBe(404)
    await request(`${url}/rows`, { method: 'POST', body: '{}' })
    await request(`${url}/limited`)
    await request(`${url}/limited`)
    expect((await request(`${url}/limited`)).statusCode).toBe(429)
    emu.reset()
    expect(emu.state.rows).toEqual([])
    expect(emu.requests()).toEqual([])
    expect((await request(`${url}/limited`)).statusCode).toBe(200)
  })

  it('injects the vendor 429 during a storm and stops when the storm is over', async () => {
    let now = 1_000_000
    emu = rowsEmulator({ clock: { now: () => now } })
    const url = await emu.listen()
    emu.faults.set({ rateLimitStorm: { durationMs: 5000, retryAfterMs: 3000 } })
    const r = await request(`${url}/rows/1`)
    expect(r.statusCode).toBe(429)
    expect(r.headers['retry-after']).toBe('3')
    expect(await r.body.json()).toEqual({ error: 'slow_down' })
    now += 5001
    expect((await request(`${url}/rows/1`)).statusCode).toBe(200)
    expect(emu.requests().map((x) => x.fault)).toEqual(['rate-limit', undefined])
  })

  it('injects 5xx errors, latency and connection resets, configurable over HTTP', async () => {
    emu = rowsEmulator()
    const url = await emu.listen()
    const set = await request(`${url}/__emulator/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRate: 1, errorStatus: 502 }),
    })
    expect(await set.body.json()).toEqual({ errorRate: 1, errorStatus: 502 })
    const e = await request(`${url}/rows/1`)
    expect(e.statusCode).toBe(502)
    expect(await e.body.text()).toBe('upstream_failed')

    await request(`${url}/__emulator/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs: 120 }),
    })
    const t0 = Date.now()
    expect((await request(`${url}/rows/1`)).statusCode).toBe(200)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100)

    emu.faults.replace({ resetRate: 1 })
    await expect(request(`${url}/rows/1`)).rejects.toThrow()
    expect(emu.requests().at(-1)).toMatchObject({ status: 0, fault: 'reset' })

    const bad = await request(`${url}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRate: 7 }),
    })
    expect(bad.statusCode).toBe(400)
    await request(`${url}/__emulator/faults`, { method: 'DELETE' })
    expect((await request(`${url}/rows/1`)).statusCode).toBe(200)
  })

  it('limits faults to a path prefix', async () => {
    emu = rowsEmulator({ faults: { errorRate: 1, pathPrefix: '/rows/' } })
    const url = await emu.listen()
    expect((await request(`${url}/rows/1`)).statusCode).toBe(503)
    expect((await request(`${url}/rows`, { method: 'POST', body: '{}' })).statusCode).toBe(201)
  })
})

/**
 * Start the sandbox from a base port below Linux's ephemeral range (32768+), so no client socket
 * of a parallel test can hold it; another listener can, so a taken pair is retried elsewhere.
 */
async function startOnFreePorts(registry: NonNullable<Parameters<typeof startSandbox>[0]>['registry']) {
  for (let attempt = 1; ; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 10_000)
    try {
      return { sb: await startSandbox({ registry, port: base }), base }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 5) throw e
    }
  }
}

describe('startSandbox', () => {
  it('starts the chosen emulators on consecutive ports and formats one line per service', async () => {
    const registry = [
      { service: 'one', create: () => rowsEmulator() },
      { service: 'two', create: () => rowsEmulator() },
    ]
    const { sb, base } = await startOnFreePorts(registry)
    try {
      expect(sb.urls).toEqual({ one: `http://127.0.0.1:${base}`, two: `http://127.0.0.1:${base + 1}` })
      expect(formatSandboxLines(sb.urls)).toEqual([`one http://127.0.0.1:${base}`, `two http://127.0.0.1:${base + 1}`])
      expect((await request(`${sb.urls.two}/rows/x`)).statusCode).toBe(200)
    } finally {
      await sb.close()
    }
  })

  it('rejects unknown service names', async () => {
    await expect(startSandbox({ registry: [], services: ['nope'] })).rejects.toThrow(/unknown sandbox service nope/)
  })
})
