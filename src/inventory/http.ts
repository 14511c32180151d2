/**
 * The HTTP an inventory reader uses: JSON GET/POST to one provider with its auth header,
 * through the SSRF-guarded dispatcher (private addresses only when the connection or the
 * process allows them), a timeout, and errors that name the service and path — never the token.
 * @module
 */
import { request } from 'undici'
import { type AllowList, mergeAllowLists } from '../connectors/net/address-policy.js'
import { createGuardedDispatcher } from '../connectors/net/guarded-dispatcher.js'
import { ErrorCodes, PipewrightError } from '../errors.js'

export interface InventoryHttp {
  get<T = any>(path: string, query?: Record<string, string | number | undefined>): Promise<T>
  post<T = any>(path: string, body: unknown): Promise<T>
  close(): Promise<void>
}

export class InventoryReadError extends PipewrightError {
  constructor(message: string, status?: number) {
    super(message, { code: ErrorCodes.INVENTORY_READ_FAILED, ...(status ? { status } : {}) })
    this.name = 'InventoryReadError'
  }
}

export function inventoryHttp(options: {
  service: string
  origin: string
  headers: Record<string, string>
  allow: AllowList
  processAllow: AllowList
  timeoutMs?: number
}): InventoryHttp {
  const dispatcher = createGuardedDispatcher({ allow: mergeAllowLists(options.processAllow, options.allow) })
  const origin = options.origin.replace(/\/+$/, '')
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown, query?: Record<string, string | number | undefined>) => {
    const url = new URL(origin + path)
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v))
    let res: Awaited<ReturnType<typeof request>>
    try {
      res = await request(url, {
        method,
        dispatcher,
        headers: { accept: 'application/json', ...options.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        headersTimeout: options.timeoutMs ?? 30_000,
        bodyTimeout: options.timeoutMs ?? 30_000,
      })
    } catch (e) {
      throw new InventoryReadError(`${options.service}: ${method} ${url.pathname} failed: ${(e as Error).message}`)
    }
    const text = await res.body.text()
    if (res.statusCode >= 400)
      throw new InventoryReadError(
        `${options.service}: ${method} ${url.pathname} answered ${res.statusCode}: ${text.slice(0, 200)}`,
        res.statusCode,
      )
    try {
      return text === '' ? {} : JSON.parse(text)
    } catch {
      throw new InventoryReadError(`${options.service}: ${method} ${url.pathname} did not answer JSON`)
    }
  }
  return {
    get: (path, query) => call('GET', path, undefined, query),
    post: (path, body) => call('POST', path, body),
    close: () => dispatcher.close(),
  }
}
