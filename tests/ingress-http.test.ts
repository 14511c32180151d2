/**
 * Webhook ingress through HTTP on a real hub: temp SQLite store, scripted actions, the real
 * server listening on loopback (requests take the plain node:http ingress listener), and the
 * fastify route through `inject`. Every rejection must store nothing; every client mistake is
 * a 4xx.
 */
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { Hub } from '../src/engine/hub.js'
import { webhook } from '../src/pipeline/define.js'
import type { StepDefinition, WebhookAuth, WebhookTriggerOptions } from '../src/pipeline/types.js'
import { createServer, type PipewrightServer } from '../src/server/app.js'
import { signHmacSha256, signStandardWebhook, signWebhookRequest } from '../src/triggers/auth/index.js'
import { tryGetRetained } from '../src/triggers/retention.js'
import { compile, ScriptedActions, sqliteStore, startHub, tempDir } from './helpers/engine.js'

const WHSEC = `whsec_${Buffer.from('standard-webhooks-test-key-0001').toString('base64')}`
const SCHEMES: Record<string, WebhookAuth> = {
  header: { header: 'x-webhook-secret', secret: 'clay-secret-1' },
  hmac: { scheme: 'hmac-sha256', header: 'x-hub-signature-256', prefix: 'sha256=', secret: 'hmac-secret-1' },
  hmac64: { scheme: 'hmac-sha256', header: 'x-signature', encoding: 'base64', secret: 'hmac-secret-2' },
  stdwh: { scheme: 'standard-webhooks', secret: WHSEC },
  slack: { scheme: 'slack', secret: 'slack-signing-secret' },
  hubspot: { scheme: 'hubspot-v3', secret: 'hubspot-client-secret', publicBaseUrl: 'https://hooks.example.com' },
  bearer: { scheme: 'bearer', token: 'bearer-token-1' },
  basic: { scheme: 'basic', username: 'zapier', password: 'basic-pass-1' },
}

const echo: StepDefinition[] = [{ id: 'seen', map: ({ event }) => ({ event }) }]

interface Env {
  hub: Hub
  server: PipewrightServer
  actions: ScriptedActions
  db: string
  counts(): { events: number; runs: number }
  /** POST over a real loopback connection. */
  post(path: string, body: string | Buffer, headers?: Record<string, string>): Promise<Reply>
  /** The same through fastify's `inject` (the route that serves in-process callers). */
  inject(path: string, body: string | Buffer, headers?: Record<string, string>): Promise<Reply>
}

interface Reply {
  statusCode: number
  headers: Record<string, string | string[] | number | undefined>
  body: string
  json(): any
}

