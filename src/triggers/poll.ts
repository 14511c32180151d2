/**
 * Poll triggers: every `every`, read a pipeline's record source from its stored cursor and start
 * one run per changed record. The source is the record source of a sync side kind
 * (`hubspot:main/contacts`, `postgres:crm/customers`, `airtable:…`, `notion:…`), read through the
 * gateway like any action (limits, circuits, budgets).
 *
 * Guarantees:
 * - **Backfill**: with no stored cursor the first poll reads every record (`backfill: false`
 *   starts from the present instead).
 * - **At-least-once, deduplicated**: each record becomes an event with delivery id
 *   `<record id>@<modified time>`; the store's delivery dedupe drops a record already started, so
 *   re-reading a page (a crash between the runs' start and the cursor's save, a source repeating
 *   its boundary) starts nothing twice.
 * - **Durable cursor**: saved in the store (`poll:cursor`) after each page's runs are stored, so
 *   a restarted process resumes where the last one stopped.
 * - One process polls a pipeline at a time (a lease in the store), however many run.
 * @module
 */

import { waitOrAbort } from '../engine/clock.js'
import type { Hub } from '../engine/hub.js'
import { ErrorCodes, isPipewrightError, PipewrightError, retryAfterOf } from '../errors.js'
import type { CompiledPipeline } from '../pipeline/types.js'
import type { RecordSource, SourceContext, SourceCursor } from '../sources/contract.js'
import { parseSideRef, type SideKind } from '../sync/side.js'
import { builtinSideKinds } from '../sync/sides/index.js'

export const POLL_CURSOR_NS = 'poll:cursor'
const LEASE_NS = 'poll:lease'
const LEASE_MS = 120_000
/** Delivery ids of polled records are remembered this long. */
const DEDUPE_MS = 30 * 86_400_000
/** Most pages read in one poll before yielding to the next tick. */
const MAX_PAGES = 1000

type PollPipeline = CompiledPipeline & { trigger: { kind: 'poll' } }

export interface PollReport {
  pipelineId: string
  read: number
  started: number
  duplicates: number
  cursor: SourceCursor | null
}

export interface Poller {
  start(): Promise<void>
  stop(): void
  /** Poll one pipeline now; resolves when the changes read so far have their runs stored. */
  poll(pipelineId: string): Promise<PollReport>
  /**
   * After the hub's pipelines were replaced (hot reload): poll pipelines new since then start
   * polling now, removed ones stop. Does nothing before `start()` (scheduling off).
   */
  refresh(): void
}

/** The event a polled record starts a run with. */
export interface PolledRecord {
  source: string
  id: string
  /** Provider modification time, ISO 8601. */
  modifiedAt: string
  fields: Record<string, unknown>
  deleted: boolean
}

