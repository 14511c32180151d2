/**
 * Group commit for SQLite: every write issued during one event-loop tick is queued and run
 * in ONE transaction (one fsync), flushed by `setImmediate`. Each write runs inside its own
 * savepoint, so a write that fails (LeaseLostError, a constraint) is rolled back and rejected
 * alone while the others commit. Promises settle only after COMMIT returned, i.e. after the
 * sync. Reads call `flush()` first, synchronously, so they observe every earlier write.
 *
 * While an earlier batch's fsync is still in flight, the flush waits a few more event-loop
 * turns (at most {@link MAX_DEFERRED_TURNS}) so that the writes arriving meanwhile join the
 * same transaction. Each commit costs about the same whatever its size (SQLite rewrites the
 * right-most pages of every B-tree it touched), so larger batches cost less per write; the
 * wait is bounded, and a write with no sync in flight before it commits on the next turn.
 *
 * Writes of one kind (accepts with no delivery id to claim) can be submitted to a
 * {@link WriteGroup}: neighbours in the queue then run as one call, a multi-row INSERT per table
 * in place of two INSERTs per write (about 2 µs less CPU per accepted event here).
 *
 * better-sqlite3 is synchronous, so a flush never interleaves with anything else in this
 * process; other processes are serialised by `BEGIN IMMEDIATE` and `busy_timeout`.
 * @module
 */

/** Transaction control on the open connection. */
export interface TxControl {
  begin(): void
  commit(): void
  rollback(): void
  inTransaction(): boolean
  savepoint(): void
  release(): void
  rollbackToSavepoint(): void
  /**
   * Resolves once everything committed so far is on stable storage. When present, COMMIT
   * itself does not sync (synchronous=NORMAL) and the batch's promises settle only after
   * this resolves: the fsync runs on libuv's thread pool instead of blocking the event loop.
   */
  durable?: () => Promise<void>
}

/**
 * Writes of one kind that can also run together: `many(items)` does what `one(item)` does for
 * each item, in order, and returns their values in the same order (a multi-row INSERT in place
 * of one INSERT per write).
 */
export interface WriteGroup<I, T> {
  one(item: I): T
  many(items: I[]): T[]
}

interface Pending {
  /** A write on its own; absent for a write submitted to a group. */
  run?: () => unknown
  group?: WriteGroup<unknown, unknown>
  item?: unknown
  resolve: (value: any) => void
  reject: (error: unknown) => void
}

function runOne(p: Pending): unknown {
  return p.group ? p.group.one(p.item) : p.run!()
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown }

/** Event-loop turns a flush waits for an earlier batch's fsync before committing anyway. */
export const MAX_DEFERRED_TURNS = 4
/** A queue this long commits at the next turn, sync in flight or not. */
export const FLUSH_AT = 256

export class GroupCommit {
  private queue: Pending[] = []
  private scheduled = false

  /**
   * @param connect opens (or returns) the connection; may throw StoreUnavailableError.
   * @param mapError turns a driver error into the store's error (StoreUnavailableError…).
   * @param verify runs after a batch is committed (and synced), before its writers are told; when
   *   it throws, every writer of the batch is rejected with that error (the files it was written to
   *   vanished or were replaced: nobody would read those writes again).
   */
  constructor(
    private readonly connect: () => TxControl,
    private readonly mapError: (error: unknown) => unknown,
    private readonly verify: () => void = () => {},
  ) {}

