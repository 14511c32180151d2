/**
 * The run executor: lease a run, replay its memoized steps, execute the rest, checkpoint every
 * step with an effect, and move the run to its next state. See ARCHITECTURE.md beside this file.
 *
 * Lines marked MAY THROW can reject with store errors; everything else is caught and turned
 * into a run transition.
 * @module
 */

import type { ActionExecutor } from '../connectors/contract.js'
import { ErrorCodes, NonRetryableError, PipewrightError, SkipError, serializeError } from '../errors.js'
import type { CompiledPipeline, CompiledStep, Scope, StepHelpers } from '../pipeline/types.js'
import type { Store } from '../store/contract.js'
import type { Clock, DeadLetterRecord, EventRecord, Random, RunRecord, SerializedError, StepResultRecord } from '../types.js'
import { type AggregateOutput, aggregateArrive, flushBatch, isBatchEvent } from './aggregate.js'
import { type DedupeDecision, type DedupeWaiting, dedupeArrive, dedupeSettle, isDedupeWaiting } from './dedupe.js'
import type { HubEvents } from './events.js'
import { decideFailure } from './failure.js'
import type { KeyLocks } from './locks.js'
import type { Redactor } from './redact.js'

export interface EngineContext {
  store: Store
  actions: ActionExecutor
  events: HubEvents
  clock: Clock
  random: Random
  workerId: string
  leaseMs: number
  locks: KeyLocks
  redact: Redactor
  /** The pipeline a run executes (its pinned version when still loaded, else the latest). */
  resolvePipeline(id: string, version: string): CompiledPipeline | null
  /** Start a run of another pipeline (`call` steps); idempotent per key. */
  startCall(pipelineId: string, input: unknown, key: string, now: number): Promise<string>
  /** Hand a waiting run back to dispatch at its due time. */
  redispatch(runId: string, dueAt: number): void
  /**
   * Aborted at the shutdown deadline: effects in flight are aborted, none starts after it, and
   * each run saves what it completed and hands its lease back (see {@link HandBack}).
   */
  shutdown?: AbortSignal
}

/**
 * Raised inside a run when the shutdown deadline passed: the run stops where it is, keeps the
 * results of the effects that completed (so they are not repeated) and goes back to `queued`.
 * The effect that was in flight is repeated by the next worker, with the same idempotency key.
 */
export class HandBack {
  readonly handBack = true
}

/** Raised inside a run to stop it where it is: waiting (delay), filtered, or done early (aggregate). */
class Stop {
  constructor(
    readonly kind: 'filtered' | 'waiting' | 'done',
    readonly dueAt = 0,
  ) {}
}

/** Thrown by a step, carrying where it failed. */
class StepFailure {
  constructor(
    readonly path: string,
    readonly attempt: number,
    readonly error: unknown,
    readonly input: unknown,
  ) {}
}

/** How long a `call` with `wait` holds its worker before parking the run. */
const CALL_INLINE_WAIT_MS = 2000
/** How often a parked `call` with `wait` looks at the called run again. */
const CALL_POLL_MS = 5000

export class StepTimeoutError extends PipewrightError {
  constructor(stepId: string, ms: number) {
    super(`step ${stepId} did not finish within ${ms} ms`, { code: ErrorCodes.STEP_TIMEOUT })
    this.name = 'StepTimeoutError'
  }
}

/** Lease and execute one run. Returns quietly if the run is not leasable (another worker, not due, finished). */
export async function executeRun(
  ctx: EngineContext,
  runId: string,
  cached?: { event?: EventRecord; fresh: boolean; leased?: RunRecord; steps?: StepResultRecord[] },
): Promise<void> {
  // A run this process accepted was inserted already leased to it: no second write needed.
  const run = cached?.leased ?? (await ctx.store.leaseRun({ runId, owner: ctx.workerId, now: ctx.clock.now(), leaseMs: ctx.leaseMs })) // MAY THROW
  if (!run) return
  const pipeline = ctx.resolvePipeline(run.pipelineId, run.pipelineVersion)
  // Event and step results are read together (one round trip's wait on Postgres, not two).
  const needSteps = !cached?.fresh || run.replayOf !== null || run.currentStep !== null
  const [event, steps] = await Promise.all([
    cached?.event && cached.event.id === run.eventId ? cached.event : ctx.store.getEvent(run.eventId), // MAY THROW
    cached?.steps ?? (needSteps ? ctx.store.getSteps(runId) : []), // MAY THROW
  ])
  const memo = new Map<string, StepResultRecord>()
  for (const s of steps) memo.set(s.stepPath, s)
  await new RunExecution(ctx, run, pipeline, event, memo).execute()
}

