/**
 * The one way the dashboard talks to the server: JSON over /api/v1 with the session cookie from
 * auth.ts. A 401 (no session, or it expired) tells the shell to ask for the token (onUnauthorized).
 */
import { auth } from './auth.js'

/** Thrown when /api answers 401; the shell has already been told to show the token form. */
export class Unauthorized extends Error {
  constructor(readonly refused: boolean) {
    super(refused ? 'That token was refused.' : 'This server asks for the API token.')
  }
}

/** A non-2xx answer, with the server's error code and message (`{"error":{"code","message"}}`). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message)
  }
}

let unauthorized: (refused: boolean) => void = () => {}

/** The shell registers what to do when the server wants a token (show the sign-in form). */
export function onUnauthorized(handler: (refused: boolean) => void): void {
  unauthorized = handler
}

/** GET `path` (under /api/v1), or POST `body` as JSON when one is given. */
export async function api<T>(path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...auth.headers() }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(`/api/v1${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  })
  if (res.status === 401) {
    unauthorized(false)
    throw new Unauthorized(false)
  }
  const data = await res.json().catch(() => null)
  if (!res.ok) throw new ApiError(data?.error?.message ?? `HTTP ${res.status}`, res.status, data?.error?.code)
  return data as T
}

/** `?a=1&b=2` from the parameters that have a value, or '' when none has. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  const s = q.toString()
  return s ? `?${s}` : ''
}
