/**
 * The `Dispatch` contract: how run ids reach workers. Dispatch is a fast path only — it
 * carries run ids, never payloads, and anything it loses the store's sweeper re-dispatches.
 *
 * Implementations: in-process ready queue (default) and BullMQ on Redis.
 * @module
 */

/** Called by dispatch for each run id it hands to this process. Resolves when the run has
 * been leased and executed as far as it can go (finished, waiting, or lease lost). */
export type RunHandler = (runId: string) => Promise<void>

export interface Dispatch {
  readonly kind: 'memory' | 'bullmq'
  /**
   * Make a run available to workers at `dueAt` (epoch ms; now or past = immediately).
   * Dispatching a run id twice is harmless: the store lease decides who runs it.
   */
  dispatch(runId: string, dueAt?: number): Promise<void>
  dispatchMany(items: Array<{ runId: string; dueAt?: number }>): Promise<void>
  /**
   * The sweeper's dispatch: only the runs dispatch does not already hold (queued or being
   * handed out). Without it the sweeper calls `dispatchMany`, which is also correct, but a
   * backlog then costs one no-op queue write per waiting run per sweep and worker. `dueAt` is
   * the run's stored due time (a timer dispatched for it counts as held); runs are sent due now.
   */
  dispatchMissing?(items: Array<{ runId: string; dueAt?: number }>): Promise<void>
  /** Start handing run ids to `handler`, at most `concurrency` at a time. */
  startWorker(handler: RunHandler, options: { concurrency: number }): Promise<void>
  /** Stop taking new run ids; resolve once in-flight handlers have returned or `deadlineMs` passed. */
  stopWorker(deadlineMs: number): Promise<void>
  /** Run ids waiting to be handed out (for /metrics and back-pressure). */
  depth(): Promise<number>
  close(): Promise<void>
}
