import { setImmediate as nextTurn } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { FLUSH_AT, GroupCommit, MAX_DEFERRED_TURNS, type TxControl } from './group-commit.js'

/**
 * A group commit over a transaction log standing in for the connection: the log records which
 * writes each COMMIT carried, and each batch's fsync finishes only when the test says so (a real
 * fsync's timing cannot be controlled; the store tests exercise the real one).
 */
function recordingTx() {
  const commits: number[][] = []
  let open: number[] | null = null
  const syncs: Array<() => void> = []
  const tx: TxControl & { write(n: number): number } = {
    begin: () => {
      open = []
    },
    commit: () => {
      commits.push(open!)
      open = null
    },
    rollback: () => {
      open = null
    },
    inTransaction: () => open !== null,
    savepoint: () => {},
    release: () => {},
    rollbackToSavepoint: () => {},
    durable: () => new Promise<void>((resolve) => syncs.push(resolve)),
    write: (n) => {
      open!.push(n)
      return n
    },
  }
  const gc = new GroupCommit(
    () => tx,
    (e) => e,
  )
  return { tx, gc, commits, syncs }
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await nextTurn()
}

describe('GroupCommit', () => {
  it('commits a lone write on the next turn when no sync is in flight, and settles it after its sync', async () => {
    const { tx, gc, commits, syncs } = recordingTx()
    let settled = false
    const p = gc
      .submit(() => tx.write(1))
      .then((v) => {
        settled = true
        return v
      })
    await turns(1)
    expect(commits).toEqual([[1]])
    expect(settled).toBe(false) // committed but not yet on disk
    syncs.shift()!()
    await expect(p).resolves.toBe(1)
  })

  it('while a batch is syncing, writes from the next turns join one later commit', async () => {
    const { tx, gc, commits, syncs } = recordingTx()
    const first = gc.submit(() => tx.write(1))
    await turns(1)
    expect(commits).toEqual([[1]])

    // Batch 1 is still syncing: writes issued over the next turns wait and share a commit.
    const later = [gc.submit(() => tx.write(2))]
    await turns(1)
    later.push(gc.submit(() => tx.write(3)))
    await turns(1)
    later.push(gc.submit(() => tx.write(4)))
    expect(commits).toEqual([[1]])

    syncs.shift()!() // batch 1 reaches the disk: the waiting writes commit on the next turn
    await first
    await turns(2)
    expect(commits).toEqual([[1], [2, 3, 4]])
    syncs.shift()!()
    await expect(Promise.all(later)).resolves.toEqual([2, 3, 4])
  })

  it(`waits at most ${MAX_DEFERRED_TURNS} turns for a slow sync, then commits anyway`, async () => {
    const { tx, gc, commits, syncs } = recordingTx()
    void gc.submit(() => tx.write(1))
    await turns(1)
    void gc.submit(() => tx.write(2)) // batch 1's sync never finishes in this test
    await turns(MAX_DEFERRED_TURNS)
    expect(commits).toEqual([[1]])
    await turns(2)
    expect(commits).toEqual([[1], [2]])
    expect(syncs).toHaveLength(2) // both batches are syncing at once
  })

  it(`does not wait once ${FLUSH_AT} writes are queued`, async () => {
    const { tx, gc, commits } = recordingTx()
    void gc.submit(() => tx.write(0))
    await turns(1)
    for (let i = 1; i <= FLUSH_AT; i++) void gc.submit(() => tx.write(i))
    await turns(1)
    expect(commits).toHaveLength(2)
    expect(commits[1]).toHaveLength(FLUSH_AT)
  })

  it('a read flushes waiting writes at once', async () => {
    const { tx, gc, commits } = recordingTx()
    void gc.submit(() => tx.write(1))
    await turns(1)
    void gc.submit(() => tx.write(2))
    gc.flush() // what SqliteStore does before every read
    expect(commits).toEqual([[1], [2]])
  })

  it('runs neighbouring writes of one group as one call, in queue order, and a failing one alone', async () => {
    const { tx, gc, commits, syncs } = recordingTx()
    const calls: string[] = []
    const group = {
      one: (n: number) => {
        calls.push(`one ${n}`)
        if (n === 13) throw new Error('thirteen')
        return tx.write(n)
      },
      many: (ns: number[]) => {
        calls.push(`many ${ns.join(',')}`)
        if (ns.includes(13)) throw new Error('thirteen')
        return ns.map((n) => tx.write(n))
      },
    }
    const first = [gc.submitTo(group, 1), gc.submitTo(group, 2), gc.submit(() => tx.write(3)), gc.submitTo(group, 4), gc.submitTo(group, 5)]
    await turns(1)
    expect(calls).toEqual(['many 1,2', 'many 4,5'])
    expect(commits).toEqual([[1, 2, 3, 4, 5]])
    syncs.shift()!()
    await expect(Promise.all(first)).resolves.toEqual([1, 2, 3, 4, 5])

    // A group call that throws: the batch runs again one write at a time; only 13 is rejected.
    calls.length = 0
    const second = [gc.submitTo(group, 12), gc.submitTo(group, 13), gc.submitTo(group, 14)]
    await turns(1)
    expect(calls).toEqual(['many 12,13,14', 'one 12', 'one 13', 'one 14'])
    expect(commits[1]).toEqual([12, 14])
    syncs.shift()!()
    const settled = await Promise.allSettled(second)
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
  })
})
