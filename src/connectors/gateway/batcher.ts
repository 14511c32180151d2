/**
 * Micro-batching: concurrent calls of one action with the same batch key are coalesced for
 * up to `windowMs` (or until `maxSize`) and sent as one provider call. Each call gets its own
 * result or its own Error, so a 207-style partial failure fails only the affected calls.
 *
 * A call added with a signal leaves its batch when the signal aborts (shutdown deadline, step
 * timeout) and rejects at once with the signal's reason, as long as its request has not gone
 * out: a batch still collecting forgets it; a batch already handed to `send` (waiting for the
 * rate limiter or a permit) leaves it out when `send` asks {@link Batch.live} just before the
 * request. Calls whose request went out keep their result.
 * @module
 */
import type { Clock } from '../../types.js'

interface Pending<I, O> {
  input: I
  resolve: (o: O) => void
  reject: (e: unknown) => void
  signal: AbortSignal | undefined
  /** Removes the abort listener. */
  detach: () => void
  /** Its request went out: an abort no longer takes it back. */
  sent: boolean
}

/** The calls of one batch, as handed to `send`. */
export interface Batch<I> {
  /** Every call the batch was formed with. */
  readonly inputs: I[]
  /**
   * Leave out the calls whose signal has aborted (they were rejected with its reason) and
   * return the inputs still owed a request, in order. Call it just before the request.
   */
  live(): I[]
  /**
   * A signal that aborts once every call of the batch has aborted (nobody is waiting for the
   * request any more), or when `also` aborts.
   */
  abandoned(also: AbortSignal): AbortSignal
}

interface Group<I, O> {
  items: Pending<I, O>[]
  timer: unknown
}

export interface MicroBatcher<I, O> {
  /** Join (or open) the batch for `key`; `signal` aborting takes the call out of it, unsent. */
  add(key: string, input: I, signal?: AbortSignal): Promise<O>
  /** Send every pending batch now. */
  flushAll(): Promise<void>
}

export function createMicroBatcher<I, O>(options: {
  clock: Clock
  maxSize: number
  windowMs: number
  /** One provider request for the batch's live calls: one result per `batch.live()` input, in order. */
  send: (batch: Batch<I>) => Promise<Array<O | Error>>
}): MicroBatcher<I, O> {
  const groups = new Map<string, Group<I, O>>()
  const inFlight = new Set<Promise<void>>()

  function flush(key: string): Promise<void> {
    const group = groups.get(key)
    if (!group) return Promise.resolve()
    groups.delete(key)
    options.clock.clearTimeout(group.timer)
    const p = deliver(group.items).finally(() => inFlight.delete(p))
    inFlight.add(p)
    return p
  }

  async function deliver(items: Pending<I, O>[]): Promise<void> {
    let sent = items
    const cleanups: Array<() => void> = []
    const batch: Batch<I> = {
      inputs: items.map((i) => i.input),
      live() {
        sent = sent.filter((item) => !item.signal?.aborted)
        for (const item of sent) item.sent = true
        return sent.map((i) => i.input)
      },
      abandoned(also) {
        const all = new AbortController()
        const check = () => {
          if (all.signal.aborted) return
          if (also.aborted) all.abort(also.reason)
          else if (items.every((i) => i.signal?.aborted)) all.abort(items[0]!.signal!.reason)
        }
        check()
        for (const s of [also, ...items.map((i) => i.signal)]) {
          if (!s) continue
          s.addEventListener('abort', check, { once: true })
          cleanups.push(() => s.removeEventListener('abort', check))
        }
        return all.signal
      },
    }
    let results: Array<O | Error>
    try {
      results = await options.send(batch)
    } catch (error) {
      for (const item of sent) item.reject(error)
      return
    } finally {
      for (const item of items) item.detach()
      for (const fn of cleanups) fn()
    }
    sent.forEach((item, i) => {
      if (results.length !== sent.length) item.reject(new Error(`batch returned ${results.length} results for ${sent.length} inputs`))
      else if (results[i] instanceof Error) item.reject(results[i])
      else item.resolve(results[i] as O)
    })
  }

  /** A call whose signal aborted before its request went out: out of its batch, rejected now. */
  function leave(key: string, item: Pending<I, O>): void {
    if (item.sent) return
    item.reject(item.signal!.reason)
    const group = groups.get(key)
    const at = group ? group.items.indexOf(item) : -1
    if (!group || at < 0) return // already handed to send: `live()` leaves it out
    group.items.splice(at, 1)
    if (group.items.length === 0) {
      groups.delete(key)
      options.clock.clearTimeout(group.timer)
    }
  }

  return {
    add(key, input, signal) {
      return new Promise<O>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason)
        let group = groups.get(key)
        if (!group) {
          group = { items: [], timer: undefined }
          groups.set(key, group)
          group.timer = options.clock.setTimeout(() => void flush(key), options.windowMs)
        }
        const item: Pending<I, O> = { input, resolve, reject, signal, detach: () => {}, sent: false }
        if (signal) {
          const onAbort = () => leave(key, item)
          signal.addEventListener('abort', onAbort, { once: true })
          item.detach = () => signal.removeEventListener('abort', onAbort)
        }
        group.items.push(item)
        if (group.items.length >= options.maxSize) void flush(key)
      })
    },
    async flushAll() {
      await Promise.all([...groups.keys()].map(flush))
      await Promise.all([...inFlight])
    },
  }
}
