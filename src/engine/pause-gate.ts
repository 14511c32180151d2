/**
 * Paused pipelines in a running hub (docs/governance.md). The pause state lives in the store
 * (`store.pauses`), so `pipewright pause` in another process takes effect here within
 * `refreshMs`. A paused pipeline still accepts and stores events; its runs wait: a run that
 * comes up for execution is handed back (its lease released) and parked in memory, where the
 * sweeper leaves it alone. When the pipeline is resumed, the parked runs are dispatched at once.
 * Runs already executing when the pause arrives finish.
 * @module
 */
import type { Store } from '../store/contract.js'

export interface PauseGate {
  isPaused(pipelineId: string): boolean
  /** Remember a handed-back run of a paused pipeline. */
  park(pipelineId: string, runId: string): void
  isParked(runId: string): boolean
  /** Read the pause set now; dispatches the parked runs of pipelines no longer paused. */
  refresh(): Promise<void>
  start(): void
  stop(): void
}

export function createPauseGate(options: {
  store: Store
  /** Dispatch these runs now (their pipeline was resumed). */
  release: (runIds: string[]) => void
  onError: (error: unknown) => void
  /** @defaultValue 2000 */
  refreshMs?: number
}): PauseGate {
  let paused = new Set<string>()
  const parked = new Map<string, Set<string>>()
  const parkedRuns = new Set<string>()
  let timer: NodeJS.Timeout | null = null
  let refreshing: Promise<void> | null = null

  async function load(): Promise<void> {
    const rows = await options.store.pauses.list('pipeline')
    paused = new Set(rows.map((r) => r.id))
    for (const [pipelineId, runs] of parked) {
      if (paused.has(pipelineId)) continue
      parked.delete(pipelineId)
      for (const id of runs) parkedRuns.delete(id)
      options.release([...runs])
    }
  }

  return {
    isPaused: (id) => paused.has(id),
    park(pipelineId, runId) {
      const runs = parked.get(pipelineId) ?? new Set<string>()
      parked.set(pipelineId, runs)
      runs.add(runId)
      parkedRuns.add(runId)
    },
    isParked: (runId) => parkedRuns.has(runId),
    refresh() {
      refreshing ??= load().finally(() => {
        refreshing = null
      })
      return refreshing
    },
    start() {
      timer = setInterval(() => void this.refresh().catch(options.onError), options.refreshMs ?? 2000)
      timer.unref()
    },
    stop() {
      if (timer) clearInterval(timer)
      timer = null
    },
  }
}
