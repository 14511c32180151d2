/**
 * The generic HTTP connector (`http.request`). Requests go through the connection's dispatcher
 * from the gateway (keep-alive pools per origin, the SSRF guard at connect time). GET and HEAD
 * follow up to 5 redirects by default, each hop checked by the guard again; other methods return
 * a redirect as it is (a write is not re-sent elsewhere) unless `maxRedirects` says otherwise.
 * Every request carries `Idempotency-Key: <runId>:<stepId>`, identical on every attempt.
 *
 * @example
 * ```ts
 * const gateway = createGateway({ connectors: [createHttpConnector()], connections: { http: { default: {} } }, store, clock })
 * ```
 * @module
 */
import type { Dispatcher } from 'undici'
import { isPrivateNetworkError, NonRetryableError } from '../../errors.js'
import { type ActionContext, type ConnectorDefinition, defineConnector } from '../contract.js'
import { applyAuth, secretsOf, TokenCache } from './auth.js'
import { describeTarget, errorForNetwork, errorForReply } from './classify.js'
import { type HttpConnection, type HttpRequest, type HttpResponse, httpConnectionSchema, httpRequestSchema } from './params.js'
import { readBody, selectHeaders } from './response.js'

export interface HttpConnectorOptions {
  /** Used when neither the call nor the connection sets a timeout. @defaultValue 30000 */
  defaultTimeoutMs?: number
}

const USER_AGENT = 'pipewright (+https://github.com/pipewright)'

/** Redirects followed when the request does not say: GET and HEAD only. */
const DEFAULT_REDIRECTS = 5

export function createHttpConnector(options: HttpConnectorOptions = {}): ConnectorDefinition<HttpConnection> {
  let tokens: TokenCache | null = null

  async function request(input: HttpRequest, ctx: ActionContext<HttpConnection>): Promise<HttpResponse> {
    tokens ??= new TokenCache(ctx.clock)
    const conn = ctx.connection
    const url = resolveUrl(input.url, conn.baseUrl)
    for (const [k, v] of Object.entries(input.query ?? {})) {
      for (const item of Array.isArray(v) ? v : [v]) if (item !== null) url.searchParams.append(k, String(item))
    }
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: 'application/json, text/plain;q=0.9, */*;q=0.5' }
    for (const [k, v] of Object.entries({ ...conn.headers, ...input.headers })) headers[k.toLowerCase()] = v
    headers['idempotency-key'] = ctx.call.idempotencyKey
    const body = encodeBody(input, headers)
    const auth = input.auth ?? conn.auth
    const secrets = secretsOf(auth)
    const target = describeTarget(input.method, url)
    const bearer = await applyAuth(auth, headers, url, tokens, ctx.signal, ctx.dispatcher)
    const timeout = input.timeout ?? conn.timeoutMs ?? options.defaultTimeoutMs ?? 30_000
    const redirects = input.maxRedirects ?? (input.method === 'GET' || input.method === 'HEAD' ? DEFAULT_REDIRECTS : 0)
    let res: Dispatcher.ResponseData
    let parsed: unknown
    try {
      res = await ctx.dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: input.method as Dispatcher.HttpMethod,
        headers,
        body,
        signal: ctx.signal,
        headersTimeout: timeout,
        bodyTimeout: timeout,
        ...(redirects > 0 ? { maxRedirections: redirects } : {}),
      } as Dispatcher.RequestOptions)
      parsed = await readBody(res)
    } catch (error) {
      if (isPrivateNetworkError(error)) throw error
      throw errorForNetwork(error, target)
    }
    ctx.observeHeaders?.(res.headers)
    const status = res.statusCode
    if ((status >= 200 && status < 300) || status === 304) {
      return { status, headers: selectHeaders(res.headers, input.responseHeaders), body: parsed }
    }
    if (status === 401 && bearer && auth?.type === 'oauth2') tokens.invalidate(auth, bearer)
    throw errorForReply({ status, headers: res.headers, body: parsed, target, now: ctx.clock.now(), secrets })
  }

  return defineConnector<HttpConnection>({
    id: 'http',
    connection: httpConnectionSchema,
    fromEnv: () => ({}),
    actions: {
      request: {
        input: httpRequestSchema,
        // Without a named connection each origin has its own limiter, circuit and Retry-After.
        isolate: (input, conn) => {
          try {
            return resolveUrl(input.url, conn.baseUrl).origin
          } catch {
            return null
          }
        },
        run: request,
      },
    },
    async close() {
      tokens = null
    },
  })
}

function resolveUrl(raw: string, baseUrl: string | undefined): URL {
  let url: URL
  try {
    url = baseUrl ? new URL(raw, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`) : new URL(raw)
  } catch {
    throw invalid(`url must be an absolute http(s) URL${baseUrl ? ' or a path under the connection baseUrl' : ''}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(`url must use http or https, not ${url.protocol}`)
  return url
}

function encodeBody(input: HttpRequest, headers: Record<string, string>): string | undefined {
  if (input.form !== undefined) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded'
    return new URLSearchParams(input.form).toString()
  }
  if (input.body === undefined || input.body === null) return undefined
  if (typeof input.body === 'string') {
    headers['content-type'] ??= 'text/plain; charset=utf-8'
    return input.body
  }
  headers['content-type'] ??= 'application/json'
  return JSON.stringify(input.body)
}

function invalid(message: string): NonRetryableError {
  return new NonRetryableError(`http.request input.${message}`)
}
