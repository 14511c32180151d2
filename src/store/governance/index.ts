/**
 * `store.audit` and `store.pauses` over any backend that runs operations (see ../observe/index.ts OpRunner).
 * @module
 */
import type { OpRunner } from '../observe/index.js'
import type { AuditStore, PauseStore } from './contract.js'
import * as ops from './ops.js'

export type * from './contract.js'

export function governanceStores(run: OpRunner): { audit: AuditStore; pauses: PauseStore } {
  return {
    audit: {
      append: (entry) => run.write(() => ops.append(entry)),
      list: (filter) => run.read(() => ops.list(filter)),
    },
    pauses: {
      pause: (row) => run.write(() => ops.pause(row)),
      resume: (kind, id) => run.write(() => ops.resume(kind, id)),
      list: (kind) => run.read(() => ops.listPauses(kind)),
      get: (kind, id) => run.read(() => ops.getPause(kind, id)),
    },
  }
}
