/**
 * `pipewright/connectors`: typed step factories of the built-in connectors, and
 * `defineConnector` for your own.
 *
 * @example
 * ```ts
 * import { http } from 'pipewright/connectors'
 * { id: 'notify', action: http.request({ url: 'https://hooks.example.com/x', method: 'POST', body: ({ lead }) => lead }) }
 * ```
 * @module
 */

export type {
  ActionCall,
  ActionContext,
  ActionDefinition,
  ActionExecutor,
  ActionInvocation,
  ConnectorDefinition,
  ConnectorLimits,
  RateLimitSpec,
} from './contract.js'
export { defineConnector, invocation, isActionInvocation } from './contract.js'
export type { HttpAuth, HttpConnection, HttpConnectorOptions, HttpRequestInput, HttpRequestParams, HttpResponse } from './http/index.js'
export { createHttpConnector, http } from './http/index.js'
export { builtinConnectors } from './registry.js'
