/**
 * Effect ledger and identity map, both kept in the store's keyed state.
 *
 * - Effect ledger (`effects:<connector>:<connection>`): for each business key, the hash of the
 *   last payload written and the output it produced. An identical write is skipped.
 * - Identity map (`identity:<connector>:<connection>`): business key → destination id.
 * @module
 */
import { createHash } from 'node:crypto'
import type { Store } from '../../store/contract.js'
import type { Clock } from '../../types.js'
import type { ActionContext } from '../contract.js'

/** JSON with object keys sorted, so equal data always hashes equal. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`
}

export function hashInput(input: unknown): string {
  return createHash('sha256').update(stableStringify(input)).digest('hex')
}

interface LedgerEntry {
  hash: string
  output: unknown
}

export interface EffectLedger {
  /** The stored output when `hash` equals the last write for `key`, else undefined. */
  lookup(key: string, hash: string): Promise<{ output: unknown } | undefined>
  record(key: string, hash: string, output: unknown): Promise<void>
}

export function effectLedger(store: Store, clock: Clock, connectionKey: string): EffectLedger {
  const ns = `effects:${connectionKey}`
  return {
    async lookup(key, hash) {
      const kv = await store.getKey(ns, key, clock.now())
      const entry = kv?.value as LedgerEntry | undefined
      return entry && entry.hash === hash ? { output: entry.output } : undefined
    },
    async record(key, hash, output) {
      await store.setKey(ns, key, { hash, output: output ?? null } satisfies LedgerEntry, clock.now())
    },
  }
}

export function identityMap(store: Store, clock: Clock, connectionKey: string): ActionContext['identity'] {
  const ns = `identity:${connectionKey}`
  return {
    async get(key) {
      const kv = await store.getKey(ns, key, clock.now())
      return typeof kv?.value === 'string' ? kv.value : null
    },
    async set(key, id) {
      await store.setKey(ns, key, id, clock.now())
    },
  }
}
