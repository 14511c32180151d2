/**
 * The store's time series: each process counts what happens to it per minute — runs ended by
 * pipeline and status, step latency in histogram buckets per pipeline, provider 429s and our
 * own pacing waits per connection — and adds its counts to the store's totals every
 * `flushIntervalMs`; it also publishes its circuits' state as gauges that expire unless
 * published again. Alert rules and the dashboard's charts read these totals, so they see the
 * whole cluster, however many processes there are.
 *
 * Series (labels in parentheses): `runs` (pipeline, status), `step_seconds` (pipeline, le:
 * one upper bound of {@link STEP_BUCKETS} or `+Inf`; not cumulative), `step_seconds_sum`
 * (pipeline), `provider_429` (connector, connection), `pacing_waits` (connector, connection),
 * `pacing_wait_ms` (connector, connection); gauges `circuit_state` (connector, connection: 0
 * closed, 1 half-open, 2 open) and `queue_depth` (dispatch: `memory` — this process's queue — or
 * `bullmq` — the shared queue, the same number from every process).
 * @module
 */
import type { CircuitRow } from '../connectors/gateway/gateway.js'
import type { Dispatch } from '../dispatch/contract.js'
import type { HubEvents } from '../engine/events.js'
import type { Store } from '../store/contract.js'
import type { GaugeSample, MetricSample } from '../store/observe/contract.js'
import type { Clock } from '../types.js'
import { formatLabels, type Labels } from './labels.js'
import { STEP_BUCKETS } from './metrics.js'

export const MINUTE_MS = 60_000
/** Per-minute totals older than this are deleted (hourly, by each process). */
export const SERIES_RETENTION_MS = 8 * 86_400_000
const PURGE_EVERY_MS = 3_600_000

export const SERIES = {
  runs: 'runs',
  stepBuckets: 'step_seconds',
  stepSum: 'step_seconds_sum',
  provider429: 'provider_429',
  pacingWaits: 'pacing_waits',
  pacingWaitMs: 'pacing_wait_ms',
  circuit: 'circuit_state',
  queueDepth: 'queue_depth',
} as const

export interface SeriesRecorderOptions {
  events: HubEvents
  store: Store
  clock: Clock
  /** Names this process's gauges. */
  source: string
  circuits?: () => CircuitRow[]
  /** Its depth is published as `queue_depth`. */
  dispatch?: Dispatch
  /** @defaultValue 10000 */
  flushIntervalMs?: number
  onError?: (message: string, error: unknown) => void
}

export interface SeriesRecorder {
  /** Write what was counted so far (the alert evaluator calls it before reading). */
  flush(): Promise<void>
  close(): Promise<void>
}

/** One (series, labels) pair: its label text, and its sample of the current minute while unflushed. */
interface Slot {
  series: string
  labels: string
  sample: MetricSample | null
  generation: number
}

/** The slot of `series` (one table per series) with labels `{ [k1]: v1, [k2]: v2 }` or `{ [k1]: v1 }`, made on first use. */
function slotOf(table: Map<string, Map<string, Slot>>, series: string, k1: string, v1: string, k2?: string, v2 = ''): Slot {
  let inner = table.get(v1)
  if (inner === undefined) {
    inner = new Map()
    table.set(v1, inner)
  }
  let slot = inner.get(v2)
  if (slot === undefined) {
    const labels: Labels = k2 === undefined ? { [k1]: v1 } : { [k1]: v1, [k2]: v2 }
    slot = { series, labels: formatLabels(labels), sample: null, generation: -1 }
    inner.set(v2, slot)
  }
  return slot
}

const BUCKET_TEXT = STEP_BUCKETS.map(String)

export function bucketOf(seconds: number): string {
  for (let i = 0; i < STEP_BUCKETS.length; i++) if (seconds <= STEP_BUCKETS[i]!) return BUCKET_TEXT[i]!
  return '+Inf'
}

const CIRCUIT_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const

