/**
 * Schemas of the generic HTTP connector: its connection config and the `http.request` input.
 * Both are parsed with zod, so a bad field is reported by name before anything is sent.
 * @module
 */
import { z } from 'zod'

const secret = z.string().min(1)

/** How a request authenticates. Secrets here never appear in errors or step output. */
export const httpAuthSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('bearer'), token: secret }),
  z.object({ type: z.literal('basic'), username: z.string(), password: z.string() }),
  z.object({
    type: z.literal('apiKey'),
    /** Where the key goes. @defaultValue 'header' */
    in: z.enum(['header', 'query']).default('header'),
    /** Header or query parameter name, e.g. `X-API-Key` or `api_key`. */
    name: z.string().min(1),
    value: secret,
  }),
  z.object({
    type: z.literal('oauth2'),
    /** OAuth2 client-credentials grant: the token endpoint. */
    tokenUrl: z.string().min(1),
    clientId: z.string().min(1),
    clientSecret: secret,
    scope: z.string().optional(),
    audience: z.string().optional(),
    /** How the client authenticates at the token endpoint. @defaultValue 'basic' */
    clientAuth: z.enum(['basic', 'body']).default('basic'),
    /** Refresh this many ms before the token expires. @defaultValue 60000 */
    refreshSkewMs: z.number().int().nonnegative().default(60_000),
  }),
])

export type HttpAuth = z.input<typeof httpAuthSchema>
export type ParsedHttpAuth = z.output<typeof httpAuthSchema>

const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const
const queryValue = z.union([z.string(), z.number(), z.boolean(), z.null()])

/** Connection config of `http`; every field is optional, so `{}` is a valid connection. */
export const httpConnectionSchema = z.object({
  /** Prefix for relative request URLs. */
  baseUrl: z.string().optional(),
  /** Headers sent with every request of this connection. */
  headers: z.record(z.string(), z.string()).optional(),
  /** Default auth for requests of this connection that have none. */
  auth: httpAuthSchema.optional(),
  /** Default timeout in ms for headers and body. @defaultValue 30000 */
  timeoutMs: z.number().int().positive().optional(),
})

export type HttpConnection = z.output<typeof httpConnectionSchema>

/** Input of `http.request`. */
export const httpRequestSchema = z.object({
  /** Absolute `http(s)://` URL, or a path relative to the connection's `baseUrl`. */
  url: z.string().min(1),
  /** @defaultValue 'GET' */
  method: z
    .string()
    .transform((m) => m.toUpperCase())
    .pipe(z.enum(methods))
    .default('GET'),
  headers: z.record(z.string(), z.string()).optional(),
  /** Query parameters appended to the URL; arrays repeat the parameter; null is dropped. */
  query: z.record(z.string(), z.union([queryValue, z.array(queryValue)])).optional(),
  /** Request body: objects and arrays are sent as JSON; strings as they are. */
  body: z.unknown().optional(),
  /** Form fields sent as `application/x-www-form-urlencoded` (instead of `body`). */
  form: z.record(z.string(), z.string()).optional(),
  auth: httpAuthSchema.optional(),
  /** Timeout in ms, applied to the response headers and to the body separately. */
  timeout: z.number().int().positive().max(600_000).optional(),
  /** Extra response headers to keep in the output (lower-case names). */
  responseHeaders: z.array(z.string()).optional(),
  /**
   * Redirects to follow (each hop passes the private-network guard again; `Authorization` and
   * cookies are dropped when the origin changes). @defaultValue 5 for GET and HEAD, 0 otherwise
   */
  maxRedirects: z.number().int().min(0).max(20).optional(),
})

export type HttpRequestInput = z.input<typeof httpRequestSchema>
export type HttpRequest = z.output<typeof httpRequestSchema>

/** Output of `http.request` on a 2xx reply. */
export interface HttpResponse {
  status: number
  /** Selected headers: content type, location, etag, request ids, rate-limit headers. */
  headers: Record<string, string>
  /** Parsed JSON when the reply is JSON, else the text, or null when empty. */
  body: unknown
}