/** One HTTP/1.1 request on its own connection; the body is sent as given with its length. */
function httpPost(base: string, path: string, body: string | Buffer, headers: Record<string, string>): Promise<Reply> {
  const url = new URL(path, base)
  const payload = typeof body === 'string' ? Buffer.from(body) : body
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { ...headers, 'content-length': String(payload.length) } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({ statusCode: res.statusCode!, headers: res.headers, body: text, json: () => JSON.parse(text) })
      })
      res.on('error', reject)
    })
    // The server may answer (413) and close before the whole body is written.
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)))
    req.end(payload)
  })
}

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function setup(
  triggers: Array<WebhookTriggerOptions & { steps?: StepDefinition[] }>,
  hubOptions: { maxQueuedRuns?: number; concurrency?: number } = {},
): Promise<Env> {
  const tmp = tempDir('pw-ingress-')
  const store = sqliteStore(tmp.dir)
  const actions = new ScriptedActions()
  const pipelines = triggers.map(({ steps, ...t }, i) => compile({ id: `p${i}`, trigger: webhook(t), steps: steps ?? echo }))
  const hub = await startHub({ pipelines, store, actions, ...hubOptions })
  const server = await createServer(hub, { port: 0 })
  const base = await server.listen()
  const db = join(tmp.dir, 'pw.db')
  cleanups.push(
    tmp.cleanup,
    () => hub.close({ deadlineMs: 1000 }),
    () => server.close(),
  )
  return {
    hub,
    server,
    actions,
    db,
    counts() {
      const read = new Database(db, { readonly: true })
      try {
        const n = (t: string) => (read.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n
        return { events: n('events'), runs: n('runs') }
      } finally {
        read.close()
      }
    },
    post: (path, body, headers = {}) => httpPost(base, `/hooks/${path}`, body, { 'content-type': 'application/json', ...headers }),
    inject: async (path, body, headers = {}) => {
      const res = await server.app.inject({
        method: 'POST',
        url: `/hooks/${path}`,
        payload: body,
        headers: { 'content-type': 'application/json', ...headers },
      })
      return { statusCode: res.statusCode, headers: res.headers, body: res.body, json: () => res.json() }
    },
  }
}

const BODY = JSON.stringify({ email: 'ann@acme.com', score: 91 })

describe('every auth scheme through HTTP', () => {
  it('accepts a correctly signed request for each scheme and stores its event and run', async () => {
    const env = await setup(Object.entries(SCHEMES).map(([path, auth]) => ({ path, auth })))
    for (const [path, auth] of Object.entries(SCHEMES)) {
      const headers = signWebhookRequest(auth, { body: BODY, url: `/hooks/${path}`, id: `msg_${path}` }, Date.now())
      const res = await env.post(path, BODY, headers)
      expect(res.statusCode, `${path}: ${res.body}`).toBe(202)
      const { runId, eventId } = res.json()
      expect(runId).toMatch(/^run/)
      expect((await env.hub.store.getEvent(eventId))?.payload).toEqual(JSON.parse(BODY))
    }
    expect(env.counts()).toEqual({ events: 8, runs: 8 })
  })

  it('answers 401 and stores nothing for a tampered body, header, stale or future timestamp, or wrong secret', async () => {
    const env = await setup(Object.entries(SCHEMES).map(([path, auth]) => ({ path, auth })))
    const now = Date.now()
    const cases: Array<[string, string, Record<string, string>]> = []
    for (const [path, auth] of Object.entries(SCHEMES)) {
      const good = signWebhookRequest(auth, { body: BODY, url: `/hooks/${path}`, id: 'msg_1' }, now)
      // A shared secret, bearer token or password does not cover the body; signatures do.
      if (!['header', 'bearer', 'basic'].includes(path)) cases.push([path, BODY.replace('91', '99'), good])
      const name = Object.keys(good).find((h) => !/timestamp|webhook-id/.test(h))!
      cases.push([path, BODY, { ...good, [name]: `${good[name]!.slice(0, -2)}xx` }]) // tampered header
      const wrong = JSON.parse(JSON.stringify(auth)) as Record<string, string>
      for (const f of ['secret', 'token', 'password'])
        if (wrong[f])
          wrong[f] =
            f === 'secret' && path === 'stdwh'
              ? `whsec_${Buffer.from('another-key-of-enough-length').toString('base64')}`
              : `${wrong[f]}-wrong`
      cases.push([path, BODY, signWebhookRequest(wrong as unknown as WebhookAuth, { body: BODY, url: `/hooks/${path}`, id: 'msg_1' }, now)])
    }
    for (const path of ['stdwh', 'slack', 'hubspot']) {
      for (const skew of [-6 * 60_000, 6 * 60_000])
        cases.push([path, BODY, signWebhookRequest(SCHEMES[path], { body: BODY, url: `/hooks/${path}`, id: 'msg_2' }, now + skew)])
    }
    cases.push(['bearer', BODY, {}]) // no credentials at all
    for (const [path, body, headers] of cases) {
      const res = await env.post(path, body, headers)
      expect(res.statusCode, `${path} ${JSON.stringify(headers)}`).toBe(401)
      expect(res.json().error.code).toBe('PW_UNAUTHORIZED')
      for (const secret of [
        'clay-secret-1',
        'hmac-secret-1',
        'slack-signing-secret',
        'hubspot-client-secret',
        'bearer-token-1',
        'basic-pass-1',
      ])
        expect(res.body).not.toContain(secret)
    }
    expect(env.counts()).toEqual({ events: 0, runs: 0 })
    const metrics = await env.server.metrics.render()
    expect(metrics).toMatch(/pipewright_webhook_rejected_total\{reason="PW_UNAUTHORIZED",path="slack"\} 5/)
  })

  it('accepts any of several secrets during rotation and refuses a retired one', async () => {
    const auth: WebhookAuth = { scheme: 'hmac-sha256', header: 'x-sig', secret: ['new-secret-2', 'old-secret-1'] }
    const env = await setup([{ path: 'rot', auth }])
    expect((await env.post('rot', BODY, signHmacSha256('new-secret-2', BODY, { header: 'x-sig' }))).statusCode).toBe(202)
    expect((await env.post('rot', BODY, signHmacSha256('old-secret-1', BODY, { header: 'x-sig' }))).statusCode).toBe(202)
    expect((await env.post('rot', BODY, signHmacSha256('retired-secret-0', BODY, { header: 'x-sig' }))).statusCode).toBe(401)
    expect(env.counts()).toEqual({ events: 2, runs: 2 })
  })
})

describe('client mistakes are 4xx and store nothing', () => {
  it('answers 413 for a body over the trigger limit and over the server limit, and counts both', async () => {
    const env = await setup([{ path: 'small', maxBodyBytes: 1024 }])
    const big = JSON.stringify({ pad: 'x'.repeat(2048) })
    const r1 = await env.post('small', big)
    expect(r1.statusCode).toBe(413)
    expect(r1.json().error.message).toBe(`body is ${big.length} bytes; this webhook accepts at most 1024 bytes`)
    const r2 = await env.post('small', Buffer.alloc(1024 * 1024 + 10, 0x20))
    expect(r2.statusCode).toBe(413)
    expect(r2.json().error.code).toBe('PW_PAYLOAD_TOO_LARGE')
    expect(env.counts()).toEqual({ events: 0, runs: 0 })
    expect(await env.server.metrics.render()).toMatch(/pipewright_webhook_rejected_total\{reason="PW_PAYLOAD_TOO_LARGE",path="small"\} 2/)
  })

  it('answers 400 naming the position of malformed JSON, 415 for a wrong type, 404 for an unknown path', async () => {
    const env = await setup([{ path: 'in' }])
    const bad = await env.post('in', '{"email": "a@b.co",\n  "score": ,}')
    expect(bad.statusCode).toBe(400)
    expect(bad.json().error.message).toMatch(/^body is not valid JSON: .*line 2, column 12/)
    expect(bad.json().error.details).toMatchObject({ line: 2, column: 12 })
    const xml = await env.post('in', '<lead/>', { 'content-type': 'application/xml' })
    expect(xml.statusCode).toBe(415)
    expect(xml.json().error.code).toBe('PW_UNSUPPORTED_MEDIA_TYPE')
    const missing = await env.post('nope/nothing', BODY)
    expect(missing.statusCode).toBe(404)
    expect(missing.json().error.message).toBe('no pipeline listens on /hooks/nope/nothing')
    expect(env.counts()).toEqual({ events: 0, runs: 0 })
    const metrics = await env.server.metrics.render()
    expect(metrics).toContain('pipewright_webhook_rejected_total{reason="PW_NOT_FOUND",path="unknown"} 1')
    expect(metrics).toContain('pipewright_webhook_rejected_total{reason="PW_UNSUPPORTED_MEDIA_TYPE",path="in"} 1')
  })

  it('answers 413 to a streamed body once it passes the limit, and 404 to an unknown path with a body; both over a real connection', async () => {
    const env = await setup([{ path: 'small', maxBodyBytes: 1024 }])
    const url = new URL('/hooks/small', env.server.url().replace('[::1]', 'localhost'))
    const status = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      // No Content-Length: the body arrives chunked, so only counting the bytes can stop it.
      const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
        let body = ''
        res.on('data', (c) => (body += c))
        res.on('end', () => resolve({ code: res.statusCode!, body }))
      })
      req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)))
      req.write('{"pad":"')
      for (let i = 0; i < 8; i++) req.write('x'.repeat(512))
      req.end('"}')
    })
    expect(status.code).toBe(413)
    expect(JSON.parse(status.body).error.message).toBe('body is larger than 1024 bytes, the most this webhook accepts')
    const missing = await env.post('elsewhere', JSON.stringify({ pad: 'y'.repeat(4096) }))
    expect([missing.statusCode, missing.json().error.code]).toEqual([404, 'PW_NOT_FOUND'])
    expect(env.counts()).toEqual({ events: 0, runs: 0 })
    const metrics = await env.server.metrics.render()
    expect(metrics).toContain('pipewright_webhook_rejected_total{reason="PW_PAYLOAD_TOO_LARGE",path="small"} 1')
    expect(metrics).toContain('pipewright_webhook_rejected_total{reason="PW_NOT_FOUND",path="unknown"} 1')
  })

  it('answers the same through fastify (inject) as over a real connection', async () => {
    const env = await setup([{ path: 'in', auth: SCHEMES.hmac! }])
    const headers = signHmacSha256('hmac-secret-1', BODY, { header: 'x-hub-signature-256', prefix: 'sha256=' })
    const viaInject = await env.inject('in', BODY, headers)
    const viaHttp = await env.post('in', BODY, headers)
    expect([viaInject.statusCode, viaHttp.statusCode]).toEqual([202, 202])
    expect(Object.keys(viaInject.json()).sort()).toEqual(Object.keys(viaHttp.json()).sort())
    expect(viaInject.headers['content-type']).toBe(viaHttp.headers['content-type'])
    const forged = { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }
    const [a, b] = [await env.inject('in', BODY, forged), await env.post('in', BODY, forged)]
    expect([a.statusCode, b.statusCode]).toEqual([401, 401])
    expect(a.json()).toEqual(b.json())
    expect(env.counts()).toEqual({ events: 2, runs: 2 })
  })

  it('answers 400 listing every failing path of a schema violation', async () => {
    const schema = z.object({ email: z.email(), score: z.number().max(100), company: z.object({ domain: z.string() }) })
    const env = await setup([{ path: 'typed', schema }])
    const res = await env.post('typed', JSON.stringify({ email: 'nope', score: 101, company: {} }))
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('PW_PAYLOAD_INVALID')
    expect(res.json().error.details.map((d: { path: string }) => d.path)).toEqual(['email', 'score', 'company.domain'])
    expect(env.counts()).toEqual({ events: 0, runs: 0 })
  })

  it('answers 400 when the deliveryId function throws on the payload', async () => {
    const env = await setup([{ path: 'keyed', deliveryId: (e) => e.meta.id }])
    const res = await env.post('keyed', BODY)
    expect(res.statusCode).toBe(400)
    expect(res.json().error.message).toMatch(/^the trigger's deliveryId function failed: .*undefined/)
    expect(env.counts()).toEqual({ events: 0, runs: 0 })
  })

  it('never answers 5xx to random bodies, content types and headers', async () => {
    const env = await setup([
      { path: 'open' },
      { path: 'signed', auth: SCHEMES.stdwh!, split: 'array', schema: { type: 'object', required: ['a'] } },
      { path: 'csv', auth: SCHEMES.slack! },
    ])
    const contentType = fc.oneof(
      fc.constantFrom(
        'application/json',
        'application/json; charset=utf-16le',
        'text/csv',
        'text/csv; charset=latin1',
        'application/x-www-form-urlencoded',
        'application/json; charset=klingon',
        '',
      ),
      fc.string({ maxLength: 40 }),
    )
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc.json().map((j) => Buffer.from(j)),
      fc.string().map((s) => Buffer.from(`a,b\n${s}`)),
    )
    const header = fc.dictionary(
      fc.constantFrom(
        'webhook-id',
        'webhook-timestamp',
        'webhook-signature',
        'x-slack-signature',
        'x-slack-request-timestamp',
        'content-length',
        'content-encoding',
      ),
      fc.string({ maxLength: 30 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('open', 'signed', 'csv', 'unknown', 'open/../x'),
        contentType,
        body,
        header,
        async (path, ct, raw, headers) => {
          const all: Record<string, string> = { ...headers, 'content-type': ct.replace(/[^\x20-\x7e]/g, '') }
          const injected = await env.server.app.inject({ method: 'POST', url: `/hooks/${path}`, payload: raw, headers: all })
          expect(injected.statusCode, injected.body).toBeLessThan(500)
          // Over a real connection the length is the framing, so the client sets it.
          const { 'content-length': _framing, ...sent } = all
          const res = await env.post(path, raw, sent)
          expect(res.statusCode, res.body).toBeLessThan(500)
        },
      ),
      { numRuns: 200 },
    )
  })
})

