import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ActionCall, ActionContext, ConnectorDefinition } from '../src/connectors/contract.js'
import type { HttpConnection, HttpRequestInput } from '../src/connectors/http/index.js'
import { createHttpConnector, http } from '../src/connectors/http/index.js'
import { isNonRetryable, isPipewrightError, serializeError } from '../src/errors.js'
import { createManualClock } from '../src/resilience/manual-clock.js'
import { loopbackDispatcher } from './helpers/net.js'

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void
interface Seen {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}

let server: Server
let base: string
let handler: Handler
let seen: Seen[]

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      handler(req, res, body)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

const clock = createManualClock(Date.UTC(2026, 10, 23, 12))
let connector: ConnectorDefinition<HttpConnection>
afterEach(async () => {
  await connector?.close?.()
})

function setup(h: Handler): void {
  seen = []
  handler = h
  connector = createHttpConnector()
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

async function call(input: HttpRequestInput, attempt = 1, connection: HttpConnection = {}): Promise<any> {
  const action = connector.actions.request
  const parsed = action.input!.parse(input)
  const ac = new AbortController()
  const c: ActionCall = {
    ref: 'http.request',
    input: parsed,
    runId: 'run_1',
    pipelineId: 'p',
    stepId: 'post',
    attempt,
    idempotencyKey: 'run_1:post',
    signal: ac.signal,
  }
  const ctx: ActionContext<HttpConnection> = {
    connection,
    connectionName: 'default',
    call: c,
    clock,
    signal: ac.signal,
    dispatcher: loopbackDispatcher(),
    identity: { get: async () => null, set: async () => {} },
  }
  return action.run(parsed, ctx)
}

async function failure(p: Promise<unknown>): Promise<any> {
  try {
    await p
  } catch (e) {
    return e
  }
  throw new Error('expected the call to fail')
}

describe('http.request against a loopback server', () => {
  it('the factory builds a branded http.request invocation', () => {
    const inv = http.request({ url: 'https://x.test', method: 'POST', body: ({ lead }) => lead })
    expect(inv.ref).toBe('http.request')
    expect(typeof inv.params.body).toBe('function')
  })

  it('sends JSON bodies and query params, and returns status, selected headers and parsed JSON', async () => {
    setup((_req, res) => json(res, 201, { id: 7 }, { 'x-request-id': 'abc', 'set-cookie': 's=1', 'x-other': 'no' }))
    const out = await call({
      url: `${base}/leads`,
      method: 'post',
      query: { a: 1, tag: ['x', 'y'], skip: null },
      body: { email: 'ann@acme.com' },
    })
    expect(out).toEqual({ status: 201, headers: { 'content-type': 'application/json', 'x-request-id': 'abc' }, body: { id: 7 } })
    expect(seen[0].method).toBe('POST')
    expect(seen[0].url).toBe('/leads?a=1&tag=x&tag=y')
    expect(seen[0].headers['content-type']).toBe('application/json')
    expect(JSON.parse(seen[0].body)).toEqual({ email: 'ann@acme.com' })
  })

  it('resolves relative URLs against the connection baseUrl and returns text bodies as text', async () => {
    setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end('ok')
    })
    const out = await call({ url: 'v1/ping' }, 1, { baseUrl: `${base}/api` })
    expect(out.body).toBe('ok')
    expect(seen[0].url).toBe('/api/v1/ping')
  })

  it('sends the same Idempotency-Key on every attempt of a step', async () => {
    setup((_req, res) => json(res, 200, {}))
    await call({ url: base, method: 'POST', body: {} }, 1)
    await call({ url: base, method: 'POST', body: {} }, 2)
    expect(seen.map((s) => s.headers['idempotency-key'])).toEqual(['run_1:post', 'run_1:post'])
  })

  it.each([
    [408, {}, 'RetryableError', undefined],
    [429, { 'retry-after': '7' }, 'RateLimitedError', 7000],
    [429, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '3' }, 'RateLimitedError', 3000],
    [500, {}, 'RetryableError', undefined],
    [503, { 'retry-after': new Date(Date.UTC(2026, 10, 23, 12, 0, 30)).toUTCString() }, 'RetryAfterError', 30_000],
    [404, {}, 'NonRetryableError', undefined],
    [422, {}, 'NonRetryableError', undefined],
  ])('classifies %i %j as %s', async (status, headers, name, wait) => {
    setup((_req, res) => json(res, status, { message: `provider says ${status}` }, headers as Record<string, string>))
    const e = await failure(call({ url: `${base}/x` }))
    expect(isPipewrightError(e)).toBe(true)
    expect(e.name).toBe(name)
    expect(e.status).toBe(status)
    expect(e.retryAfterMs).toBe(wait)
    expect(isNonRetryable(e)).toBe(status === 404 || status === 422)
    expect(e.message).toContain(`GET ${base}/x → ${status}: provider says ${status}`)
  })

  it('marks 401 as a permanent auth error and never puts secrets in the error', async () => {
    setup((req, res) => json(res, 401, { error: { message: `bad token ${req.headers.authorization}` } }))
    const e = await failure(call({ url: `${base}/x?api_key=hunter2-secret`, auth: { type: 'bearer', token: 'tok-very-secret' } }))
    expect(e.name).toBe('NonRetryableError')
    expect(e.code).toBe('PW_CONNECTOR_AUTH')
    const stored = JSON.stringify(serializeError(e))
    expect(stored).not.toContain('tok-very-secret')
    expect(stored).not.toContain('hunter2-secret')
    expect(e.message).toContain('bad token Bearer ***')
  })

  it('puts API keys in a header or the query', async () => {
    setup((_req, res) => json(res, 200, {}))
    await call({ url: base, auth: { type: 'apiKey', name: 'X-API-Key', value: 'k1' } })
    await call({ url: base, auth: { type: 'apiKey', in: 'query', name: 'api_key', value: 'k2' } })
    await call({ url: base, auth: { type: 'basic', username: 'u', password: 'p' } })
    expect(seen[0].headers['x-api-key']).toBe('k1')
    expect(seen[1].url).toBe('/?api_key=k2')
    expect(seen[2].headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`)
  })

  it('turns a connection reset into a retryable network error', async () => {
    setup((req) => req.socket.destroy())
    const e = await failure(call({ url: `${base}/x` }))
    expect(e.name).toBe('RetryableError')
    expect(e.code).toBe('PW_CONNECTOR_NETWORK')
    expect(isNonRetryable(e)).toBe(false)
  })

  it('fetches an OAuth2 token once, reuses it, and refreshes it before it expires', async () => {
    let issued = 0
    setup((req, res, body) => {
      if (req.url === '/token') {
        issued++
        expect(new URLSearchParams(body).get('grant_type')).toBe('client_credentials')
        expect(req.headers.authorization).toBe(`Basic ${Buffer.from('cid:csecret').toString('base64')}`)
        return setTimeout(() => json(res, 200, { access_token: `t${issued}`, expires_in: 120, token_type: 'Bearer' }), 20)
      }
      json(res, 200, { auth: req.headers.authorization })
    })
    const auth = { type: 'oauth2' as const, tokenUrl: `${base}/token`, clientId: 'cid', clientSecret: 'csecret' }
    const first = await Promise.all([1, 2, 3, 4, 5].map(() => call({ url: `${base}/api`, auth })))
    expect(first.map((o) => o.body.auth)).toEqual(Array(5).fill('Bearer t1'))
    expect(issued).toBe(1)
    clock.advance(30_000)
    expect((await call({ url: `${base}/api`, auth })).body.auth).toBe('Bearer t1')
    clock.advance(31_000) // 61 s after issue: inside the 60 s refresh skew of a 120 s token
    expect((await call({ url: `${base}/api`, auth })).body.auth).toBe('Bearer t2')
    expect(issued).toBe(2)
  })

  it('reports refused client credentials as a permanent auth error without the secret', async () => {
    setup((_req, res) => json(res, 401, { error: 'invalid_client' }))
    const auth = {
      type: 'oauth2' as const,
      tokenUrl: `${base}/token`,
      clientId: 'cid',
      clientSecret: 'csecret-123',
      clientAuth: 'body' as const,
    }
    const e = await failure(call({ url: `${base}/api`, auth }))
    expect(e.name).toBe('NonRetryableError')
    expect(e.code).toBe('PW_CONNECTOR_AUTH')
    expect(e.message).toContain('invalid_client')
    expect(JSON.stringify(serializeError(e))).not.toContain('csecret-123')
    expect(new URLSearchParams(seen[0].body).get('client_secret')).toBe('csecret-123')
  })
})
