/**
 * Schedule triggers: croner computes the ticks; each tick becomes an event whose delivery id
 * is `<pipeline>@<tick ISO time>`, so the store's delivery dedupe makes a tick fire once even
 * with several processes running the scheduler. Ticks missed while stopped follow the trigger's
 * `missed` policy: `skip`, `run-once` (the latest missed tick) or `run-all` (at most 100).
 * @module
 */
import { Cron } from 'croner'
import type { Hub } from '../engine/hub.js'
import type { CompiledPipeline } from '../pipeline/types.js'

const LAST_TICK_NS = 'schedule:last-tick'
const MAX_CATCH_UP = 100
/** Delivery ids of ticks are remembered this long (a tick is never fired twice within it). */
const TICK_DEDUPE_MS = 7 * 86_400_000

export interface Scheduler {
  /** Fire missed ticks per policy and start timers. */
  start(): Promise<void>
  stop(): void
  /**
   * Follow the hub's current pipelines (after a hot reload): start timers for schedule pipelines
   * that have none, stop those whose pipeline is gone or no longer a schedule, and restart those
   * whose cron or timezone changed.
   */
  refresh(): Promise<void>
  /** Fire one tick now (tests, `pipewright run` of a schedule pipeline). */
  fire(pipelineId: string, tick: Date): Promise<{ runId: string; duplicate: boolean }>
}

export function tickDeliveryId(pipelineId: string, tick: Date): string {
  return `${pipelineId}@${tick.toISOString()}`
}

/** Ticks strictly after `from` and at or before `to`, oldest first, at most `max`. */
export function ticksBetween(cron: string, timezone: string, from: Date, to: Date, max = MAX_CATCH_UP + 1): Date[] {
  const job = new Cron(cron, { paused: true, timezone })
  const out: Date[] = []
  let cursor: Date | null = from
  while (out.length < max) {
    cursor = job.nextRun(cursor)
    if (!cursor || cursor.getTime() > to.getTime()) break
    out.push(cursor)
  }
  job.stop()
  return out
}

type SchedulePipeline = CompiledPipeline & { trigger: { kind: 'schedule' } }

export function createScheduler(hub: Hub): Scheduler {
  /** Running timers by pipeline id, with the cron and timezone they were started with. */
  const jobs = new Map<string, { job: Cron; spec: string }>()
  let started = false
  let stopped = false
  const specOf = (p: SchedulePipeline) => `${p.trigger.options.cron}\u0000${p.trigger.options.timezone}`

  async function fire(pipelineId: string, tick: Date) {
    const p = hub.getPipeline(pipelineId)
    if (p?.trigger.kind !== 'schedule') throw new Error(`pipeline ${pipelineId} has no schedule trigger`)
    const payload = {
      ...(typeof p.trigger.options.payload === 'object' && p.trigger.options.payload ? p.trigger.options.payload : {}),
      tick: tick.toISOString(),
    }
    const [r] = await hub.ingest(pipelineId, [{ payload, deliveryId: tickDeliveryId(pipelineId, tick) }], {
      trigger: 'schedule',
      dedupeWindowMs: TICK_DEDUPE_MS,
    })
    const last = await hub.store.getKey(LAST_TICK_NS, pipelineId, hub.clock.now())
    if (!last || (last.value as number) < tick.getTime()) await hub.store.setKey(LAST_TICK_NS, pipelineId, tick.getTime(), hub.clock.now())
    return { runId: r!.runId, duplicate: r!.duplicate }
  }

  async function catchUp(p: CompiledPipeline & { trigger: { kind: 'schedule' } }) {
    const now = new Date(hub.clock.now())
    const last = await hub.store.getKey(LAST_TICK_NS, p.id, now.getTime())
    if (!last) {
      // First start: nothing was missed; remember now so the next start can tell.
      await hub.store.setKey(LAST_TICK_NS, p.id, now.getTime(), now.getTime())
      return
    }
    const { cron, timezone, missed } = p.trigger.options
    const ticks = ticksBetween(cron, timezone, new Date(last.value as number), now)
    const chosen = missed === 'skip' ? [] : missed === 'run-once' ? ticks.slice(-1) : ticks.slice(-MAX_CATCH_UP)
    for (const t of chosen) await fire(p.id, t)
    if (missed === 'skip' && ticks.length) await hub.store.setKey(LAST_TICK_NS, p.id, ticks[ticks.length - 1]!.getTime(), now.getTime())
  }

  async function begin(sp: SchedulePipeline) {
    await catchUp(sp)
    if (stopped) return
    const job = new Cron(sp.trigger.options.cron, { timezone: sp.trigger.options.timezone, protect: true }, async (self: Cron) => {
      const tick = self.currentRun() ?? new Date(hub.clock.now())
      // croner reports the scheduled time; round to the second so every process agrees.
      const at = new Date(Math.floor(tick.getTime() / 1000) * 1000)
      try {
        await fire(sp.id, at)
      } catch (error) {
        hub.events.emit('hub:error', { message: `schedule tick of ${sp.id} failed`, error })
      }
    })
    jobs.get(sp.id)?.job.stop()
    jobs.set(sp.id, { job, spec: specOf(sp) })
  }

  const schedules = () => hub.pipelines().filter((p): p is SchedulePipeline => p.trigger.kind === 'schedule')

  return {
    fire,
    async start() {
      started = true
      for (const sp of schedules()) await begin(sp)
    },
    async refresh() {
      if (!started || stopped) return
      const wanted = new Map(schedules().map((sp) => [sp.id, sp]))
      for (const [id, { job, spec }] of jobs) {
        const sp = wanted.get(id)
        if (sp && specOf(sp) === spec) continue
        job.stop()
        jobs.delete(id)
      }
      for (const [id, sp] of wanted) if (!jobs.has(id)) await begin(sp)
    },
    stop() {
      stopped = true
      for (const { job } of jobs.values()) job.stop()
      jobs.clear()
    },
  }
}
