/**
 * Emulator request and reply shapes, and the helpers that build replies.
 *
 * Handlers return a plain {@link EmulatorReply}; the emulator writes it. Keeping replies as
 * data makes handlers easy to read and lets fault injection and rate limiting wrap them.
 *
 * @example
 * ```ts
 * emu.route('GET', '/things/:id', (req) => json(200, { id: req.params.id }))
 * ```
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http'

/** One request as a handler sees it (body already read and parsed). */
export interface EmulatorRequest {
  method: string
  /** Path without the query string, e.g. `/crm/v3/objects/companies`. */
  path: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
  /** Route parameters (`:id`), and `*` for a trailing wildcard. */
  params: Record<string, string>
  rawBody: string
  /** JSON value for JSON bodies, an object for form bodies, else the raw text (or undefined when empty). */
  body: unknown
  /** Epoch ms (emulator clock) when the request arrived. */
  receivedAt: number
}

/** What a handler answers. `body` objects are serialised as JSON. */
export interface EmulatorReply {
  status: number
  headers?: Record<string, string>
  body?: unknown
  /** Destroy the socket instead of answering (a connection reset). */
  reset?: boolean
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): EmulatorReply {
  return { status, body, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } }
}

export function text(status: number, body: string, headers: Record<string, string> = {}): EmulatorReply {
  return { status, body, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } }
}

export function empty(status: number, headers: Record<string, string> = {}): EmulatorReply {
  return { status, headers }
}

/** `Authorization: Bearer <token>` → token, else null. */
export function bearerToken(req: EmulatorRequest): string | null {
  const h = req.headers.authorization
  if (typeof h !== 'string') return null
  const m = /^Bearer\s+(.+)$/i.exec(h.trim())
  return m ? m[1].trim() : null
}

/** A header's first value as a string. */
export function header(req: EmulatorRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()]
  return Array.isArray(v) ? v[0] : v
}

/** Serialise a reply body; returns the bytes and whether a JSON content type is implied. A Buffer goes out as is. */
export function encodeBody(body: unknown): { data: string | Buffer; isJson: boolean } {
  if (body === undefined) return { data: '', isJson: false }
  if (typeof body === 'string' || Buffer.isBuffer(body)) return { data: body, isJson: false }
  return { data: JSON.stringify(body), isJson: true }
}