export function createPoller(hub: Hub, options: { sideKinds?: Map<string, SideKind<any>> } = {}): Poller {
  const kinds = options.sideKinds ?? builtinSideKinds()
  const closing = new AbortController()
  const timers = new Map<string, unknown>()
  const sources = new Map<string, RecordSource>()
  const chains = new Map<string, Promise<unknown>>()
  let reads = 0

  const context = (p: PollPipeline): SourceContext => ({
    clock: hub.clock,
    invoke: async (ref, input, o = {}) => {
      for (let attempt = 1; ; attempt++) {
        const n = ++reads
        try {
          return await hub.actions.execute({
            ref,
            input,
            ...(o.connection ? { connection: o.connection } : {}),
            runId: `poll:${p.id}`,
            pipelineId: p.id,
            stepId: `poll#${n}`,
            attempt: 1,
            idempotencyKey: `poll:${p.id}#${n}`,
            signal: o.signal ?? closing.signal,
          })
        } catch (error) {
          const code = isPipewrightError(error) ? error.code : undefined
          const wait = code === ErrorCodes.RATE_LIMITED || code === ErrorCodes.RETRY_AFTER || code === ErrorCodes.CIRCUIT_OPEN
          if ((!wait && (attempt > 3 || code === ErrorCodes.NON_RETRYABLE)) || attempt > 20 || closing.signal.aborted) throw error
          await sleep(Math.min(retryAfterOf(error) ?? 250 * 2 ** attempt, 60_000))
        }
      }
    },
  })

  function sleep(ms: number): Promise<void> {
    return waitOrAbort(hub.clock, ms, closing.signal)
  }

  function sourceOf(p: PollPipeline): RecordSource {
    const key = `${p.id}@${p.version}`
    let s = sources.get(key)
    if (!s) {
      const o = p.trigger.options
      const ref = parseSideRef(o.source)
      const kind = ref ? kinds.get(ref.kind) : undefined
      if (!ref || !kind) throw new PipewrightError(`pipeline ${p.id}: unknown poll source ${o.source}`, { code: ErrorCodes.CONFIG_INVALID })
      const properties = (o.sourceOptions.properties as string[] | undefined) ?? []
      s = kind.create({ ...ref, options: o.sourceOptions, fields: properties }, context(p)).source
      sources.set(key, s)
    }
    return s
  }

  async function lease(id: string): Promise<boolean> {
    const now = hub.clock.now()
    if (await hub.store.setKeyIfAbsent(LEASE_NS, id, hub.workerId, now, now + LEASE_MS)) return true
    const held = await hub.store.getKey(LEASE_NS, id, now)
    if (held && held.value !== hub.workerId) return false
    await hub.store.setKey(LEASE_NS, id, hub.workerId, now, now + LEASE_MS)
    return true
  }

  async function pollOnce(p: PollPipeline): Promise<PollReport> {
    const report: PollReport = { pipelineId: p.id, read: 0, started: 0, duplicates: 0, cursor: null }
    if (!(await lease(p.id))) return report
    try {
      const source = sourceOf(p)
      const stored = await hub.store.getKey(POLL_CURSOR_NS, p.id, hub.clock.now())
      let cursor: SourceCursor | null
      if (stored) cursor = stored.value as SourceCursor | null
      else if (p.trigger.options.backfill) cursor = null
      else {
        cursor = { modifiedAt: hub.clock.now(), id: '' }
        await hub.store.setKey(POLL_CURSOR_NS, p.id, cursor, hub.clock.now())
      }
      for (let i = 0; i < MAX_PAGES && !closing.signal.aborted; i++) {
        const page = await source.readChanges(cursor, { limit: p.trigger.options.pageSize, signal: closing.signal })
        report.read += page.records.length
        if (page.records.length) {
          const deliveries = page.records.map((r) => ({
            deliveryId: `${r.id}@${r.modifiedAt}`,
            payload: {
              source: source.ref,
              id: r.id,
              modifiedAt: new Date(r.modifiedAt).toISOString(),
              fields: r.fields,
              deleted: r.deleted === true,
            } satisfies PolledRecord,
          }))
          const results = await hub.ingest(p.id, deliveries, { trigger: 'poll', dedupeWindowMs: DEDUPE_MS })
          for (const r of results)
            if (r.duplicate) report.duplicates += 1
            else report.started += 1
        }
        if (page.cursor && JSON.stringify(page.cursor) !== JSON.stringify(cursor))
          await hub.store.setKey(POLL_CURSOR_NS, p.id, page.cursor, hub.clock.now())
        cursor = page.cursor
        if (!page.more) break
      }
      report.cursor = cursor
      return report
    } finally {
      await hub.store.deleteKey(LEASE_NS, p.id).catch(() => undefined)
    }
  }

  function poll(pipelineId: string): Promise<PollReport> {
    const p = hub.getPipeline(pipelineId)
    if (p?.trigger.kind !== 'poll') return Promise.reject(new Error(`pipeline ${pipelineId} has no poll trigger`))
    const next = (chains.get(pipelineId) ?? Promise.resolve()).catch(() => undefined).then(() => pollOnce(p as PollPipeline))
    chains.set(pipelineId, next)
    return next
  }

  let started = false

  /** Poll `id` in `ms`, then on its interval, for as long as it is a loaded poll pipeline. */
  function schedule(id: string, ms: number) {
    if (closing.signal.aborted) return
    const t = hub.clock.setTimeout(async () => {
      const p = hub.getPipeline(id)
      if (p?.trigger.kind !== 'poll') {
        timers.delete(id) // removed (or no longer polled) by a reload
        return
      }
      try {
        await poll(id)
      } catch (error) {
        hub.events.emit('hub:error', { message: `poll of ${id} failed`, error })
      }
      // the interval of the pipeline as loaded now (a reload may have changed it)
      const now = hub.getPipeline(id)
      if (now?.trigger.kind === 'poll') schedule(id, (now as PollPipeline).trigger.options.everyMs)
      else timers.delete(id)
    }, ms)
    ;(t as { unref?: () => void }).unref?.()
    timers.set(id, t)
  }

  return {
    poll,
    async start() {
      started = true
      for (const p of hub.pipelines()) if (p.trigger.kind === 'poll') schedule(p.id, 0)
    },
    refresh() {
      if (!started || closing.signal.aborted) return
      const polled = new Set(hub.pipelines().flatMap((p) => (p.trigger.kind === 'poll' ? [p.id] : [])))
      for (const id of polled) if (!timers.has(id)) schedule(id, 0)
      for (const [id, t] of timers)
        if (!polled.has(id)) {
          hub.clock.clearTimeout(t)
          timers.delete(id)
        }
    },
    stop() {
      closing.abort()
      for (const t of timers.values()) hub.clock.clearTimeout(t)
      timers.clear()
    },
  }
}
