/**
 * The pipelines a sync brings into the hub: its write pipeline (`sync:<id>`, see writes.ts) and
 * one webhook pipeline per nudge (`sync:<id>:hook:<n>`). A nudge is an ordinary webhook — auth,
 * delivery-id dedupe, stored before the 202 — whose one step marks the announced records dirty
 * and asks the runner for a pass; the pass reads them from the side itself (the webhook's body is
 * never trusted as the record's state).
 * @module
 */
import { ConfigError, ErrorCodes, type Problem } from '../errors.js'
import { compileTrigger } from '../pipeline/compile-trigger.js'
import type { CompiledPipeline, CompiledStep, Scope } from '../pipeline/types.js'
import type { Store } from '../store/contract.js'
import type { Clock } from '../types.js'
import type { SyncSide } from './side.js'
import type { CompiledSync } from './types.js'
import { syncWritePipeline, writePipelineId } from './writes.js'

export interface SyncBinding {
  store: Store
  clock: Clock
  /** The sides of a sync (bound once the runner exists). */
  sides(syncId: string): { a: SyncSide; b: SyncSide }
  /** Ask for a pass soon. */
  nudge(syncId: string): void
}

export const hookPipelineId = (syncId: string, n: number) => `${writePipelineId(syncId)}:hook:${n}`

/** Every pipeline of these syncs. Throws a ConfigError when a webhook's trigger is invalid. */
export function syncPipelines(syncs: readonly CompiledSync[], binding: SyncBinding): CompiledPipeline[] {
  const out: CompiledPipeline[] = []
  const problems: Problem[] = []
  for (const sync of syncs) {
    out.push(syncWritePipeline(sync, { store: binding.store, clock: binding.clock, sides: () => binding.sides(sync.id) }))
    sync.webhooks.forEach((w, n) => {
      const id = hookPipelineId(sync.id, n)
      const local: Problem[] = []
      const trigger = compileTrigger(
        { kind: 'webhook', options: { path: w.path, ...(w.auth ? { auth: w.auth } : {}), ...(w.split ? { split: w.split } : {}) } },
        { file: sync.source.file ?? undefined, pipeline: id, problems: local },
      )
      problems.push(
        ...local.map((p) => ({
          ...p,
          pipeline: undefined,
          sync: sync.id,
          field: `webhooks[${n}].${(p.field ?? '').replace(/^trigger\.webhook\./, '')}`,
        })),
      )
      if (!trigger) return
      const step: CompiledStep = {
        id: 'nudge',
        kind: 'code',
        retry: { maxAttempts: 5, initialIntervalMs: 1000, maxIntervalMs: 60_000, backoffCoefficient: 2 },
        timeoutMs: 30_000,
        concurrencyKey: null,
        fn: async (scope: Scope) => {
          const ids = w.ids ? (w.ids(scope.event) ?? []) : []
          const at = binding.clock.now()
          if (ids.length)
            await binding.store.sync.apply(sync.id, { dirty: ids.map((recordId) => ({ side: w.side, recordId, reason: 'webhook', at })) })
          binding.nudge(sync.id)
          return { side: w.side, ids }
        },
      }
      out.push(
        Object.freeze({
          id,
          version: sync.version,
          description: `webhook nudging side ${w.side} of sync ${sync.id}`,
          source: sync.source,
          trigger,
          steps: [step],
          retry: step.retry,
          concurrency: null,
          concurrencyKey: null,
        }) as CompiledPipeline,
      )
    })
  }
  if (problems.length) throw new ConfigError(problems, ErrorCodes.SYNC_INVALID)
  return out
}
