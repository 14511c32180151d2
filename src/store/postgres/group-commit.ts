/**
 * Group commit for Postgres: writes issued during one event-loop tick run in ONE transaction
 * on one pooled client, and each promise settles after COMMIT. One batch is in flight at a
 * time; writes issued meanwhile form the next batch (classic group commit).
 *
 * Postgres aborts the whole transaction on any error, so per-write isolation works like this:
 * the batch runs optimistically; if a write throws (LeaseLostError, a constraint, a
 * deadlock), the transaction is rolled back and every write of the batch is re-run alone in
 * its own transaction, in the original order. The rejected write rejects alone; the others
 * commit. Writes are pure functions of the database state, so re-running them is safe.
 *
 * `settled()` resolves once every write submitted so far has settled: reads await it
 * (read-your-writes).
 *
 * Merged writes (`submitMerged`): writes of one kind in a batch (leases, final transitions,
 * plain accepts) become ONE multi-row statement, run where the first of them stood in the
 * batch; a batch of nothing else runs that statement alone, without BEGIN/COMMIT. A merger answers per item, so one item's lost lease rejects that item alone without
 * aborting the transaction (its statement wrote nothing for it); a statement that throws rolls
 * the batch back and every write re-runs alone, merged ones as a merge of one.
 *
 * `maxInFlight` (default 1) bounds the batches running at once, each on its own client. With
 * 1, writes commit in the order they were issued, exactly as on SQLite. With more, batches
 * overlap and use more of the server, but two un-awaited writes issued in different ticks
 * may commit in either order (writes of one tick stay in order; row locks keep each write
 * atomic).
 * @module
 */
import type pg from 'pg'

interface Pending {
  run: (client: pg.PoolClient) => Promise<unknown>
  resolve: (value: any) => void
  reject: (error: unknown) => void
  merger?: Merger<any>
  item?: unknown
}

export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown }

/** Writes of one kind run as one statement per batch; an outcome per item, in item order. */
export interface Merger<I> {
  runMany(client: pg.PoolClient, items: I[]): Promise<Outcome[]>
}

export class PgGroupCommit {
  private queue: Pending[] = []
  private scheduled = false
  private inFlight = 0
  private tail: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly connect: () => Promise<pg.PoolClient>,
    private readonly mapError: (error: unknown) => unknown,
    private readonly isFatal: (error: unknown) => boolean,
    private readonly maxInFlight = 1,
  ) {}

  submit<T>(run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const promise = new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve, reject })
    })
    const done = promise.then(
      () => undefined,
      () => undefined,
    )
    this.tail = Promise.all([this.tail, done])
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(() => {
        this.scheduled = false
        this.drain()
      })
    }
    return promise
  }

  /** A write merged with the other writes of `merger` in its batch (see the module comment). */
  submitMerged<I, T>(merger: Merger<I>, item: I): Promise<T> {
    const promise = this.submit(async (client) => {
      const [o] = await merger.runMany(client, [item])
      if (!o!.ok) throw o!.error
      return o!.value as T
    })
    const pending = this.queue[this.queue.length - 1]!
    pending.merger = merger
    pending.item = item
    return promise
  }

  /** Resolves when every write submitted before this call has settled. */
  settled(): Promise<void> {
    return this.tail.then(() => undefined)
  }

  private drain(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      // Swap before awaiting: writes submitted while this batch runs go to the next one.
      const batch = this.queue
      this.queue = []
      this.inFlight += 1
      void this.runBatch(batch).finally(() => {
        this.inFlight -= 1
        this.drain()
      })
    }
  }

  private async runBatch(batch: Pending[]): Promise<void> {
    let client: pg.PoolClient
    try {
      client = await this.connect()
    } catch (error) {
      const mapped = this.mapError(error)
      for (const p of batch) p.reject(mapped)
      return
    }
    let broken: Error | undefined
    try {
      const outcomes = await this.together(client, batch).catch(async (error: unknown) => {
        if (this.isFatal(error)) throw error
        return batch.length === 1 ? [{ ok: false as const, error }] : this.oneByOne(client, batch)
      })
      for (let i = 0; i < batch.length; i++) {
        const o = outcomes[i]
        if (o.ok) batch[i].resolve(o.value)
        else batch[i].reject(this.mapError(o.error))
      }
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error))
      const mapped = this.mapError(error)
      for (const p of batch) p.reject(mapped)
    } finally {
      client.release(broken)
    }
  }

  /** All writes in one transaction; throws (after ROLLBACK) at the first failure. */
  private async together(client: pg.PoolClient, batch: Pending[]): Promise<Outcome[]> {
    // A batch of one kind of merged write is one statement: atomic and committed by itself,
    // so no BEGIN/COMMIT round trips around it.
    const only = batch[0]!.merger
    if (only && batch.every((p) => p.merger === only))
      return only.runMany(
        client,
        batch.map((p) => p.item),
      )
    const outcomes: Outcome[] = new Array(batch.length)
    await client.query('BEGIN')
    try {
      const merged = new Map<Merger<unknown>, number[]>()
      for (let i = 0; i < batch.length; i++) {
        const m = batch[i].merger
        if (m) merged.set(m, [...(merged.get(m) ?? []), i])
      }
      for (let i = 0; i < batch.length; i++) {
        const m = batch.length > 1 ? batch[i].merger : undefined
        if (!m) {
          outcomes[i] = { ok: true, value: await batch[i].run(client) }
          continue
        }
        const at = merged.get(m)
        if (!at) continue // already run with the first of its kind
        merged.delete(m)
        const outs = await m.runMany(
          client,
          at.map((j) => batch[j].item),
        )
        at.forEach((j, k) => {
          outcomes[j] = outs[k]!
        })
      }
      await client.query('COMMIT') // the WAL flush happens here
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw error
    }
    return outcomes
  }

  /** Fallback after a failed batch: each write in its own transaction. */
  private async oneByOne(client: pg.PoolClient, batch: Pending[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = new Array(batch.length)
    for (let i = 0; i < batch.length; i++) {
      try {
        const [value] = await this.together(client, [batch[i]])
        outcomes[i] = value
      } catch (error) {
        if (this.isFatal(error)) throw error
        outcomes[i] = { ok: false, error }
      }
    }
    return outcomes
  }
}
