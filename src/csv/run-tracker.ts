/**
 * Follows every run an import started until each ends, with no cap on how many: `run:end`
 * events from this process settle most of them; the store is polled for the rest (runs a worker
 * elsewhere executes, and earlier runs a duplicate row points at).
 *
 * @example
 * ```ts
 * const tracker = trackRuns(hub)
 * await importCsv(hub, 'leads', file, { onRuns: (ids) => tracker.add(ids) })
 * const tally = await tracker.waitAll({ timeoutMs: 600_000, onTick: (t) => console.error(t.done) })
 * tracker.close()
 * ```
 * @module
 */
import { systemClock } from '../engine/clock.js'
import type { Hub } from '../engine/hub.js'
import { type Clock, type RunStatus, TERMINAL_STATUSES } from '../types.js'

export interface RunTally {
  /** Distinct runs the import started or pointed at. */
  runs: number
  /** Of those, how many reached a terminal state. */
  done: number
  /** Runs per status: terminal ones (`missing`: deleted meanwhile), and after a timed-out `waitAll` the last known status of the rest. */
  statuses: Partial<Record<RunStatus | 'missing', number>>
}

export interface RunTracker {
  add(runIds: readonly string[]): void
  tally(): RunTally
  /** Resolve when every run added has ended, or when `timeoutMs` passes. */
  waitAll(options: { timeoutMs: number; onTick?: (t: RunTally) => void; tickMs?: number }): Promise<RunTally>
  close(): void
}

const POLL_SLICE = 500

export function trackRuns(hub: Pick<Hub, 'events' | 'store'>, options: { clock?: Clock } = {}): RunTracker {
  const clock = options.clock ?? systemClock
  const known = new Set<string>()
  const pending = new Set<string>()
  /** `run:end` seen before the import handed over the id (a fast run can end before ingest returns). */
  const early = new Map<string, RunStatus>()
  const statuses: RunTally['statuses'] = {}
  let done = 0
  const settle = (id: string, status: RunStatus | 'missing') => {
    pending.delete(id)
    done++
    statuses[status] = (statuses[status] ?? 0) + 1
  }
  const off = hub.events.on('run:end', (e) => {
    if (pending.has(e.run.id)) settle(e.run.id, e.status)
    else if (!known.has(e.run.id)) early.set(e.run.id, e.status)
  })
  const tally = (): RunTally => ({ runs: known.size, done, statuses: { ...statuses } })
  const sleep = (ms: number) => new Promise<void>((r) => clock.setTimeout(r, ms))

  /** Look up, a slice at a time, the pending runs that no event has settled. */
  async function poll(deadline: number, limit = POLL_SLICE): Promise<Map<string, RunStatus>> {
    const last = new Map<string, RunStatus>()
    for (const id of [...pending].slice(0, limit)) {
      if (clock.now() >= deadline) break
      const run = await hub.store.getRun(id)
      if (!pending.has(id)) continue
      if (!run) settle(id, 'missing')
      else if (TERMINAL_STATUSES.includes(run.status)) settle(id, run.status)
      else last.set(id, run.status)
    }
    return last
  }

  return {
    add(runIds) {
      for (const id of runIds) {
        if (known.has(id)) continue
        known.add(id)
        const status = early.get(id)
        if (status) {
          early.delete(id)
          settle(id, status)
        } else pending.add(id)
      }
    },
    tally,
    async waitAll({ timeoutMs, onTick, tickMs = 1000 }) {
      const deadline = clock.now() + timeoutMs
      let lastPoll = clock.now()
      let lastTick = clock.now()
      let delay = 20
      while (pending.size > 0 && clock.now() < deadline) {
        await sleep(Math.min(delay, Math.max(1, deadline - clock.now())))
        delay = Math.min(delay * 2, 250)
        // Events settle runs executed here; the store is asked only when they have gone quiet.
        if (clock.now() - lastPoll >= 2000) {
          const before = done
          await poll(deadline)
          lastPoll = clock.now()
          if (done > before) delay = 20
        }
        if (onTick && clock.now() - lastTick >= tickMs) {
          lastTick = clock.now()
          onTick(tally())
        }
      }
      if (pending.size === 0) return tally()
      // Timed out: report where each unfinished run stands.
      const last = await poll(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY)
      const result = tally()
      for (const id of pending) {
        const s = last.get(id) ?? 'queued'
        result.statuses[s] = (result.statuses[s] ?? 0) + 1
      }
      return result
    },
    close: off,
  }
}
