/**
 * GET /api/v1/openapi.json: an OpenAPI 3.1 document generated from the route schemas, naming
 * every /api/v1 route — and every answer the API gives, on a real hub with succeeded, dead and
 * replayed runs, matches the schema the document states for it (objects are closed: a field the
 * document does not name fails the test).
 */
import { Ajv2020 } from 'ajv/dist/2020.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { invocation } from '../src/connectors/contract.js'
import type { Hub } from '../src/engine/hub.js'
import { NonRetryableError } from '../src/errors.js'
import { manual, webhook } from '../src/pipeline/define.js'
import { createServer, type PipewrightServer } from '../src/server/app.js'
import { apiRoutes } from '../src/server/openapi.js'
import { compile, eventually, ScriptedActions, sqliteStore, startHub, tempDir } from './helpers/engine.js'

let tmp: ReturnType<typeof tempDir>
let hub: Hub
let server: PipewrightServer
let spec: any
let ids: { ok: string; dead: string; dead2: string }

beforeAll(async () => {
  tmp = tempDir('pw-openapi-')
  const store = sqliteStore(tmp.dir)
  const actions = new ScriptedActions().on('crm.write', (call) => {
    if ((call.input as { fail?: boolean }).fail) throw new NonRetryableError('422 from the CRM', { status: 422 })
    return { id: 'c-1' }
  })
  const pipelines = [
    compile({
      id: 'crm',
      description: 'leads to the CRM',
      trigger: manual(),
      retry: { maxAttempts: 1 },
      steps: [
        { id: 'lead', map: ({ event }) => ({ email: event.email }) },
        { id: 'write', action: invocation('crm.write', { fail: ({ event }: any) => event.fail === true }) },
      ],
    }),
    compile({ id: 'form', trigger: webhook({ path: 'form' }), steps: [{ id: 'a', map: () => ({ ok: true }) }] }),
  ]
  hub = (await startHub({ pipelines, store, actions })) as Hub
  server = await createServer(hub, {
    port: 0,
    usage: () => [
      { connection: 'clay:default', budget: 'submissions', period: '2026-12', limit: 50000, used: 12, remaining: 49988, level: 0 },
    ],
  })
  const [ok, dead, dead2] = await hub.ingest('crm', [
    { payload: { email: 'a@x.io' } },
    { payload: { email: 'b@x.io', fail: true } },
    { payload: { email: 'c@x.io', fail: true } },
  ])
  ids = { ok: ok!.runId, dead: dead!.runId, dead2: dead2!.runId }
  for (const id of Object.values(ids)) await eventually(async () => ['succeeded', 'dead'].includes((await store.getRun(id))?.status ?? ''))
  spec = (await server.app.inject({ url: '/api/v1/openapi.json' })).json()
})
afterAll(async () => {
  await server?.close()
  await hub?.close()
  tmp?.cleanup()
})

/** The OpenAPI path of a fastify URL: `/runs/:id` → `/runs/{id}`. */
const oasPath = (url: string) => url.replace(/:(\w+)/g, '{$1}')

