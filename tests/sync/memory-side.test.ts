import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../../src/connectors/gateway/index.js'
import { systemClock } from '../../src/engine/clock.js'
import { createManualClock, type ManualClock } from '../../src/resilience/manual-clock.js'
import type { Store } from '../../src/store/contract.js'
import { createSqliteStore } from '../../src/store/sqlite/index.js'
import type { SideContext, SyncSide } from '../../src/sync/side.js'
import { parseSideRef } from '../../src/sync/side.js'
import { MemoryTable, memoryConnector, memorySide } from '../../src/sync/sides/memory.js'

let dir: string
let store: Store
let clock: ManualClock
let gateway: Gateway
let table: MemoryTable
let side: SyncSide
let n = 0

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-memside-'))
  store = createSqliteStore({ path: join(dir, 'pw.db'), synchronous: 'normal' })
  clock = createManualClock(Date.UTC(2026, 0, 1))
  table = new MemoryTable('people', clock)
  gateway = createGateway({
    connectors: [memoryConnector({ people: table })],
    connections: { memory: { default: {} } },
    store,
    clock: systemClock,
  })
  // (the gateway's micro-batcher waits on real time; the table stamps records from the manual clock)
  const ctx: SideContext = {
    clock,
    invoke: (ref, input, o) => {
      const runId = `r${++n}`
      return gateway.execute({
        ref,
        input,
        ...(o?.connection ? { connection: o.connection } : {}),
        runId,
        pipelineId: 'test',
        stepId: 'read',
        attempt: 1,
        idempotencyKey: runId,
        signal: o?.signal ?? new AbortController().signal,
      })
    },
  }
  side = memorySide.create({ kind: 'memory', connection: 'default', object: 'people', options: { matchKeys: ['email'] } }, ctx)
})
afterEach(async () => {
  await gateway.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

async function execute(w: { ref: string; input: Record<string, unknown> }) {
  const runId = `w${++n}`
  return gateway.execute({
    ref: w.ref,
    input: w.input,
    runId,
    pipelineId: 'test',
    stepId: 'write',
    attempt: 1,
    idempotencyKey: runId,
    signal: new AbortController().signal,
  })
}

describe('memory side', () => {
  it('reads changes after a cursor in (modifiedAt, id) order, page by page, with tombstones', async () => {
    const ids = ['a', 'b', 'c'].map((x) => table.put({ email: `${x}@acme.com` }))
    const first = await side.source.readChanges(null, { limit: 2 })
    expect(first.records.map((r) => r.id)).toEqual(ids.slice(0, 2))
    expect(first.more).toBe(true)
    const second = await side.source.readChanges(first.cursor, { limit: 2 })
    expect(second.records.map((r) => r.id)).toEqual([ids[2]])
    expect(second.more).toBe(false)
    table.remove(ids[0]!)
    table.patch(ids[1]!, { name: 'Bea' })
    const third = await side.source.readChanges(second.cursor)
    expect(third.records.map((r) => [r.id, r.deleted ?? false])).toEqual([
      [ids[0], true],
      [ids[1], false],
    ])
    expect(await side.source.get([ids[0]!, ids[1]!])).toMatchObject([{ id: ids[1], fields: { email: 'b@acme.com', name: 'Bea' } }])
  })

  it('writes are connector actions; a create with upsertOn twice leaves one record', async () => {
    const w = side.create({ email: 'ann@acme.com', name: 'Ann' }, { upsertOn: 'email' })
    expect(w).toEqual({
      ref: 'memory.create',
      input: { table: 'people', fields: { email: 'ann@acme.com', name: 'Ann' }, upsertOn: 'email' },
    })
    const one = side.createdId(await execute(w))
    const two = side.createdId(await execute(w))
    expect(two).toBe(one)
    expect(table.live()).toHaveLength(1)
    await execute(side.update(one, { name: 'Ann B' }))
    expect(table.read(one)).toEqual({ email: 'ann@acme.com', name: 'Ann B' })
    await execute(side.archive!(one))
    expect(table.live()).toHaveLength(0)
    expect(table.writes.map((x) => x.op)).toEqual(['create', 'update', 'update', 'archive'])
  })

  it('parses side references', () => {
    expect(parseSideRef('hubspot:main/contacts')).toEqual({ kind: 'hubspot', connection: 'main', object: 'contacts' })
    expect(parseSideRef('postgres:customers')).toEqual({ kind: 'postgres', connection: 'default', object: 'customers' })
    expect(parseSideRef('folder:docs/./knowledge')).toEqual({ kind: 'folder', connection: 'docs', object: './knowledge' })
    expect(parseSideRef('nope')).toBeNull()
  })
})