describe('duplicates, batches and durability', () => {
  it('answers a repeated delivery id 200 {duplicate, runId} and starts one run', async () => {
    const env = await setup([{ path: 'sw', auth: SCHEMES.stdwh! }])
    const headers = signStandardWebhook(WHSEC, 'msg_dup', Math.floor(Date.now() / 1000), BODY)
    const first = await env.post('sw', BODY, headers)
    expect(first.statusCode).toBe(202)
    const again = await env.post('sw', BODY, headers)
    expect(again.statusCode).toBe(200)
    expect(again.json()).toEqual({ duplicate: true, runId: first.json().runId })
    expect(env.counts()).toEqual({ events: 1, runs: 1 })
  })

  it('starts exactly one run for ten identical deliveries arriving at once', async () => {
    const env = await setup([{ path: 'sw', auth: SCHEMES.stdwh! }])
    const headers = signStandardWebhook(WHSEC, 'msg_burst', Math.floor(Date.now() / 1000), BODY)
    const all = await Promise.all(Array.from({ length: 10 }, () => env.post('sw', BODY, headers)))
    const accepted = all.filter((r) => r.statusCode === 202)
    expect(accepted).toHaveLength(1)
    const runId = accepted[0]!.json().runId
    for (const r of all.filter((x) => x.statusCode !== 202)) expect([r.statusCode, r.json()]).toEqual([200, { duplicate: true, runId }])
    expect(env.counts()).toEqual({ events: 1, runs: 1 })
  })

  it('splits a signed HubSpot batch into events with their own delivery ids', async () => {
    const batch = readFileSync(new URL('./fixtures/webhooks/hubspot/webhook-batch.json', import.meta.url))
    const env = await setup([{ path: 'hs', auth: SCHEMES.hubspot!, split: 'hubspot' }])
    const sign = () => signWebhookRequest(SCHEMES.hubspot, { body: batch, url: '/hooks/hs' }, Date.now())
    const res = await env.post('hs', batch, sign())
    expect(res.statusCode).toBe(202)
    const elements = JSON.parse(batch.toString()) as Array<{ eventId: number }>
    expect(res.json().runs).toHaveLength(elements.length)
    const read = new Database(env.db, { readonly: true })
    const ids = read
      .prepare('SELECT delivery_id AS id FROM events ORDER BY delivery_id')
      .all()
      .map((r) => (r as { id: string }).id)
    read.close()
    expect(ids).toEqual(elements.map((e) => String(e.eventId)).sort())
    const retry = await env.post('hs', batch, sign())
    expect(retry.statusCode).toBe(200)
    expect(retry.json().duplicate).toBe(true)
    expect(env.counts().runs).toBe(elements.length)
  })

  it('turns CSV rows into events with row numbers; a header-only CSV or empty split array is 202 {runs: []} with nothing stored', async () => {
    const env = await setup([{ path: 'csv' }, { path: 'arr', split: 'array' }])
    const empty = await env.post('csv', 'email,name\n', { 'content-type': 'text/csv' })
    expect([empty.statusCode, empty.json()]).toEqual([202, { runs: [] }])
    const none = await env.post('arr', '[]')
    expect([none.statusCode, none.json()]).toEqual([202, { runs: [] }])
    expect(env.counts()).toEqual({ events: 0, runs: 0 })
    const res = await env.post('csv', 'email,name\na@x.io,Ann\n\nb@x.io,"Bo\nB"\n', {
      'content-type': 'text/csv',
      'webhook-id': 'export-7',
    })
    expect(res.statusCode).toBe(202)
    const runs = res.json().runs as Array<{ eventId: string }>
    const events = await Promise.all(runs.map((r) => env.hub.store.getEvent(r.eventId)))
    expect(events.map((e) => [e?.payload, e?.meta?.rowNumber, e?.deliveryId])).toEqual([
      [{ email: 'a@x.io', name: 'Ann' }, 2, 'export-7:2'],
      [{ email: 'b@x.io', name: 'Bo\nB' }, 4, 'export-7:4'],
    ])
  })

  it('answers 503 with Retry-After and stores nothing when the store is unavailable', async () => {
    const env = await setup([{ path: 'in' }])
    await env.hub.store.close()
    const res = await env.post('in', BODY)
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('5')
    expect(res.json().error.code).toBe('PW_STORE_UNAVAILABLE')
    expect(env.counts()).toEqual({ events: 0, runs: 0 })
  })

  it('answers 429 with Retry-After when too many runs wait, and stores nothing for it', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    const env = await setup([{ path: 'slow', steps: [{ id: 'wait', code: async () => gate }] }], { maxQueuedRuns: 2, concurrency: 1 })
    cleanups.push(() => release())
    const statuses: number[] = []
    let busy: Awaited<ReturnType<Env['post']>> | undefined
    for (let i = 0; i < 6 && !busy; i++) {
      const res = await env.post('slow', JSON.stringify({ i }))
      statuses.push(res.statusCode)
      if (res.statusCode === 429) busy = res
    }
    expect(busy, `statuses ${statuses}`).toBeDefined()
    expect(busy!.headers['retry-after']).toBe('1')
    expect(busy!.json().error.code).toBe('PW_BACK_PRESSURE')
    const accepted = statuses.filter((s) => s === 202).length
    expect(env.counts()).toEqual({ events: accepted, runs: accepted })
    release()
  })
})