class RunExecution {
  readonly #pending: StepResultRecord[] = []
  readonly #started: number
  readonly #held: string[] = []

  constructor(
    private readonly ctx: EngineContext,
    private readonly run: RunRecord,
    private readonly pipeline: CompiledPipeline | null,
    private readonly event: EventRecord | null,
    private readonly memo: Map<string, StepResultRecord>,
  ) {
    this.#started = ctx.clock.now()
  }

  async execute(): Promise<void> {
    const { ctx, run } = this
    ctx.events.emit('run:start', { run })
    try {
      if (!this.pipeline)
        throw new StepFailure('', 1, new NonRetryableError(`pipeline ${run.pipelineId} is not loaded; it was removed or renamed`), null)
      if (!this.event)
        throw new StepFailure('', 1, new NonRetryableError(`event ${run.eventId} of run ${run.id} is missing from the store`), null)
      const scope: Scope = {
        event: this.event.payload,
        run: { id: run.id, pipelineId: run.pipelineId, attempt: run.attempt, createdAt: run.createdAt },
      }
      await this.runSteps(this.batchSteps(this.pipeline.steps), scope, '')
      await this.finish('succeeded')
    } catch (e) {
      if (e instanceof Stop) {
        if (e.kind === 'filtered') await this.finish('filtered')
        else if (e.kind === 'done') await this.finish('succeeded')
        else await this.suspend(e.dueAt)
        return
      }
      if (e instanceof StepFailure) return this.fail(e)
      if (e instanceof HandBack) return this.handBack()
      if ((e as PipewrightError)?.code === ErrorCodes.LEASE_LOST) return // another worker owns the run now
      throw e
    } finally {
      for (const key of this.#held) ctx.locks.release(key)
    }
  }

  /** A batch run of an `aggregate` step starts at that step: earlier steps ran once per item. */
  batchSteps(steps: CompiledStep[]): CompiledStep[] {
    const at = steps.findIndex((s) => s.kind === 'aggregate' && isBatchEvent(this.event?.meta, s.id))
    return at < 0 ? steps : steps.slice(at)
  }

  async runSteps(steps: CompiledStep[], scope: Scope, prefix: string): Promise<void> {
    for (const step of steps) await this.runStep(step, scope, prefix)
  }

  async runStep(step: CompiledStep, scope: Scope, prefix: string): Promise<void> {
    const path = prefix + step.id
    const done = this.memo.get(path)
    if (done && done.status !== 'failed') {
      if (done.status === 'filtered') throw new Stop('filtered')
      if (step.kind === 'dedupe' && isDedupeWaiting(done.output)) return this.settleDedupe(step, scope, path, done.output)
      if (step.kind === 'call' && isCallWaiting(done.output))
        return this.awaitCall(step, scope, path, done.startedAt, done.attempts, done.output)
      if (step.kind === 'aggregate' && !isBatchEvent(this.event?.meta, step.id))
        return this.resumeAggregate(step, path, done.output as AggregateOutput)
      scope[step.id] = done.output
      if (step.kind === 'route') return this.replayRoute(step, done.output as { branch: number | 'otherwise' | null }, scope, prefix)
      if (step.kind === 'delay') return this.waitUntil((done.output as { until: number }).until)
      return
    }
    if (step.concurrencyKey) await this.acquireKey(step, scope, path)
    const attempt = this.run.currentStep === path ? this.run.attempt + 1 : 1
    const startedAt = this.ctx.clock.now()
    let input: unknown = null
    try {
      switch (step.kind) {
        case 'map': {
          const value = await step.value(scope)
          scope[step.id] = value
          return this.record(step, path, startedAt, attempt, 'succeeded', value)
        }
        case 'filter': {
          const pass = Boolean(await step.when(scope))
          this.record(step, path, startedAt, attempt, pass ? 'succeeded' : 'filtered', pass)
          scope[step.id] = pass
          if (!pass) throw new Stop('filtered')
          return
        }
        case 'route':
          return await this.runRoute(step, scope, prefix, path, startedAt, attempt)
        case 'forEach':
          return await this.runForEach(step, scope, path, startedAt, attempt)
        case 'delay': {
          const until = startedAt + (await step.ms(scope))
          scope[step.id] = { until }
          this.record(step, path, startedAt, attempt, 'succeeded', { until })
          return this.waitUntil(until)
        }
        case 'action': {
          input = await step.params(scope)
          await this.flushEffects()
          this.stopIfShuttingDown()
          const output = await this.withTimeout(step, path, (signal) =>
            this.ctx.actions.execute({
              ref: step.ref,
              connection: step.connection ?? undefined,
              input,
              runId: this.run.id,
              pipelineId: this.run.pipelineId,
              stepId: path,
              attempt,
              idempotencyKey: `${this.run.id}:${path}`,
              signal,
            }),
          )
          scope[step.id] = output
          return await this.checkpoint(step, path, startedAt, attempt, output)
        }
        case 'code': {
          input = null
          await this.flushEffects()
          this.stopIfShuttingDown()
          const output = await this.withTimeout(step, path, (signal) => step.fn(scope, this.helpers(path, attempt, signal)))
          scope[step.id] = output ?? null
          return await this.checkpoint(step, path, startedAt, attempt, output ?? null)
        }
        case 'dedupe':
          return await this.runDedupe(step, scope, path, startedAt, attempt)
        case 'aggregate':
          return await this.runAggregate(step, scope, path, startedAt, attempt)
        case 'call': {
          input = await step.input(scope)
          await this.flushEffects()
          this.stopIfShuttingDown()
          const childRunId = await this.ctx.startCall(step.pipeline, input, `${this.run.id}:${path}`, startedAt)
          if (step.wait)
            return await this.awaitCall(step, scope, path, startedAt, attempt, {
              runId: childRunId,
              phase: 'waiting',
              until: startedAt + step.wait.timeoutMs,
            })
          scope[step.id] = { runId: childRunId }
          return await this.checkpoint(step, path, startedAt, attempt, { runId: childRunId })
        }
      }
    } catch (e) {
      if (e instanceof Stop || e instanceof StepFailure || e instanceof HandBack) throw e
      // Whatever a step threw after the deadline came from its abort: not a failure of the step.
      if (this.ctx.shutdown?.aborted) throw new HandBack()
      if ((e as PipewrightError)?.code === ErrorCodes.LEASE_LOST) throw e
      if (e instanceof SkipError) {
        this.record(step, path, startedAt, attempt, 'filtered', null)
        throw new Stop('filtered')
      }
      this.emitStep(step, path, startedAt, attempt, 'failed', e)
      throw new StepFailure(path, attempt, e, input ?? stepInputSnapshot(scope))
    }
  }

  async runRoute(
    step: Extract<CompiledStep, { kind: 'route' }>,
    scope: Scope,
    prefix: string,
    path: string,
    startedAt: number,
    attempt: number,
  ) {
    let branch: number | 'otherwise' | null = null
    for (let i = 0; i < step.branches.length; i++) {
      if (await step.branches[i]!.when(scope)) {
        branch = i
        break
      }
    }
    if (branch === null && step.otherwise) branch = 'otherwise'
    this.record(step, path, startedAt, attempt, 'succeeded', { branch })
    scope[step.id] = { branch }
    await this.replayRoute(step, { branch }, scope, prefix)
  }

  async replayRoute(
    step: Extract<CompiledStep, { kind: 'route' }>,
    out: { branch: number | 'otherwise' | null },
    scope: Scope,
    prefix: string,
  ) {
    const steps = out.branch === null ? [] : out.branch === 'otherwise' ? (step.otherwise ?? []) : (step.branches[out.branch]?.steps ?? [])
    await this.runSteps(steps, scope, prefix)
  }

  async runForEach(step: Extract<CompiledStep, { kind: 'forEach' }>, scope: Scope, path: string, startedAt: number, attempt: number) {
    const items = await step.items(scope)
    if (!Array.isArray(items))
      throw new NonRetryableError(`forEach of step ${step.id} must produce an array, got ${items === null ? 'null' : typeof items}`)
    const results: unknown[] = new Array(items.length)
    let next = 0
    let failure: unknown = null
    const worker = async () => {
      while (failure === null && next < items.length) {
        const index = next++
        const itemScope: Scope = { ...scope, item: items[index], index }
        try {
          await this.runSteps(step.steps, itemScope, `${path}[${index}].`)
          results[index] = Object.fromEntries(step.steps.map((s) => [s.id, itemScope[s.id]]))
        } catch (e) {
          if (e instanceof Stop && e.kind === 'filtered') results[index] = { filtered: true }
          else failure ??= e
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(step.concurrency, items.length) }, worker))
    if (failure !== null) throw failure
    scope[step.id] = results
    this.record(step, path, startedAt, attempt, 'succeeded', results)
  }

  async runDedupe(step: Extract<CompiledStep, { kind: 'dedupe' }>, scope: Scope, path: string, startedAt: number, attempt: number) {
    const key = String(await step.key(scope))
    const item = step.keep === 'first' ? undefined : await step.item(scope)
    await this.flushEffects()
    const ns = `dedupe:${this.run.pipelineId}:${step.id}`
    const d = await dedupeArrive(this.ctx.store, {
      ns,
      key,
      runId: this.run.id,
      memberId: `${this.run.id}:${path}`,
      item,
      keep: step.keep,
      windowMs: step.windowMs,
      now: startedAt,
    })
    if (d.kind === 'wait') {
      // Parked until the window closes; the waiting state is saved with the run's transition.
      this.record(step, path, startedAt, attempt, 'succeeded', d.state)
      scope[step.id] = d.state
      return this.waitUntil(d.until)
    }
    return this.applyDedupe(step, scope, path, startedAt, attempt, d)
  }

  async settleDedupe(step: Extract<CompiledStep, { kind: 'dedupe' }>, scope: Scope, path: string, state: DedupeWaiting) {
    this.waitUntil(state.closesAt)
    const startedAt = this.ctx.clock.now()
    await this.flushEffects()
    const d = await dedupeSettle(
      this.ctx.store,
      `dedupe:${this.run.pipelineId}:${step.id}`,
      state,
      step.keep,
      `${this.run.id}:${path}`,
      startedAt,
    )
    return this.applyDedupe(step, scope, path, startedAt, 1, d)
  }

  async applyDedupe(step: CompiledStep, scope: Scope, path: string, startedAt: number, attempt: number, d: DedupeDecision) {
    if (d.kind === 'wait') return
    scope[step.id] = d.output
    if (d.kind === 'drop') {
      this.record(step, path, startedAt, attempt, 'filtered', d.output)
      throw new Stop('filtered')
    }
    await this.checkpoint(step, path, startedAt, attempt, d.output)
  }

  async runAggregate(step: Extract<CompiledStep, { kind: 'aggregate' }>, scope: Scope, path: string, startedAt: number, attempt: number) {
    if (isBatchEvent(this.event?.meta, step.id)) {
      // The batch run: this step's output is the batch.
      scope[step.id] = this.event!.payload
      return this.record(step, path, startedAt, attempt, 'succeeded', this.event!.payload)
    }
    const item = await step.item(scope)
    const group = step.key ? String(await step.key(scope)) : ''
    await this.flushEffects()
    const ns = `aggregate:${this.run.pipelineId}:${step.id}`
    const a = await aggregateArrive(this.ctx.store, {
      ns,
      group,
      memberId: `${this.run.id}:${path}`,
      item,
      size: step.size,
      windowMs: step.windowMs,
      now: startedAt,
    })
    const output: AggregateOutput = {
      batch: a.batch,
      position: a.position,
      batchRunId: null,
      ...(a.kind === 'timer' ? { flushAt: a.flushAt } : {}),
    }
    if (a.kind === 'flush-now') output.batchRunId = await this.flush(step, a.batch, group, startedAt)
    scope[step.id] = output
    this.record(step, path, startedAt, attempt, 'succeeded', output)
    if (a.kind === 'timer') this.waitUntil(a.flushAt!)
    if (a.kind === 'timer') return this.resumeAggregate(step, path, output)
    throw new Stop('done')
  }

  /** The run that opened a batch with a window: when the window has closed, seal and start the batch. */
  async resumeAggregate(step: Extract<CompiledStep, { kind: 'aggregate' }>, path: string, out: AggregateOutput) {
    if (out.flushAt !== undefined && out.batchRunId === null) {
      this.waitUntil(out.flushAt)
      const startedAt = this.ctx.clock.now()
      const group = out.batch.slice(0, out.batch.lastIndexOf('#'))
      const batchRunId = await this.flush(step, out.batch, group, startedAt)
      this.record(step, path, startedAt, 1, 'succeeded', { ...out, batchRunId })
    }
    throw new Stop('done')
  }

  async flush(step: Extract<CompiledStep, { kind: 'aggregate' }>, batch: string, group: string, now: number): Promise<string | null> {
    return flushBatch(this.ctx, {
      ns: `aggregate:${this.run.pipelineId}:${step.id}`,
      batch,
      size: step.size,
      group: step.key ? group : null,
      source: this.pipeline!,
      stepId: step.id,
      targetId: step.target,
      now,
    })
  }

  /** `call` with `wait`: take the called run's result, wait for it briefly, or park and look again. */
  async awaitCall(
    step: Extract<CompiledStep, { kind: 'call' }>,
    scope: Scope,
    path: string,
    startedAt: number,
    attempt: number,
    state: CallWaiting,
  ) {
    const child = await waitForRunEnd(this.ctx, state.runId, Math.min(CALL_INLINE_WAIT_MS, Math.max(0, state.until - this.ctx.clock.now())))
    const now = this.ctx.clock.now()
    if (child && ['succeeded', 'filtered', 'dead'].includes(child.status)) {
      if (child.status === 'dead')
        throw new NonRetryableError(
          `called pipeline ${step.pipeline} failed: run ${child.id} is dead${child.error ? ` (${child.error.message})` : ''}`,
        )
      const output = await callResult(this.ctx.store, child)
      scope[step.id] = output
      return this.checkpoint(step, path, startedAt, attempt, output)
    }
    if (now >= state.until)
      throw new NonRetryableError(
        `called pipeline ${step.pipeline} did not finish in time: run ${state.runId} is ${child?.status ?? 'missing'}`,
      )
    scope[step.id] = state
    this.record(step, path, startedAt, attempt, 'succeeded', state)
    throw new Stop('waiting', Math.min(state.until, now + CALL_POLL_MS))
  }

  helpers(path: string, attempt: number, signal: AbortSignal): StepHelpers {
    let n = 0
    const log = (level: 'info' | 'warn') => (msg: string, data?: object) =>
      this.ctx.events.emit('step:log', {
        run: this.run,
        stepId: path,
        level,
        message: this.ctx.redact.text(msg),
        data: data ? this.ctx.redact.value(data) : undefined,
      })
    return {
      signal,
      attempt,
      log: { info: log('info'), warn: log('warn') },
      action: (inv) => {
        const call = ++n
        return this.ctx.actions.execute({
          ref: inv.ref,
          connection: inv.connection,
          input: inv.params,
          runId: this.run.id,
          pipelineId: this.run.pipelineId,
          stepId: `${path}#${call}`,
          attempt,
          idempotencyKey: `${this.run.id}:${path}#${call}`,
          signal,
        })
      },
    }
  }

  async withTimeout<T>(step: CompiledStep, path: string, fn: (signal: AbortSignal) => Promise<T> | T): Promise<T> {
    const controller = new AbortController()
    let timer: unknown
    const shutdown = this.ctx.shutdown
    let onShutdown: (() => void) | null = null
    const timeout = new Promise<never>((_, reject) => {
      timer = this.ctx.clock.setTimeout(() => {
        const err = new StepTimeoutError(path, step.timeoutMs)
        controller.abort(err)
        reject(err)
      }, step.timeoutMs)
      if (shutdown) {
        onShutdown = () => {
          controller.abort(shutdown.reason)
          reject(new HandBack())
        }
        shutdown.addEventListener('abort', onShutdown, { once: true })
      }
    })
    try {
      return await Promise.race([Promise.resolve().then(() => fn(controller.signal)), timeout])
    } finally {
      this.ctx.clock.clearTimeout(timer)
      if (onShutdown) shutdown!.removeEventListener('abort', onShutdown)
    }
  }

  stopIfShuttingDown(): void {
    if (this.ctx.shutdown?.aborted) throw new HandBack()
  }

  /**
   * Shutdown deadline: save the results kept so far — an effect that completed is recorded, so
   * it is not repeated — and give the run back (`queued`, due now) for the next worker.
   */
  async handBack(): Promise<void> {
    const steps = this.#pending.splice(0)
    const effect = this.#unsavedEffect
    this.#unsavedEffect = null
    const now = this.ctx.clock.now()
    try {
      if (steps.length > 0 || effect)
        await this.ctx.store.saveSteps(
          this.run.id,
          this.ctx.workerId,
          steps,
          effect ? { currentStep: effect.path, attempt: effect.attempt, at: now } : undefined,
        ) // MAY THROW
      await this.ctx.store.releaseLeases(this.ctx.workerId, [this.run.id], now) // MAY THROW
    } catch (e) {
      if ((e as PipewrightError)?.code === ErrorCodes.LEASE_LOST) return
      throw e
    }
  }

  async acquireKey(step: CompiledStep, scope: Scope, path: string) {
    const key = `${this.run.pipelineId}:${step.id}:${await step.concurrencyKey!(scope)}`
    if (this.#held.includes(key)) return
    await this.ctx.locks.acquire(key)
    this.#held.push(key)
    void path
  }

  waitUntil(until: number): void {
    if (this.ctx.clock.now() < until) throw new Stop('waiting', until)
  }

  /** Keep a pure step's result for the next write (it is recomputed if the run restarts first). */
  record(step: CompiledStep, path: string, startedAt: number, attempt: number, status: StepResultRecord['status'], output: unknown) {
    const finishedAt = this.ctx.clock.now()
    this.#pending.push({
      runId: this.run.id,
      stepPath: path,
      status,
      output: this.ctx.redact.value(output),
      attempts: attempt,
      startedAt,
      finishedAt,
      error: null,
    })
    this.emitStep(step, path, startedAt, attempt, status === 'filtered' ? 'filtered' : 'succeeded')
  }

