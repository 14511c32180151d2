/**
 * `defineConnection` for `connections/*.ts`.
 *
 * @example
 * ```ts
 * import { defineConnection } from 'pipewright'
 * export default defineConnection({ id: 'hubspot:main', credential: { env: 'HUBSPOT_TOKEN' }, plan: 'professional' })
 * ```
 * @module
 */
import type { ConnectionDefinition } from './types.js'

const BRAND = Symbol.for('pipewright.connection')

export function defineConnection(def: ConnectionDefinition): ConnectionDefinition {
  Object.defineProperty(def, BRAND, { value: true, enumerable: false })
  return def
}

export function isConnectionDefinition(v: unknown): v is ConnectionDefinition {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[BRAND] === true
}