describe('retention and synchronous responses', () => {
  it('keeps a redacted copy for the TTL while the run sees the real payload', async () => {
    const env = await setup([
      {
        path: 'pay',
        retain: { ttl: '1h' },
        redact: ['card.number'],
        steps: [{ id: 'seen', map: ({ event }) => ({ number: event.card.number }) }],
      },
    ])
    const res = await env.post('pay', JSON.stringify({ card: { number: '4242424242424242', brand: 'visa' } }), {
      'user-agent': 'sender/1.0',
      authorization: 'Bearer nope-not-kept',
    })
    expect(res.statusCode).toBe(202)
    const { runId, eventId } = res.json()
    const run = await env.hub.waitForRun(runId, 5000)
    expect(run?.status).toBe('succeeded')
    const steps = await env.hub.store.getSteps(runId)
    expect(steps.find((s) => s.stepPath === 'seen')?.output).toEqual({ number: '4242424242424242' })
    const now = Date.now()
    const copy = await tryGetRetained(env.hub.store, eventId, now)
    expect(copy?.payload).toEqual({ card: { number: '[redacted]', brand: 'visa' } })
    expect(copy?.meta).toMatchObject({ contentType: 'application/json', userAgent: 'sender/1.0' })
    expect(JSON.stringify(copy)).not.toContain('nope-not-kept')
    expect(await tryGetRetained(env.hub.store, eventId, now + 3_600_001)).toBeUndefined()
    const shown = await env.server.app.inject({ method: 'GET', url: `/api/v1/runs/${runId}` })
    expect(shown.json().event.payload).toEqual({ card: { number: '[redacted]', brand: 'visa' } })
    expect(JSON.stringify(shown.json().event)).not.toContain('4242424242424242')
  })

  it('stores a JSON body as the text that was sent, and reads it back as the parsed payload', async () => {
    const env = await setup([{ path: 'plain' }])
    const sent = '{\n  "email": "ann@acme.com",\n  "score": 91.0,\n  "tags": [ "a" ]\n}'
    const res = await env.post('plain', sent)
    expect(res.statusCode).toBe(202)
    const read = new Database(env.db, { readonly: true })
    const row = read.prepare('SELECT payload FROM events WHERE id = ?').get(res.json().eventId) as { payload: string }
    read.close()
    expect(row.payload).toBe(sent)
    expect((await env.hub.store.getEvent(res.json().eventId))?.payload).toEqual({ email: 'ann@acme.com', score: 91, tags: ['a'] })
  })

  it('keeps no copy when retain is not set', async () => {
    const env = await setup([{ path: 'plain' }])
    const res = await env.post('plain', BODY)
    expect(await tryGetRetained(env.hub.store, res.json().eventId, Date.now())).toBeUndefined()
  })

  it('answers with the mapped body when the run finishes in time, else 202 with the run id', async () => {
    const env = await setup([
      {
        path: 'fast',
        respond: { timeoutMs: 3000, status: 201, body: ({ lead }: { lead: { name: string } }) => ({ hello: lead.name }) },
        steps: [{ id: 'lead', map: ({ event }) => ({ name: event.name.toUpperCase() }) }],
      },
      { path: 'slow', respond: { timeoutMs: 50 }, steps: [{ id: 'nap', code: () => new Promise((r) => setTimeout(r, 400)) }] },
    ])
    const fast = await env.post('fast', JSON.stringify({ name: 'ann' }))
    expect([fast.statusCode, fast.json()]).toEqual([201, { hello: 'ANN' }])
    const slow = await env.post('slow', BODY)
    expect(slow.statusCode).toBe(202)
    expect(slow.json()).toMatchObject({ runId: expect.stringMatching(/^run/), status: 'running' })
    expect((await env.hub.waitForRun(slow.json().runId, 5000))?.status).toBe('succeeded')
  })
})
