import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import type { Store } from '../src/store/contract.js'
import { createStore } from '../src/store/index.js'
import { createPostgresStore } from '../src/store/postgres/index.js'
import { makeAccept, storeSuite } from './conformance/store-suite.js'

const CANDIDATES = ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test']

async function reachable(): Promise<string | null> {
  for (const url of CANDIDATES) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 })
    try {
      await client.connect()
      await client.query('SELECT 1')
      return url
    } catch {
      // try the next user
    } finally {
      await client.end().catch(() => undefined)
    }
  }
  return null
}

const url = await reachable()
if (!url) console.warn(`Postgres store tests skipped: no Postgres reachable at ${CANDIDATES.join(' or ')}`)

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url! })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  } finally {
    await client.end()
  }
}

const freshSchema = () => `pw_test_${randomBytes(6).toString('hex')}`

describe.skipIf(!url)('Postgres store', () => {
  storeSuite('postgres', async () => {
    const schema = freshSchema()
    const opened: Store[] = []
    const open = async () => {
      const store = createPostgresStore({ connectionString: url!, schema })
      opened.push(store)
      await store.migrate()
      return store
    }
    const store = await open()
    return {
      store,
      reopen: open,
      cleanup: async () => {
        for (const s of opened) await s.close()
        await dropSchema(schema)
      },
    }
  })

  describe('Postgres store specifics', () => {
    it('keeps each schema isolated: tables live in the given schema only', async () => {
      const a = freshSchema()
      const b = freshSchema()
      const storeA = createPostgresStore({ connectionString: url!, schema: a })
      const storeB = createPostgresStore({ connectionString: url!, schema: b })
      try {
        await storeA.setKey('ns', 'k', 'in-a', 0)
        await storeB.migrate()
        expect(await storeB.getKey('ns', 'k', 0)).toBeNull()
        expect((await storeA.getKey('ns', 'k', 0))?.value).toBe('in-a')
        const client = new pg.Client({ connectionString: url! })
        await client.connect()
        const { rows } = await client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, [a])
        await client.end()
        expect(rows.map((r) => r.table_name)).toContain('runs')
        expect(rows.map((r) => r.table_name)).toContain('schema_migrations')
      } finally {
        await storeA.close()
        await storeB.close()
        await dropSchema(a)
        await dropSchema(b)
      }
    })

    it('two stores (two processes’ worth of pools) on one schema: concurrent leases have exactly one winner', async () => {
      const schema = freshSchema()
      const one = createPostgresStore({ connectionString: url!, schema })
      const two = createPostgresStore({ connectionString: url!, schema })
      try {
        await one.migrate()
        await two.migrate()
        const T = 1_700_000_000_000
        const ids = Array.from({ length: 20 }, (_, i) => `run-${i}`)
        await one.acceptMany(
          ids.map((id) => makeAccept({ event: { id: `evt-${id}`, pipelineId: 'p', receivedAt: T }, run: { id, dueAt: T } })),
        )
        const results = await Promise.all(
          ids.flatMap((runId) => [
            one.leaseRun({ runId, owner: 'one', now: T + 1, leaseMs: 60_000 }),
            two.leaseRun({ runId, owner: 'two', now: T + 1, leaseMs: 60_000 }),
          ]),
        )
        expect(results.filter((r) => r !== null)).toHaveLength(ids.length)
        for (const runId of ids) expect((await one.getRun(runId))?.status).toBe('running')
      } finally {
        await one.close()
        await two.close()
        await dropSchema(schema)
      }
    })

    it('with several batches in flight, deliveries spread over many ticks still start one run per delivery id', async () => {
      const schema = freshSchema()
      const store = createPostgresStore({ connectionString: url!, schema, maxBatchesInFlight: 4 })
      try {
        await store.migrate()
        const T = 1_700_000_000_000
        const pending: Array<Promise<{ accepted: boolean; runId?: string; duplicateOf?: string }>> = []
        for (let i = 0; i < 200; i++) {
          const id = `r${i}`
          pending.push(
            store.accept(
              makeAccept({
                event: { id: `e${i}`, pipelineId: 'p', deliveryId: `d${i % 50}`, payload: { i }, receivedAt: T },
                run: { id, dueAt: T },
                dedupe: { scope: 'p', key: `d${i % 50}`, expiresAt: T + 60_000 },
              }),
            ),
          )
          if (i % 7 === 0) await new Promise((r) => setImmediate(r))
        }
        const counts = await store.countRuns() // issued after every accept: must see all of them
        const results = await Promise.all(pending)
        const accepted = new Set(results.filter((r) => r.accepted).map((r) => r.runId))
        expect(accepted.size).toBe(50)
        expect(counts.queued).toBe(50)
        for (const r of results) if (!r.accepted) expect(accepted.has(r.duplicateOf)).toBe(true)
      } finally {
        await store.close()
        await dropSchema(schema)
      }
    })

    it('rejects with StoreUnavailableError (PW_STORE_UNAVAILABLE) when Postgres is unreachable, without the password', async () => {
      const store = createPostgresStore({ connectionString: 'postgres://postgres:hunter2@127.0.0.1:1/test', connectTimeoutMs: 1_000 })
      const settled = await Promise.allSettled([store.ping(), store.setKey('n', 'k', 1, 0), store.getRun('x'), store.migrate()])
      for (const outcome of settled) {
        expect(outcome.status).toBe('rejected')
        const error = (outcome as PromiseRejectedResult).reason as Error & { code?: string }
        expect(error.name).toBe('StoreUnavailableError')
        expect(error.code).toBe('PW_STORE_UNAVAILABLE')
        expect(error.message).toContain('postgres://postgres@127.0.0.1:1/test')
        expect(error.message).not.toContain('hunter2')
      }
      await store.close()
    })

    it('rejects with StoreUnavailableError after close', async () => {
      const schema = freshSchema()
      const store = createPostgresStore({ connectionString: url!, schema })
      await store.ping()
      await store.close()
      const error = (await store.getRun('x').catch((e: unknown) => e)) as { code?: string }
      expect(error.code).toBe('PW_STORE_UNAVAILABLE')
      await dropSchema(schema)
    })

    it('createStore("postgres://…") returns a Postgres store', async () => {
      const store = await createStore(url!)
      expect(store.kind).toBe('postgres')
      await store.close()
    })
  })
})
