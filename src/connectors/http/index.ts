/**
 * Typed step factory of the generic HTTP connector.
 *
 * @example
 * ```ts
 * { id: 'post', action: http.request({ url: 'https://api.example.com/leads', method: 'POST', body: ({ lead }) => lead }) }
 * ```
 * @module
 */
import type { Computed, Scope } from '../../pipeline/types.js'
import { type ActionInvocation, invocation } from '../contract.js'
import type { HttpAuth, HttpRequestInput } from './params.js'

/** Each parameter may be a literal, a function of the run's scope, or (in YAML) a `{{ }}` template. */
export type HttpRequestParams = { [K in keyof HttpRequestInput]: Param<HttpRequestInput[K]> }

// `unknown` would swallow the function member of the union and lose the scope's type.
type Param<T> = unknown extends T ? ((scope: Scope) => unknown) | object | string | number | boolean | null | undefined : Computed<T>

export const http = {
  /** `http.request`: one HTTP call; output `{ status, headers, body }`. */
  request(params: HttpRequestParams, connection?: string): ActionInvocation {
    return invocation('http.request', params as Record<string, unknown>, connection)
  },
}

export { createHttpConnector, type HttpConnectorOptions } from './connector.js'
export type { HttpConnection, HttpResponse } from './params.js'
export type { HttpAuth, HttpRequestInput }
