/**
 * The hub's typed event map (`noun:verb`), emitted through `safeEmit` so a failing listener
 * never breaks a run. Logs, metrics and alerts subscribe here.
 * @module
 */
import type { DeadLetterRecord, RunRecord, RunStatus, SerializedError, WaitReason } from '../types.js'

export interface HubEventMap {
  'event:accepted': { pipelineId: string; eventId: string; runId: string; trigger: string }
  'event:duplicate': { pipelineId: string; runId: string }
  'run:start': { run: RunRecord }
  'run:end': { run: RunRecord; status: RunStatus; durationMs: number }
  'run:waiting': {
    run: RunRecord
    reason: WaitReason
    dueAt: number
    stepId: string | null
    attempt: number
    error: SerializedError | null
  }
  'run:dead': { run: RunRecord; deadLetter: DeadLetterRecord }
  'step:end': {
    run: RunRecord
    stepId: string
    kind: string
    status: 'succeeded' | 'filtered' | 'failed'
    durationMs: number
    attempt: number
    action: string | null
    error?: SerializedError
  }
  /** A line logged by user code through `helpers.log` in a `code` step (already redacted). */
  'step:log': { run: RunRecord; stepId: string; level: 'info' | 'warn'; message: string; data?: object }
  'hub:error': { message: string; error: unknown }
  // Gateway events are forwarded under their own names.
  [gateway: `connector:${string}` | `budget:${string}`]: Record<string, unknown>
}

export type HubEventName = keyof HubEventMap
export type HubListener<K extends HubEventName> = (payload: HubEventMap[K]) => void

export class HubEvents {
  #listeners = new Map<string, Set<(p: any) => void>>()

  on<K extends HubEventName>(name: K, fn: HubListener<K>): () => void {
    let set = this.#listeners.get(name as string)
    if (!set) {
      set = new Set()
      this.#listeners.set(name as string, set)
    }
    set.add(fn)
    return () => set!.delete(fn)
  }

  /** True when someone listens; lets hot paths skip building payloads. */
  has(name: HubEventName): boolean {
    return (this.#listeners.get(name as string)?.size ?? 0) > 0
  }

  emit<K extends HubEventName>(name: K, payload: HubEventMap[K]): void {
    const set = this.#listeners.get(name as string)
    if (!set) return
    for (const fn of set) {
      try {
        fn(payload)
      } catch (error) {
        if (name !== 'hub:error') this.emit('hub:error', { message: `listener of ${String(name)} failed`, error })
      }
    }
  }
}
