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
import { collectStrings, maskError } from './error-mask.js'
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
  // The plain values sealed or opened for each run executing here, masked in its stored errors
  // (error-mask.ts); and which run reads which event (getEvent knows only the event id).
  const valuesOfRun = new Map<string, Set<string>>()
  const runOfEvent = new Map<string, string>()
  const remember = (runId: string, v: unknown) => {
    let set = valuesOfRun.get(runId)
    if (!set) {
      set = new Set()
      valuesOfRun.set(runId, set)
    }
    collectStrings(v, set)
  }
  const sealFor = (runId: string) => (v: unknown) => {
    remember(runId, v)
    return cipher.seal(v)
  }
  const openFor = (runId: string | undefined) =>
    runId === undefined
      ? open
      : (s: string) => {
          const v = cipher.open(s)
          remember(runId, v)
          return v
        }
  const forget = (runId: string) => {
    pipelineOfRun.delete(runId)
    valuesOfRun.delete(runId)
  }

  const sealAccept = (input: AcceptInput): AcceptInput => {
    const here = input.run.leaseOwner !== null
    if (here) pipelineOfRun.set(input.run.id, input.run.pipelineId)
    const m = matcherFor(input.event.pipelineId)
    if (!m) return input
    const payload = sealFields(input.event.payload, m, here ? sealFor(input.run.id) : seal)
    if (payload === input.event.payload) return input
    // The sender's JSON text holds the plain values: store the sealed payload instead.
    const { payloadJson: _plain, ...rest } = input
    return { ...rest, event: { ...input.event, payload } }
  }
  const sealSteps = (steps: StepResultRecord[], m: PiiMatcher | null, sealer = seal): StepResultRecord[] =>
    m === null
      ? steps
      : steps.map((s) => {
          const output = sealFields(s.output, m, sealer)
          return output === s.output ? s : { ...s, output }
        })
  const stepsOf = async (runId: string, steps: StepResultRecord[] | undefined) => {
    if (!steps || steps.length === 0) return steps
    const pipelineId = await pipelineOf(runId)
    const sealed = pipelineId === null ? steps : sealSteps(steps, matcherFor(pipelineId), sealFor(runId))
    const values = valuesOfRun.get(runId)
    return values?.size ? sealed.map((s) => (s.error ? { ...s, error: maskError(s.error, values) } : s)) : sealed
  }
  const openSteps = (steps: StepResultRecord[], opener = open) =>
    steps.map((s) => {
      const output = openFields(s.output, opener)
      return output === s.output ? s : { ...s, output }
    })
  const sealTransition = (runId: string, to: RunTransition): RunTransition => {
    const values = valuesOfRun.get(runId)
    let masked: RunTransition = to
    if (values?.size && to.status === 'dead')
      masked = {
        ...to,
        error: maskError(to.error, values),
        deadLetter: { ...to.deadLetter, error: maskError(to.deadLetter.error, values) },
      }
    else if (values?.size && to.status === 'waiting') masked = { ...to, error: maskError(to.error, values) }
    if (masked.status !== 'dead') return masked
    const m = matcherFor(masked.deadLetter.pipelineId)
    if (!m) return masked
    const lastInput = sealFields(masked.deadLetter.lastInput, m, seal)
    return lastInput === masked.deadLetter.lastInput ? masked : { ...masked, deadLetter: { ...masked.deadLetter, lastInput } }
  }

  const writes: Partial<Store> = {
    accept: (input) => target.accept(sealAccept(input)),
    acceptMany: (inputs) => target.acceptMany(inputs.map(sealAccept)),
    async leaseRun(req) {
      const run = await target.leaseRun(req)
      if (run) {
        pipelineOfRun.set(run.id, run.pipelineId)
        runOfEvent.set(run.eventId, run.id)
      }
      return run
    },
    async saveSteps(runId, owner, steps, progress) {
      return target.saveSteps(runId, owner, (await stepsOf(runId, steps))!, progress)
    },
    async transition(runId, owner, to, steps) {
      const sealed = await stepsOf(runId, steps)
      const next = sealTransition(runId, to)
      forget(runId)
      return target.transition(runId, owner, next, sealed)
    },
    releaseLeases(owner, runIds, now) {
      for (const id of runIds) forget(id)
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
      const opener = openFor(full.run.id)
      const payload = full.event ? openFields(full.event.payload, opener) : undefined
      return {
        run: full.run,
        event: full.event && payload !== full.event.payload ? { ...full.event, payload } : full.event,
        steps: openSteps(full.steps, opener),
      }
    }
  const reads: Partial<Store> = {
    async getEvent(id) {
      const e = await target.getEvent(id)
      if (!e) return e
      const runId = runOfEvent.get(id)
      runOfEvent.delete(id)
      const payload = openFields(e.payload, openFor(runId))
      return payload === e.payload ? e : { ...e, payload }
    },
    // A `call` step reads its child's results too: their values count for the parent run only if it is theirs.
    getSteps: async (runId) =>
      openSteps(await target.getSteps(runId), openFor(valuesOfRun.has(runId) || pipelineOfRun.has(runId) ? runId : undefined)),
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
