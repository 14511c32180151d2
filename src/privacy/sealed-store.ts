/**
 * Payload sealing as a store decorator: the configured PII fields of event payloads, step
 * outputs, dead letters' last inputs and retained webhook copies are sealed on their way into
 * the store, whichever store it is. Two views: `store` seals writes and reads what is stored
 * (the API, CLI and dashboard see sealed fields, masked as `[encrypted]`); `engine` also opens
 * events and step results (`getEvent`, `getSteps`, and the worker's `leaseRunFull` on both
 * views), so a run — first execution, retry or replay — sees the real values.
 *
 * Only installed when PII paths are configured or sealed fields are stored: otherwise the
 * hub uses its store as it is, at no cost.
 * @module
 */
import type { AcceptInput, RunTransition, Store } from '../store/contract.js'
import { RETAINED_NAMESPACE } from '../triggers/retention.js'
import type { StepResultRecord } from '../types.js'
import type { PayloadCipher } from './cipher.js'
import { openFields, type PiiMatcher, sealFields } from './paths.js'

export interface PayloadSealing {
  cipher: PayloadCipher
  /** The PII of a pipeline's runs (the hub's paths and the pipeline's own), or null. */
  matcherFor(pipelineId: string): PiiMatcher | null
}

export function sealedStores(target: Store, sealing: PayloadSealing): { store: Store; engine: Store } {
  const { cipher, matcherFor } = sealing
  const seal = (v: unknown) => cipher.seal(v)
  const open = (s: string) => cipher.open(s)
  // The pipeline of each run leased here, so its step results are sealed with its paths.
  const pipelineOfRun = new Map<string, string>()
  const pipelineOf = async (runId: string): Promise<string | null> =>
    pipelineOfRun.get(runId) ?? (await target.getRun(runId))?.pipelineId ?? null

  const sealAccept = (input: AcceptInput): AcceptInput => {
    if (input.run.leaseOwner !== null) pipelineOfRun.set(input.run.id, input.run.pipelineId)
    const m = matcherFor(input.event.pipelineId)
    if (!m) return input
    const payload = sealFields(input.event.payload, m, seal)
    if (payload === input.event.payload) return input
    // The sender's JSON text holds the plain values: store the sealed payload instead.
    const { payloadJson: _plain, ...rest } = input
    return { ...rest, event: { ...input.event, payload } }
  }
  const sealSteps = (steps: StepResultRecord[], m: PiiMatcher | null): StepResultRecord[] =>
    m === null
      ? steps
      : steps.map((s) => {
          const output = sealFields(s.output, m, seal)
          return output === s.output ? s : { ...s, output }
        })
  const stepsOf = async (runId: string, steps: StepResultRecord[] | undefined) => {
    if (!steps || steps.length === 0) return steps
    const pipelineId = await pipelineOf(runId)
    return pipelineId === null ? steps : sealSteps(steps, matcherFor(pipelineId))
  }
  const openSteps = (steps: StepResultRecord[]) =>
    steps.map((s) => {
      const output = openFields(s.output, open)
      return output === s.output ? s : { ...s, output }
    })
  const sealTransition = (to: RunTransition): RunTransition => {
    if (to.status !== 'dead') return to
    const m = matcherFor(to.deadLetter.pipelineId)
    if (!m) return to
    const lastInput = sealFields(to.deadLetter.lastInput, m, seal)
    return lastInput === to.deadLetter.lastInput ? to : { ...to, deadLetter: { ...to.deadLetter, lastInput } }
  }

  const writes: Partial<Store> = {
    accept: (input) => target.accept(sealAccept(input)),
    acceptMany: (inputs) => target.acceptMany(inputs.map(sealAccept)),
    async leaseRun(req) {
      const run = await target.leaseRun(req)
      if (run) pipelineOfRun.set(run.id, run.pipelineId)
      return run
    },
    async saveSteps(runId, owner, steps, progress) {
      return target.saveSteps(runId, owner, (await stepsOf(runId, steps))!, progress)
    },
    async transition(runId, owner, to, steps) {
      const sealed = await stepsOf(runId, steps)
      pipelineOfRun.delete(runId)
      return target.transition(runId, owner, sealTransition(to), sealed)
    },
    releaseLeases(owner, runIds, now) {
      for (const id of runIds) pipelineOfRun.delete(id)
      return target.releaseLeases(owner, runIds, now)
    },
    markReplayed: (pairs) =>
      target.markReplayed(pairs.map((p) => ({ ...p, copySteps: sealSteps(p.copySteps, matcherFor(p.newRun.pipelineId)) }))),
    setKey(namespace, key, value, now, expiresAt) {
      if (namespace === RETAINED_NAMESPACE && typeof value === 'object' && value !== null) {
        const copy = value as { pipelineId?: unknown; payload?: unknown }
        const m = typeof copy.pipelineId === 'string' ? matcherFor(copy.pipelineId) : null
        if (m) value = { ...copy, payload: sealFields(copy.payload, m, seal) }
      }
      return target.setKey(namespace, key, value, now, expiresAt)
    },
  }
  // The worker's lease that brings the event and step results (Postgres) is read by the engine
  // only: opened on both views, so the hub's worker gets real values whichever view it holds.
  const leaseRunFull = target.leaseRunFull?.bind(target)
  if (leaseRunFull)
    writes.leaseRunFull = async (req) => {
      const full = await leaseRunFull(req)
      if (!full) return full
      pipelineOfRun.set(full.run.id, full.run.pipelineId)
      const payload = full.event ? openFields(full.event.payload, open) : undefined
      return {
        run: full.run,
        event: full.event && payload !== full.event.payload ? { ...full.event, payload } : full.event,
        steps: openSteps(full.steps),
      }
    }
  const reads: Partial<Store> = {
    async getEvent(id) {
      const e = await target.getEvent(id)
      if (!e) return e
      const payload = openFields(e.payload, open)
      return payload === e.payload ? e : { ...e, payload }
    },
    getSteps: async (runId) => openSteps(await target.getSteps(runId)),
  }
  return { store: decorate(target, writes), engine: decorate(target, { ...writes, ...reads }) }
}

/** `target` with some methods replaced; the rest are its own, bound to it (private fields keep working). */
function decorate(target: Store, overrides: Partial<Store>): Store {
  const bound = new Map<PropertyKey, unknown>()
  return new Proxy(target, {
    get(t, k) {
      if (Object.hasOwn(overrides, k)) return overrides[k as keyof Store]
      const v = Reflect.get(t, k, t)
      if (typeof v !== 'function') return v
      let b = bound.get(k)
      if (!b) {
        b = (v as (...a: unknown[]) => unknown).bind(t)
        bound.set(k, b)
      }
      return b
    },
  })
}
