/**
 * `defineSync`: the authoring API for syncs in TypeScript (`syncs/*.ts`); YAML syncs
 * (`syncs/*.yaml`) have the same shape. See docs/sync.md.
 *
 * @example
 * ```ts
 * import { defineSync } from 'pipewright'
 *
 * export default defineSync({
 *   id: 'crm-contacts',
 *   sides: { a: { side: 'postgres:crm/customers', key: 'id' }, b: 'hubspot:main/contacts' },
 *   match: { a: 'email', b: 'email', normalize: 'email' },
 *   fields: [
 *     { a: 'email', b: 'email', owner: 'a' },
 *     { a: 'lifecycle_stage', b: 'lifecyclestage', direction: 'b-to-a' },
 *   ],
 * })
 * ```
 * @module
 */
import type { SyncDefinition } from './types.js'

const SYNC = Symbol.for('pipewright.sync')

export function defineSync(def: SyncDefinition): SyncDefinition {
  Object.defineProperty(def, SYNC, { value: true, enumerable: false })
  return def
}

/** Whether a module export is a sync definition (branded by `defineSync`, or shaped like one). */
export function isSyncDefinition(v: unknown): v is SyncDefinition {
  if (typeof v !== 'object' || v === null) return false
  if ((v as Record<symbol, unknown>)[SYNC] === true) return true
  return 'id' in v && 'sides' in v && 'fields' in v
}
