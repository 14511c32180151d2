/**
 * Micro-batching: concurrent calls of one action with the same batch key are coalesced for
 * up to `windowMs` (or until `maxSize`) and sent as one provider call. Each call gets its own
 * result or its own Error, so a 207-style partial failure fails only the affected calls.
 * @module
 */
import type { Clock } from '../../types.js'

interface Pending<I, O> {
  input: I
  resolve: (o: O) => void
  reject: (e: unknown) => void
}

interface Group<I, O> {
  items: Pending<I, O>[]
  timer: unknown
}

export interface MicroBatcher<I, O> {
  add(key: string, input: I): Promise<O>
  /** Send every pending batch now. */
  flushAll(): Promise<void>
}

export function createMicroBatcher<I, O>(options: {
  clock: Clock
  maxSize: number
  windowMs: number
  send: (inputs: I[]) => Promise<Array<O | Error>>
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
    let results: Array<O | Error>
    try {
      results = await options.send(items.map((i) => i.input))
    } catch (error) {
      for (const item of items) item.reject(error)
      return
    }
    items.forEach((item, i) => {
      if (results.length !== items.length) item.reject(new Error(`batch returned ${results.length} results for ${items.length} inputs`))
      else if (results[i] instanceof Error) item.reject(results[i])
      else item.resolve(results[i] as O)
    })
  }

  return {
    add(key, input) {
      return new Promise<O>((resolve, reject) => {
        let group = groups.get(key)
        if (!group) {
          group = { items: [], timer: undefined }
          groups.set(key, group)
          group.timer = options.clock.setTimeout(() => void flush(key), options.windowMs)
        }
        group.items.push({ input, resolve, reject })
        if (group.items.length >= options.maxSize) void flush(key)
      })
    },
    async flushAll() {
      await Promise.all([...groups.keys()].map(flush))
      await Promise.all([...inFlight])
    },
  }
}
