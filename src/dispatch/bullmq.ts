/**
 * BullMQ dispatch on Redis, for many worker processes. Jobs carry only run ids; the store
 * stays the truth. A job delivered twice is harmless (the handler leases the run in the store
 * first), and a job Redis loses (FLUSHALL, restart without persistence, eviction) is found
 * again by the hub's sweeper, which re-dispatches every run the store says is due.
 *
 * - due-now dispatch: job id = run id, so dispatching a run already waiting in Redis is a no-op;
 * - due-later dispatch (retry, delay step): a delayed job `<runId>@<dueAt>`;
 * - finished jobs are removed at once, so a run can be dispatched again after it ran;
 * - a killed worker's jobs come back through BullMQ's stalled-job check (`lockDurationMs`);
 * - Redis errors never throw out of `dispatch()`: they go to `onError`, the sweeper covers.
 *
 * @example
 * ```ts
 * const dispatch = await createBullmqDispatch({ url: 'redis://127.0.0.1:6379', onError: (m, e) => log.warn({ err: e }, m) })
 * const hub = await createHub({ pipelines, store, actions, dispatch })
 * ```
 * @module
 */
import { type Job, Queue, Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import { type BullmqDispatchOptions, bullmqDefaults, jobIdOf, quietReporter, redisConnection } from './bullmq-options.js'
import type { Dispatch, RunHandler } from './contract.js'

export type { BullmqDispatchOptions } from './bullmq-options.js'

interface RunJob {
  runId: string
}

const JOB_NAME = 'run'
/** How long `stopWorker` waits for BullMQ when no run is in flight. */
const IDLE_CLOSE_MS = 1000

export async function createBullmqDispatch(options: BullmqDispatchOptions = {}): Promise<Dispatch & { readonly queueName: string }> {
  const queueName = options.queueName ?? bullmqDefaults.queueName
  const prefix = options.prefix ?? bullmqDefaults.prefix
  const lockDuration = options.lockDurationMs ?? bullmqDefaults.lockDurationMs
  const timeoutMs = options.dispatchTimeoutMs ?? bullmqDefaults.dispatchTimeoutMs
  const now = options.clock ? () => options.clock!.now() : Date.now
  const report = quietReporter(options.onError)
  const connection = redisConnection(options)

  const queue = new Queue<RunJob>(queueName, {
    connection,
    prefix,
    defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 1 },
  })
  queue.on('error', (error) => report(`redis error on dispatch queue ${queueName}`, error))

  let worker: Worker<RunJob> | null = null
  const inflight = new Set<Promise<void>>()
  /** Resolved when `stopWorker` gives up waiting: processors return, their jobs complete. */
  let abandon: () => void = () => {}
  let abandoned: Promise<void> = Promise.resolve()

  const toJob = (runId: string, dueAt: number | undefined) => {
    const delay = dueAt === undefined ? 0 : Math.max(0, Math.ceil(dueAt - now()))
    return { name: JOB_NAME, data: { runId }, opts: { jobId: jobIdOf(runId, dueAt), ...(delay > 0 ? { delay } : {}) } }
  }

  /** Set while Redis is failing: dispatches then do not wait for it at all. */
  let degraded = false

  /**
   * Dispatches of one tick go to Redis together: one `addBulk` (one round trip) instead of an
   * add per webhook. Every caller waits for the shared add, as it would for its own.
   */
  let tick: { items: Array<{ runId: string; dueAt?: number }>; sent: Promise<void> } | null = null
  function sendSoon(items: Array<{ runId: string; dueAt?: number }>): Promise<void> {
    if (items.length === 0) return Promise.resolve()
    if (!tick) {
      const current: { items: Array<{ runId: string; dueAt?: number }>; sent: Promise<void> } = {
        items: [],
        sent: new Promise<void>((resolve) =>
          setImmediate(() => {
            if (tick === current) tick = null
            resolve(send(current.items))
          }),
        ),
      }
      tick = current
    }
    tick.items.push(...items)
    return tick.sent
  }

  /** Never rejects and never waits more than `timeoutMs`: the store already holds the run. */
  async function send(items: Array<{ runId: string; dueAt?: number }>): Promise<void> {
    if (items.length === 0) return
    const jobs = items.map((i) => toJob(i.runId, i.dueAt))
    let timer: NodeJS.Timeout | undefined
    const add = Promise.resolve()
      .then((): Promise<unknown> => (jobs.length === 1 ? queue.add(jobs[0]!.name, jobs[0]!.data, jobs[0]!.opts) : queue.addBulk(jobs)))
      .then(() => {
        degraded = false
      })
    if (degraded) {
      add.catch((error) =>
        report(`dispatch of ${jobs.length} run(s) to Redis failed; the sweeper re-dispatches them from the store`, error),
      )
      return
    }
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), timeoutMs)
    })
    try {
      const outcome = await Promise.race([add, late])
      if (outcome === 'late') {
        degraded = true
        report(`dispatch of ${jobs.length} run(s) to Redis took over ${timeoutMs} ms; the sweeper re-dispatches them if needed`, null)
      }
    } catch (error) {
      degraded = true
      report(`dispatch of ${jobs.length} run(s) to Redis failed; the sweeper re-dispatches them from the store`, error)
    } finally {
      clearTimeout(timer)
      add.catch(() => undefined)
    }
  }

  /**
   * The sweeper's re-dispatch: one pipelined EXISTS per run on its job's key, then an add of
   * only the runs Redis does not hold. A run's due-now job id is its run id, so a run waiting or
   * active in Redis is found; a failure to ask counts as "not held" (adding is always safe).
   */
  async function sendMissing(items: Array<{ runId: string; dueAt?: number }>): Promise<void> {
    if (items.length === 0) return
    let held: boolean[] = []
    let timer: NodeJS.Timeout | undefined
    try {
      const ask = (async () => {
        // BullMQ's client is ioredis underneath; its typed surface has no EXISTS.
        const client = (await queue.getBackend().client) as unknown as Pick<Redis, 'pipeline'>
        const pipe = client.pipeline()
        for (const i of items) {
          const keys = [queue.toKey(jobIdOf(i.runId, undefined))]
          if (i.dueAt !== undefined && i.dueAt > 0) keys.push(queue.toKey(jobIdOf(i.runId, i.dueAt)))
          pipe.exists(...keys)
        }
        return ((await pipe.exec()) ?? []).map(([error, n]: [Error | null, unknown]) => !error && Number(n) > 0)
      })()
      ask.catch(() => undefined)
      const late = new Promise<boolean[]>((resolve) => {
        timer = setTimeout(() => resolve([]), timeoutMs)
      })
      held = await Promise.race([ask, late])
    } catch {
      held = []
    } finally {
      clearTimeout(timer)
    }
    await send(items.filter((_, i) => !held[i]).map((i) => ({ runId: i.runId })))
  }

  function process(handler: RunHandler) {
    return async (job: Job<RunJob>): Promise<void> => {
      const runId = job.data?.runId
      if (typeof runId !== 'string') return
      const run = handler(runId).catch((error) => report(`handler of run ${runId} failed`, error))
      inflight.add(run)
      try {
        await Promise.race([run, abandoned])
      } finally {
        void run.finally(() => inflight.delete(run))
      }
    }
  }

  return {
    kind: 'bullmq',
    queueName,
    dispatch: (runId, dueAt) => sendSoon([{ runId, dueAt }]),
    dispatchMany: (items) => sendSoon(items),
    dispatchMissing: (items) => sendMissing(items),

    async startWorker(handler, { concurrency }) {
      if (worker) throw new Error('bullmq dispatch: startWorker was already called; call stopWorker first')
      if (!Number.isInteger(concurrency) || concurrency < 1)
        throw new Error(`bullmq dispatch: concurrency must be a whole number ≥ 1, got ${concurrency}`)
      abandoned = new Promise<void>((resolve) => {
        abandon = resolve
      })
      worker = new Worker<RunJob>(queueName, process(handler), {
        connection,
        prefix,
        concurrency,
        lockDuration,
        stalledInterval: options.stalledIntervalMs ?? lockDuration,
        // A job that stalls twice is failed and removed; the sweeper re-dispatches its run.
        maxStalledCount: 1,
        removeOnComplete: { count: 0 },
        removeOnFail: { count: 0 },
        drainDelay: 1,
      })
      worker.on('error', (error) => report(`redis error on dispatch worker ${queueName}`, error))
    },

    async stopWorker(deadlineMs) {
      const w = worker
      if (!w) return
      worker = null
      const closing = w.close().catch((error) => report('closing the dispatch worker failed', error))
      // Nothing in flight: no reason to wait long for Redis (it may be down and never answer).
      const budget = inflight.size > 0 ? deadlineMs : Math.min(deadlineMs, IDLE_CLOSE_MS)
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), budget)
      })
      const outcome = await Promise.race([closing, late])
      clearTimeout(timer)
      if (outcome === 'late') {
        // Hand the unfinished jobs back; the hub returns their leases and the sweeper re-dispatches.
        abandon()
        await Promise.race([closing, new Promise((r) => setTimeout(r, 1000).unref())])
      }
    },

    async depth() {
      // Bounded: with Redis down the count would wait for a reconnect forever (and /metrics,
      // the series recorder and shutdown with it).
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis did not answer the queue depth within ${timeoutMs} ms`)), timeoutMs)
      })
      const counting = queue.getJobCounts('wait', 'delayed', 'prioritized')
      counting.catch(() => undefined)
      const counts = await Promise.race([counting, late]).finally(() => clearTimeout(timer))
      return (counts.wait ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0)
    },

    async close() {
      abandon()
      const w = worker
      worker = null
      let closed = false
      const closing = Promise.allSettled([w?.close(true), queue.close()]).then(() => {
        closed = true
      })
      await Promise.race([closing, new Promise((r) => setTimeout(r, 2000).unref())])
      // Redis down: drop the connections rather than let them retry (and keep the process) forever.
      if (!closed) for (const c of [w, queue]) void c?.disconnect().catch(() => undefined)
    },
  }
}