  /** Queue a write for the current tick's transaction. `run` executes synchronously inside it. */
  submit<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve, reject })
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(this.onTurn, 0)
      }
    })
  }

  /**
   * Queue a write that belongs to `group`: when it is queued right after others of the same
   * group, the optimistic pass runs them all with one `group.many` call. Order is kept: only
   * neighbours in the queue are taken together.
   */
  submitTo<I, T>(group: WriteGroup<I, T>, item: I): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ group: group as WriteGroup<unknown, unknown>, item, resolve, reject })
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(this.onTurn, 0)
      }
    })
  }

  /** Commit now, or one turn later while an earlier batch is still syncing (see the module doc). */
  private readonly onTurn = (turns: number): void => {
    if (this.syncing.size > 0 && turns < MAX_DEFERRED_TURNS && this.queue.length < FLUSH_AT) {
      setImmediate(this.onTurn, turns + 1)
      return
    }
    this.scheduled = false
    this.flush()
  }

  private readonly syncing = new Set<Promise<void>>()

  /** Resolves once every committed batch has been synced and its writers told. */
  async drain(): Promise<void> {
    while (this.syncing.size > 0) await Promise.all([...this.syncing])
  }

  get pending(): number {
    return this.queue.length
  }

  /** Batches committed whose sync has not finished yet. */
  get syncingCount(): number {
    return this.syncing.size
  }

  /** Tell each writer its outcome — after the commit is on disk when the connection syncs asynchronously. */
  private settle(tx: TxControl, batch: Pending[], outcomes: Outcome[]): void {
    const settle = () => {
      try {
        this.verify()
      } catch (error) {
        const mapped = this.mapError(error)
        for (const p of batch) p.reject(mapped)
        return
      }
      for (let i = 0; i < batch.length; i++) {
        const o = outcomes[i]!
        if (o.ok) batch[i]!.resolve(o.value)
        else batch[i]!.reject(o.error)
      }
    }
    if (!tx.durable) {
      settle()
      return
    }
    const syncing = tx.durable().then(settle, (error) => {
      const mapped = this.mapError(error)
      for (const p of batch) p.reject(mapped)
    })
    this.syncing.add(syncing)
    void syncing.finally(() => this.syncing.delete(syncing))
  }

  /** Commit everything queued so far, synchronously. Safe to call with an empty queue. */
  flush(): void {
    if (this.queue.length === 0) return
    // Swap before running: writes submitted while settling go to the next batch.
    const batch = this.queue
    this.queue = []
    const outcomes: Outcome[] = new Array(batch.length)
    let tx: TxControl | undefined
    try {
      tx = this.connect()
      tx.begin()
      // Optimistic pass: writes almost never fail, so run them without per-write savepoints
      // (two statements fewer per write). If one fails, undo the whole batch and run it again
      // below, each write in its own savepoint, so only the failing write is rejected.
      // Neighbouring writes of one group run as one `many` call.
      let clean = true
      try {
        for (let i = 0; i < batch.length; ) {
          const group = batch[i]!.group
          let end = i + 1
          if (group) while (end < batch.length && batch[end]!.group === group) end++
          if (end - i > 1) {
            const items = new Array(end - i)
            for (let k = i; k < end; k++) items[k - i] = batch[k]!.item
            const values = group!.many(items)
            for (let k = i; k < end; k++) outcomes[k] = { ok: true, value: values[k - i] }
          } else {
            outcomes[i] = { ok: true, value: runOne(batch[i]!) }
          }
          i = end
        }
      } catch {
        clean = false
      }
      if (clean) {
        tx.commit() // may throw (disk full, I/O error): the outer catch rejects the batch
        this.settle(tx, batch, outcomes)
        return
      }
      if (tx.inTransaction()) tx.rollback()
      tx.begin()
      for (let i = 0; i < batch.length; i++) {
        tx.savepoint()
        try {
          outcomes[i] = { ok: true, value: runOne(batch[i]!) }
          tx.release()
        } catch (error) {
          // May throw when SQLite already rolled the whole transaction back (disk full, I/O):
          // then the outer catch rejects the batch.
          tx.rollbackToSavepoint()
          tx.release()
          outcomes[i] = { ok: false, error: this.mapError(error) }
        }
      }
      tx.commit() // the fsync happens here; may throw (disk full, I/O error)
    } catch (error) {
      try {
        if (tx?.inTransaction()) tx.rollback()
      } catch {
        // the connection is unusable; the mapped error below says why
      }
      const mapped = this.mapError(error)
      for (const p of batch) p.reject(mapped)
      return
    }
    this.settle(tx, batch, outcomes)
  }
}