describe('GET /api/v1/openapi.json', () => {
  it('is OpenAPI 3.1 with the bearer scheme and documents every /api/v1 route', () => {
    expect(spec.openapi).toBe('3.1.0')
    expect(spec.info.title).toBe('Pipewright API')
    expect(spec.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' })
    const routes = apiRoutes(server.app)
    expect(routes.length).toBeGreaterThanOrEqual(14)
    expect(routes.filter((r) => !r.documented).map((r) => `${r.method} ${r.url}`)).toEqual([])
    for (const r of routes) {
      const op = spec.paths[oasPath(r.url)]?.[r.method.toLowerCase()]
      expect(op, `${r.method} ${r.url}`).toBeTruthy()
      expect(op.summary, `${r.method} ${r.url}`).toBeTruthy()
      expect(op.responses['200'], `${r.method} ${r.url}`).toBeTruthy()
      expect(op.responses['401'], `${r.method} ${r.url}`).toBeTruthy()
    }
    // Nothing outside the API is in the document.
    expect(Object.keys(spec.paths).filter((p) => !p.startsWith('/api/v1/'))).toEqual([])
  })

  it('asks for the token like the rest of /api when one is configured', async () => {
    const guarded = await createServer(hub, { port: 0, apiToken: 'tok-openapi-0123456789abcdef0123456789abcdef' })
    try {
      expect((await guarded.app.inject({ url: '/api/v1/openapi.json' })).statusCode).toBe(401)
      const ok = await guarded.app.inject({
        url: '/api/v1/openapi.json',
        headers: { authorization: 'Bearer tok-openapi-0123456789abcdef0123456789abcdef' },
      })
      expect(ok.json().openapi).toBe('3.1.0')
    } finally {
      await guarded.close()
    }
  })
})

describe('real answers match the document', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true })

  async function check(method: 'GET' | 'POST', url: string, path: string, payload?: unknown, contentType?: string) {
    const res = await server.app.inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload: payload as string, headers: contentType ? { 'content-type': contentType } : {} }),
    })
    const op = spec.paths[path]?.[method.toLowerCase()]
    expect(op, `${method} ${path} is documented`).toBeTruthy()
    const documented = op.responses[String(res.statusCode)]
    expect(documented, `${method} ${url} answered ${res.statusCode}, which the document does not list: ${res.body}`).toBeTruthy()
    const [type, media] = Object.entries(documented.content ?? {})[0] as [string, { schema: object }]
    if (type === 'application/json') {
      const validate = ajv.compile(media.schema)
      const body = res.json()
      expect(validate(body), `${method} ${url} → ${res.statusCode}: ${ajv.errorsText(validate.errors)}\n${res.body.slice(0, 600)}`).toBe(
        true,
      )
    }
    return res
  }

  it('for pipelines, runs, dead letters, usage and connections — successes and errors', async () => {
    await check('GET', '/api/v1/pipelines', '/api/v1/pipelines')
    await check('GET', '/api/v1/runs?limit=10', '/api/v1/runs')
    expect((await check('GET', '/api/v1/runs?status=nope', '/api/v1/runs')).statusCode).toBe(400)
    await check('GET', `/api/v1/runs/${ids.ok}`, '/api/v1/runs/{id}')
    await check('GET', `/api/v1/runs/${ids.dead}`, '/api/v1/runs/{id}')
    expect((await check('GET', '/api/v1/runs/run_missing', '/api/v1/runs/{id}')).statusCode).toBe(404)
    await check('GET', '/api/v1/runs/export.csv?steps=true', '/api/v1/runs/export.csv')
    await check('GET', '/api/v1/dead-letters', '/api/v1/dead-letters')
    await check('GET', '/api/v1/dead-letters/count?reason=permanent', '/api/v1/dead-letters/count')
    await check('GET', `/api/v1/dead-letters/${ids.dead}`, '/api/v1/dead-letters/{runId}')
    expect((await check('GET', '/api/v1/dead-letters/run_missing', '/api/v1/dead-letters/{runId}')).statusCode).toBe(404)
    await check('POST', `/api/v1/dead-letters/${ids.dead}/replay`, '/api/v1/dead-letters/{runId}/replay', { from: 'failed-step' })
    expect((await check('POST', '/api/v1/dead-letters/replay', '/api/v1/dead-letters/replay', { from: 'sideways' })).statusCode).toBe(400)
    await check('POST', '/api/v1/dead-letters/replay', '/api/v1/dead-letters/replay', { filter: { pipeline: 'crm' }, limit: 5 })
    await check('POST', `/api/v1/runs/${ids.ok}/replay`, '/api/v1/runs/{id}/replay', { version: 'latest' })
    expect((await check('POST', '/api/v1/runs/run_missing/replay', '/api/v1/runs/{id}/replay', {})).statusCode).toBe(409)
    await check('GET', '/api/v1/usage', '/api/v1/usage')
    await check('GET', '/api/v1/connections', '/api/v1/connections')
    await check('GET', '/api/v1/status', '/api/v1/status')
    await check('GET', '/api/v1/charts?hours=1', '/api/v1/charts')
    expect((await check('GET', '/api/v1/charts?hours=0', '/api/v1/charts')).statusCode).toBe(400)
    await check('POST', '/api/v1/pipelines/form/import', '/api/v1/pipelines/{id}/import', 'name\nann\n"bad\n', 'text/csv')
    expect(
      (await check('POST', '/api/v1/pipelines/form/import', '/api/v1/pipelines/{id}/import', '{}', 'application/json')).statusCode,
    ).toBe(415)
    expect((await check('POST', '/api/v1/pipelines/nope/import', '/api/v1/pipelines/{id}/import', 'a\n1\n', 'text/csv')).statusCode).toBe(
      404,
    )
    // A run replayed from the failed step, then the dead letter it resolved: both still match.
    await eventually(async () => (await hub.store.getDeadLetter(ids.dead))?.replayedBy !== null)
    await check('GET', `/api/v1/dead-letters/${ids.dead}`, '/api/v1/dead-letters/{runId}')
    await check('GET', '/api/v1/dead-letters?all=true', '/api/v1/dead-letters')
    await check('POST', `/api/v1/dead-letters/${ids.dead2}/discard`, '/api/v1/dead-letters/{runId}/discard', {})
    expect((await check('POST', `/api/v1/dead-letters/${ids.dead2}/discard`, '/api/v1/dead-letters/{runId}/discard', {})).statusCode).toBe(
      404,
    )
  })
})