export function createSeriesRecorder(o: SeriesRecorderOptions): SeriesRecorder {
  const { clock } = o
  const interval = o.flushIntervalMs ?? 10_000
  // Every step and run adds to a series, so each (series, labels) pair gets a slot once — its
  // label text, and its sample of the current minute until the next flush — found through maps
  // keyed by the label values: an add builds no strings and sorts no keys. Label sets are few
  // (pipelines × statuses × buckets, connections), so the slots stay few.
  let pending: MetricSample[] = []
  let generation = 0
  const add = (slot: Slot, value: number) => {
    const now = clock.now()
    const minute = now - (now % MINUTE_MS)
    const s = slot.sample
    if (s !== null && slot.generation === generation && s.minute === minute) s.value += value
    else {
      slot.sample = { series: slot.series, labels: slot.labels, minute, value }
      slot.generation = generation
      pending.push(slot.sample)
    }
  }
  const runSlots = new Map<string, Map<string, Slot>>()
  const bucketSlots = new Map<string, Map<string, Slot>>()
  const sumSlots = new Map<string, Map<string, Slot>>()
  const connectionSlots = new Map<string, Map<string, Map<string, Slot>>>()
  const where = (series: string, e: Record<string, unknown>) => {
    let table = connectionSlots.get(series)
    if (table === undefined) {
      table = new Map()
      connectionSlots.set(series, table)
    }
    return slotOf(table, series, 'connector', String(e.connector ?? ''), 'connection', String(e.connection ?? ''))
  }
  const offs = [
    o.events.on('run:end', ({ run, status }) => add(slotOf(runSlots, SERIES.runs, 'pipeline', run.pipelineId, 'status', status), 1)),
    o.events.on('step:end', (e) => {
      const seconds = e.durationMs / 1000
      add(slotOf(bucketSlots, SERIES.stepBuckets, 'pipeline', e.run.pipelineId, 'le', bucketOf(seconds)), 1)
      add(slotOf(sumSlots, SERIES.stepSum, 'pipeline', e.run.pipelineId), seconds)
    }),
    o.events.on('connector:providerLimited', (e) => add(where(SERIES.provider429, e), 1)),
    o.events.on('connector:rateLimited', (e) => {
      add(where(SERIES.pacingWaits, e), 1)
      add(where(SERIES.pacingWaitMs, e), Number(e.waitMs ?? 0))
    }),
  ]

  let flushing: Promise<void> = Promise.resolve()
  let purgedAt = 0
  const flush = (): Promise<void> => {
    flushing = flushing.then(async () => {
      const batch = pending
      pending = []
      generation++
      try {
        await o.store.series.addSamples(batch)
        const gauges: GaugeSample[] = (o.circuits?.() ?? []).map((c) => ({
          series: SERIES.circuit,
          labels: formatLabels({ connector: c.connector, connection: c.connection }),
          value: CIRCUIT_VALUE[c.state],
        }))
        if (o.dispatch)
          gauges.push({ series: SERIES.queueDepth, labels: formatLabels({ dispatch: o.dispatch.kind }), value: await o.dispatch.depth() })
        await o.store.series.setGauges(o.source, gauges, clock.now(), interval * 3)
        if (clock.now() - purgedAt >= PURGE_EVERY_MS) {
          purgedAt = clock.now()
          await o.store.series.purge(clock.now() - SERIES_RETENTION_MS, clock.now())
        }
      } catch (error) {
        // Keep the counts for the next flush rather than lose them (one sample per key).
        const keyOf = (s: MetricSample) => `${s.series}\n${s.labels}\n${s.minute}`
        const live = new Map(pending.map((s) => [keyOf(s), s]))
        for (const s of batch) {
          const now = live.get(keyOf(s))
          if (now) now.value += s.value
          else {
            pending.push(s)
            live.set(keyOf(s), s)
          }
        }
        o.onError?.('writing metric series to the store failed; will retry', error)
      }
    })
    return flushing
  }

  let timer: unknown = null
  let closed = false
  const schedule = () => {
    timer = clock.setTimeout(() => {
      if (closed) return
      void flush().finally(() => {
        if (!closed) schedule()
      })
    }, interval)
  }
  schedule()

  return {
    flush,
    async close() {
      if (closed) return
      closed = true
      if (timer !== null) clock.clearTimeout(timer)
      for (const off of offs) off()
      await flush()
    },
  }
}
