/**
 * The pipelines a sync brings into the hub: its write pipeline (`sync:<id>`, see writes.ts) and
 * one webhook pipeline per nudge (`sync:<id>:hook:<n>`). A nudge is an ordinary webhook — auth,
 * delivery-id dedupe, stored before the 202 — whose one step marks the announced records dirty
 * and asks the runner for a pass; the pass reads them from the side itself (the webhook's body is
 * never trusted as the record's state).
 * @module
 */

import { type ConsentState, consentSubject } from '../consent/types.js'
import { ConfigError, ErrorCodes, type Problem } from '../errors.js'
import { compileTrigger } from '../pipeline/compile-trigger.js'
import type { CompiledPipeline, CompiledStep, Scope } from '../pipeline/types.js'
import type { Store } from '../store/contract.js'
import type { Clock } from '../types.js'
import type { SyncSide } from './side.js'
import type { CompiledSync } from './types.js'
import { syncWritePipeline, type WriteBatch, writePipelineId } from './writes.js'

export interface SyncBinding {
  store: Store
  clock: Clock
  /** The sides of a sync (bound once the runner exists). */
  sides(syncId: string): { a: SyncSide; b: SyncSide }
  /** Ask for a pass soon. */
  nudge(syncId: string): void
  /** Start runs of write jobs a write run moved out of its batch (see writes.ts). */
  split(syncId: string, parentRunId: string, batches: WriteBatch[]): Promise<string[]>
}

interface NormalizedEvent {
  object?: string
  recordId?: string | null
  email?: string | null
  oldEmail?: string
  listId?: string | null
  consent?: { state: ConsentState; at: number; source: string; evidence: unknown } | null
}

/**
 * Record the consent a Mailchimp event expresses (scope `marketing`, source
 * `mailchimp:<list>`); an address change moves the old address's consent to the new one.
 */
async function recordConsent(store: Store, e: NormalizedEvent, sync: CompiledSync, now: number) {
  if (!e?.email) return null
  const source = `mailchimp:${e.listId ?? 'list'}`
  if (e.consent) {
    const r = await store.recordConsent(
      { email: e.email, state: e.consent.state, source, at: e.consent.at, evidence: e.consent.evidence },
      now,
    )
    return { email: e.email, state: e.consent.state, applied: r.applied }
  }
  if (e.oldEmail) {
    const before = await store.getConsent(consentSubject(e.oldEmail))
    if (!before) return null
    const r = await store.recordConsent(
      { email: e.email, state: before.state, source, at: before.at, evidence: { movedFrom: e.oldEmail, sync: sync.id } },
      now,
    )
    return { email: e.email, state: before.state, applied: r.applied }
  }
  return null
}

export const hookPipelineId = (syncId: string, n: number) => `${writePipelineId(syncId)}:hook:${n}`

/** Every pipeline of these syncs. Throws a ConfigError when a webhook's trigger is invalid. */
export function syncPipelines(syncs: readonly CompiledSync[], binding: SyncBinding): CompiledPipeline[] {
  const out: CompiledPipeline[] = []
  const problems: Problem[] = []
  for (const sync of syncs) {
    out.push(
      syncWritePipeline(sync, {
        store: binding.store,
        clock: binding.clock,
        sides: () => binding.sides(sync.id),
        split: (parent, batches) => binding.split(sync.id, parent, batches),
      }),
    )
    sync.webhooks.forEach((w, n) => {
      const id = hookPipelineId(sync.id, n)
      const local: Problem[] = []
      const trigger = compileTrigger(
        {
          kind: 'webhook',
          options: {
            path: w.path,
            ...(w.auth ? { auth: w.auth } : {}),
            ...(w.split ? { split: w.split } : {}),
            ...(w.normalize ? { normalize: w.normalize } : {}),
          },
        },
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
          const event = scope.event as NormalizedEvent
          const side = sync.sides[w.side]
          // a HubSpot app sends every subscription to one URL: another object's events are not this side's
          if (w.normalize === 'hubspot' && side.kind === 'hubspot' && event?.object && event.object !== side.object)
            return { side: w.side, ids: [], ignored: `${event.object} event` }
          const consent = w.normalize === 'mailchimp' ? await recordConsent(binding.store, event, sync, binding.clock.now()) : null
          const ids = w.ids ? (w.ids(scope.event) ?? []) : []
          const at = binding.clock.now()
          if (ids.length)
            await binding.store.sync.apply(sync.id, { dirty: ids.map((recordId) => ({ side: w.side, recordId, reason: 'webhook', at })) })
          binding.nudge(sync.id)
          return { side: w.side, ids, ...(consent ? { consent } : {}) }
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