  /**
   * Record a step with an effect. Its result must be durable before the NEXT effect starts
   * (see {@link flushEffects}) or with the run's final transition, whichever comes first: one
   * write per effect, batched with the rest, and none at all for a run's last effect.
   */
  async checkpoint(step: CompiledStep, path: string, startedAt: number, attempt: number, output: unknown) {
    this.record(step, path, startedAt, attempt, 'succeeded', output)
    this.#unsavedEffect = { path, attempt }
  }

  #unsavedEffect: { path: string; attempt: number } | null = null

  /** Make the results of earlier effects durable before another effect may happen. */
  async flushEffects() {
    if (!this.#unsavedEffect) return
    const { path, attempt } = this.#unsavedEffect
    this.#unsavedEffect = null
    const steps = this.#pending.splice(0)
    await this.ctx.store.saveSteps(this.run.id, this.ctx.workerId, steps, { currentStep: path, attempt, at: this.ctx.clock.now() }) // MAY THROW
  }

  emitStep(
    step: CompiledStep,
    path: string,
    startedAt: number,
    attempt: number,
    status: 'succeeded' | 'filtered' | 'failed',
    error?: unknown,
  ) {
    if (!this.ctx.events.has('step:end')) return
    this.ctx.events.emit('step:end', {
      run: this.run,
      stepId: path,
      kind: step.kind,
      status,
      durationMs: this.ctx.clock.now() - startedAt,
      attempt,
      action: step.kind === 'action' ? step.ref : null,
      error: error === undefined ? undefined : serializeError(error, this.ctx.redact.text),
    })
  }

  async finish(status: 'succeeded' | 'filtered') {
    const at = this.ctx.clock.now()
    const steps = this.#pending.splice(0)
    await this.ctx.store.transition(this.run.id, this.ctx.workerId, { status, at }, steps) // MAY THROW
    this.ctx.events.emit('run:end', { run: this.run, status, durationMs: at - this.#started })
  }

  /** Park the run until `dueAt` (a delay step), keeping the results so far. */
  async suspend(dueAt: number) {
    const at = this.ctx.clock.now()
    const steps = this.#pending.splice(0)
    await this.ctx.store.transition(
      this.run.id,
      this.ctx.workerId,
      { status: 'waiting', at, dueAt, reason: 'delay', currentStep: null, attempt: 0 },
      steps,
    )
    this.ctx.events.emit('run:waiting', { run: this.run, reason: 'delay', dueAt, stepId: null, attempt: 0, error: null })
    this.ctx.redispatch(this.run.id, dueAt)
  }

  async fail(f: StepFailure) {
    const { ctx, run } = this
    const at = ctx.clock.now()
    const steps = this.#pending.splice(0)
    const step = this.findStep(f.path)
    const policy = step?.retry ??
      this.pipeline?.retry ?? { maxAttempts: 1, initialIntervalMs: 1000, maxIntervalMs: 1000, backoffCoefficient: 1 }
    const decision = decideFailure(f.error, policy, f.attempt, ctx.random)
    const error: SerializedError = { ...serializeError(f.error, ctx.redact.text), stepId: f.path || undefined }
    if (decision.kind === 'wait') {
      const dueAt = at + decision.delayMs
      const attempt = decision.countsAsAttempt ? f.attempt : f.attempt - 1
      await ctx.store.transition(
        run.id,
        ctx.workerId,
        { status: 'waiting', at, dueAt, reason: decision.reason, currentStep: f.path, attempt, error },
        steps,
      ) // MAY THROW
      ctx.events.emit('run:waiting', { run, reason: decision.reason, dueAt, stepId: f.path, attempt, error })
      ctx.redispatch(run.id, dueAt)
      return
    }
    const deadLetter: DeadLetterRecord = {
      runId: run.id,
      pipelineId: run.pipelineId,
      pipelineVersion: run.pipelineVersion,
      eventId: run.eventId,
      reason: decision.reason,
      stepId: f.path || null,
      attempts: f.attempt,
      error,
      lastInput: ctx.redact.value(f.input),
      createdAt: at,
      replayedBy: null,
      discardedAt: null,
    }
    await ctx.store.transition(
      run.id,
      ctx.workerId,
      { status: 'dead', at, deadLetter, error, currentStep: f.path || null, attempt: f.attempt },
      steps,
    ) // MAY THROW
    ctx.events.emit('run:dead', { run, deadLetter })
    ctx.events.emit('run:end', { run, status: 'dead', durationMs: at - this.#started })
  }

  findStep(path: string): CompiledStep | null {
    const ids = path.split('.').map((p) => p.replace(/\[\d+\]$/, ''))
    let list = this.pipeline?.steps ?? []
    let found: CompiledStep | null = null
    for (const id of ids) {
      found = findIn(list, id)
      if (!found) return null
      list = found.kind === 'forEach' ? found.steps : []
    }
    return found
  }
}

function findIn(list: CompiledStep[], id: string): CompiledStep | null {
  for (const s of list) {
    if (s.id === id) return s
    if (s.kind === 'route') {
      for (const b of [...s.branches.map((x) => x.steps), s.otherwise ?? []]) {
        const f = findIn(b, id)
        if (f) return f
      }
    }
  }
  return null
}

/** What a failing pure step saw: the event and earlier outputs. */
function stepInputSnapshot(scope: Scope): unknown {
  const { run: _run, ...rest } = scope
  return rest
}

// ── call with wait ──────────────────────────────────────────────────────────────────────

/** What a `call` with `wait` keeps while the called run is not finished. */
interface CallWaiting {
  runId: string
  phase: 'waiting'
  until: number
}

function isCallWaiting(v: unknown): v is CallWaiting {
  return typeof v === 'object' && v !== null && (v as CallWaiting).phase === 'waiting' && typeof (v as CallWaiting).runId === 'string'
}

const TERMINAL = ['succeeded', 'filtered', 'dead']

/** The run as it is once it ends, or after `ms` (this process's `run:end` events wake it early). */
async function waitForRunEnd(ctx: EngineContext, runId: string, ms: number): Promise<RunRecord | null> {
  let off = () => {}
  let timer: unknown
  const ended = new Promise<void>((resolve) => {
    off = ctx.events.on('run:end', (e) => {
      if (e.run.id === runId) resolve()
    })
    timer = ctx.clock.setTimeout(resolve, ms)
  })
  try {
    const run = await ctx.store.getRun(runId) // MAY THROW
    if (!run || TERMINAL.includes(run.status) || ms <= 0) return run
    await ended
    return await ctx.store.getRun(runId) // MAY THROW
  } finally {
    off()
    ctx.clock.clearTimeout(timer)
  }
}

/** A finished called run as the `call` step's output: status, every step's output, and the last one's. */
async function callResult(
  store: Store,
  run: RunRecord,
): Promise<{ runId: string; status: string; output: unknown; steps: Record<string, unknown> }> {
  const steps: Record<string, unknown> = {}
  let output: unknown = null
  for (const s of await store.getSteps(run.id)) {
    steps[s.stepPath] = s.output
    if (s.status === 'succeeded' && !s.stepPath.includes('.')) output = s.output
  }
  return { runId: run.id, status: run.status, output, steps }
}
