/**
 * `lazyApi` (what `pipewright start` uses): the server listens and answers webhooks, /healthz,
 * /readyz and /metrics before the fastify app exists; the first other request builds the API,
 * and requests that arrive while it is being built wait for it (never a 404).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { webhook } from '../src/pipeline/define.js'
import { createServer } from '../src/server/app.js'
import { compile, sqliteStore, startHub, tempDir } from './helpers/engine.js'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

describe('lazyApi', () => {
  it('serves webhooks and health before the API is built, then builds it once for concurrent requests', async () => {
    const tmp = tempDir('pw-lazy-api-')
    const store = sqliteStore(tmp.dir)
    const pipelines = [compile({ id: 'in', trigger: webhook({ path: 'in', auth: { scheme: 'none' } }), steps: [{ id: 'a', map: 1 }] })]
    const hub = await startHub({ pipelines, store })
    const server = await createServer(hub, { host: '127.0.0.1', port: 0, lazyApi: true })
    const url = await server.listen()
    cleanups.push(
      tmp.cleanup,
      () => hub.close({ deadlineMs: 1000 }),
      () => server.close(),
    )

    const hook = await fetch(`${url}/hooks/in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"x":1}' })
    expect(hook.status).toBe(202)
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' })
    const ready = await fetch(`${url}/readyz`)
    expect(ready.status).toBe(200)
    expect(((await ready.json()) as { status: string }).status).toBe('ready')
    expect(await (await fetch(`${url}/metrics`)).text()).toContain('pipewright_')
    expect(() => server.app).toThrow(/not built/)

    // Two requests while nothing is built: both wait for the one build and get real answers.
    const [a, b] = await Promise.all([fetch(`${url}/api/v1/pipelines`), fetch(`${url}/api/v1/openapi.json`)])
    expect(a.status).toBe(200)
    expect(((await a.json()) as { pipelines: Array<{ id: string }> }).pipelines.map((p: { id: string }) => p.id)).toContain('in')
    expect(b.status).toBe(200)
    expect(server.app).toBe(await server.api())
    expect((await fetch(`${url}/nope`)).status).toBe(404)
    // Webhooks still take the plain listener once the API is built.
    expect(
      (await fetch(`${url}/hooks/in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"x":2}' })).status,
    ).toBe(202)
  })
})
