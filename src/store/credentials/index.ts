/**
 * `store.credentials` over any backend that runs operations (see ../observe/index.ts OpRunner).
 * @module
 */
import type { OpRunner } from '../observe/index.js'
import type { CredentialStore } from './contract.js'
import * as ops from './ops.js'

export type * from './contract.js'

export function credentialStore(run: OpRunner): CredentialStore {
  return {
    put: (row) => run.write(() => ops.put(row)),
    get: (name) => run.read(() => ops.get(name)),
    list: () => run.read(() => ops.list()),
    remove: (name) => run.write(() => ops.remove(name)),
    count: () => run.read(() => ops.count()),
    rewrap: (rows) => (rows.length ? run.write(() => ops.rewrap(rows)) : Promise.resolve()),
  }
}
