import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import type { Store } from '../src/store/contract.js'
import { createStore } from '../src/store/index.js'
import { createSqliteStore } from '../src/store/sqlite/index.js'
import { listRunsAcrossPipelines, listRunsQuery, PIPELINE_IDS_SQL } from '../src/store/sqlite/listings.js'
import * as initial from '../src/store/sqlite/migrations/0001-initial.js'
import { migrations } from '../src/store/sqlite/migrations/index.js'
import { buildStatements, sqliteBuilder } from '../src/store/sqlite/statements.js'
import { makeAccept, newestFirst, storeSuite } from './conformance/store-suite.js'

storeSuite('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pw-store-'))
  const path = join(dir, 'nested', 'pipewright.db')
  const opened: Store[] = []
  const open = async () => {
    const store = createSqliteStore({ path })
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
      await rm(dir, { recursive: true, force: true })
    },
  }
})

/** The lines of SQLite's query plan for `sql`. */
const planOf = (db: Database.Database, sql: string, parameters: readonly unknown[] = []) =>
  db
    .prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .all(...parameters)
    .map((r) => (r as { detail: string }).detail)

describe('SQLite store specifics', () => {
  it('creates parent directories and a WAL-mode database file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pw-store-'))
    try {
      const path = join(dir, 'a', 'b', 'c.db')
      const store = createSqliteStore({ path })
      await store.ping()
      await store.close()
      const db = new Database(path, { readonly: true })
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
      expect(db.prepare('SELECT version FROM schema_migrations ORDER BY version').all()).toEqual(
        [...migrations].sort((a, b) => a.version - b.version).map((m) => ({ version: m.version })),
      )
      db.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('lists all pipelines as one merge of per-pipeline index walks, also past the compound-SELECT limit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pw-store-'))
    try {
      const path = join(dir, 'many.db')
      const store = createSqliteStore({ path })
      // 520 pipelines: more arms than one SQLite compound SELECT may have (500).
      const inputs = Array.from({ length: 1040 }, (_, i) =>
        makeAccept({ event: { pipelineId: `p${String(i % 520).padStart(3, '0')}`, receivedAt: 1_000 + ((i * 37) % 101) } }),
      )
      await store.acceptMany(inputs)
      const expected = newestFirst(inputs.map((x) => x.run)).map((r) => r.id)
      expect((await store.listRuns({ limit: 25 })).map((r) => r.id)).toEqual(expected.slice(0, 25))
      const next = await store.listRuns({ limit: 25, before: expected[24] })
      expect(next.map((r) => r.id)).toEqual(expected.slice(25, 50))
      await store.close()

      const db = new Database(path, { readonly: true })
      const plans: string[] = []
      const query = <T>(q: { sql: string; parameters: readonly unknown[] }): T[] => {
        if (q.sql.includes('union all')) {
          plans.push(planOf(db, q.sql, q.parameters).join('\n'))
        }
        return db.prepare(q.sql).all(...q.parameters) as T[]
      }
      expect(listRunsAcrossPipelines(sqliteBuilder(), { limit: 3, status: 'queued' }, query).map((r) => r.id)).toEqual(expected.slice(0, 3))
      expect(plans).toHaveLength(3) // 200 + 200 + 120 pipelines
      for (const plan of plans) {
        expect(plan).toContain('MERGE (UNION ALL)')
        expect(plan).toContain('USING INDEX runs_by_pipeline_creation (pipeline_id=?)')
        expect(plan).not.toContain('TEMP B-TREE')
      }
      db.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('upgrades a version-1 database to the lean run indexes, keeping its runs, and finds due and listed runs through them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pw-store-'))
    try {
      const path = join(dir, 'old.db')
      const old = new Database(path)
      old.pragma('journal_mode = WAL')
      old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)')
      for (const statement of initial.statements) old.exec(statement)
      old.prepare('INSERT INTO schema_migrations VALUES (1, ?, 0)').run(initial.name)
      old.close()
      const before = createSqliteStore({ path })
      const due = makeAccept({ run: { dueAt: 1_000 } })
      await before.accept(due)
      await before.close()

      const store = createSqliteStore({ path })
      try {
        expect(await store.listDueRuns(2_000, 10)).toEqual([expect.objectContaining({ id: due.run.id })])
        expect((await store.getRun(due.run.id))?.status).toBe('queued')
      } finally {
        await store.close()
      }
      const db = new Database(path, { readonly: true })
      const names = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'runs' AND sql IS NOT NULL ORDER BY name")
        .all()
        .map((r) => (r as { name: string }).name)
      expect(names).toEqual(['runs_by_pipeline_creation', 'runs_due', 'runs_lease_expiry'])
      const plan = planOf(db, buildStatements(sqliteBuilder()).listDue.sql, [0, 0, 10]).join('\n')
      expect(plan).toContain('USING INDEX runs_due')
      expect(plan).toContain('USING INDEX runs_lease_expiry')
      // Listing all pipelines: distinct pipeline ids by index seeks, then each pipeline's range.
      const idsPlan = planOf(db, PIPELINE_IDS_SQL)
      expect(idsPlan.filter((d) => d.includes('runs'))).toEqual([
        'SEARCH runs USING COVERING INDEX runs_by_pipeline_creation',
        'SEARCH runs USING COVERING INDEX runs_by_pipeline_creation (pipeline_id>?)',
      ])
      const page = listRunsQuery(sqliteBuilder(), { pipelineId: 'p', limit: 10 })
      const pagePlan = planOf(db, page.sql, page.parameters)
      expect(pagePlan).toEqual(['SEARCH runs USING INDEX runs_by_pipeline_creation (pipeline_id=?)'])
      db.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('rejects with StoreUnavailableError (PW_STORE_UNAVAILABLE) when the file cannot be opened', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pw-store-'))
    try {
      const blocker = join(dir, 'not-a-dir')
      await writeFile(blocker, 'x')
      const store = createSqliteStore({ path: join(blocker, 'pipewright.db') })
      const settled = await Promise.allSettled([store.ping(), store.accept({} as never), store.getRun('x')])
      for (const outcome of settled) {
        expect(outcome.status).toBe('rejected')
        const error = (outcome as PromiseRejectedResult).reason as Error & { code?: string }
        expect(error.name).toBe('StoreUnavailableError')
        expect(error.code).toBe('PW_STORE_UNAVAILABLE')
        expect(error.message).toContain(`sqlite:${join(blocker, 'pipewright.db')}`)
      }
      await store.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('rejects with StoreUnavailableError after close', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pw-store-'))
    try {
      const store = createSqliteStore({ path: join(dir, 'x.db') })
      await store.ping()
      await store.close()
      const error = (await store.getRun('x').catch((e: unknown) => e)) as { code?: string }
      expect(error.code).toBe('PW_STORE_UNAVAILABLE')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('accepts issued in one turn share multi-row inserts: every row stored as given, past the per-statement row limit, and a colliding accept rejected alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pw-store-'))
    const store = createSqliteStore({ path: join(dir, 'multi.db') })
    try {
      await store.migrate()
      const T = 1_700_000_000_000
      // 150 accepts in one turn: more than one INSERT's 64 rows, so three statements per table.
      const inputs = Array.from({ length: 150 }, (_, i) =>
        makeAccept({
          event: { id: `e${i}`, pipelineId: 'p', receivedAt: T + i, payload: { n: i, text: `row ${i}` }, meta: { i } },
          run: { id: `r${i}`, dueAt: T + i, concurrencyKey: i % 2 ? `k${i}` : null },
        }),
      )
      inputs[7]!.payloadJson = '{"n": 7, "as": "sent"}'
      const results = await Promise.all(inputs.map((input) => store.accept(input)))
      expect(results).toEqual(inputs.map((input) => ({ accepted: true, eventId: input.event.id, runId: input.run.id })))
      for (const i of [0, 7, 63, 64, 127, 128, 149]) {
        const event = await store.getEvent(`e${i}`)
        expect(event).toEqual(i === 7 ? { ...inputs[i]!.event, payload: { n: 7, as: 'sent' } } : inputs[i]!.event)
        expect(await store.getRun(`r${i}`)).toEqual(inputs[i]!.run)
      }
      expect(await store.listRuns({ limit: 500 })).toHaveLength(150)

      // An accept whose run id is already stored fails; its neighbours in the same turn commit.
      const again = [
        makeAccept({ event: { id: 'e-new-1', pipelineId: 'p', receivedAt: T }, run: { id: 'r-new-1' } }),
        makeAccept({ event: { id: 'e-new-2', pipelineId: 'p', receivedAt: T }, run: { id: 'r3' } }),
        makeAccept({ event: { id: 'e-new-3', pipelineId: 'p', receivedAt: T }, run: { id: 'r-new-3' } }),
      ]
      const settled = await Promise.allSettled(again.map((input) => store.accept(input)))
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
      expect(await store.getEvent('e-new-2')).toBeNull()
      expect(await store.getRun('r-new-1')).not.toBeNull()
      expect(await store.getRun('r-new-3')).not.toBeNull()
      expect((await store.getRun('r3'))?.eventId).toBe('e3')
    } finally {
      await store.close()
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('two stores on one file (as two processes would be): one lease winner, one run per delivery id', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pw-store-'))
    const path = join(dir, 'shared.db')
    const one = createSqliteStore({ path })
    const two = createSqliteStore({ path })
    try {
      const T = 1_700_000_000_000
      const input = (i: number) =>
        makeAccept({
          event: { id: `e${i}`, pipelineId: 'p', deliveryId: 'd', receivedAt: T },
          run: { id: `r${i}`, dueAt: T },
          dedupe: { scope: 'p', key: 'd', expiresAt: T + 1_000 },
        })
      const accepted = await Promise.all([one.accept(input(1)), two.accept(input(2))])
      expect(accepted.filter((r) => r.accepted)).toHaveLength(1)
      const winner = accepted.find((r) => r.accepted) as { runId: string }
      const leases = await Promise.all([
        one.leaseRun({ runId: winner.runId, owner: 'one', now: T, leaseMs: 1_000 }),
        two.leaseRun({ runId: winner.runId, owner: 'two', now: T, leaseMs: 1_000 }),
      ])
      expect(leases.filter((r) => r !== null)).toHaveLength(1)
    } finally {
      await one.close()
      await two.close()
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('every accept acknowledged before a kill -9 is in the database afterwards', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pw-store-'))
    try {
      const dbPath = join(dir, 'crash.db')
      const child = join(dir, 'writer.ts')
      const storeModule = resolve('src/store/sqlite/index.ts')
      await writeFile(
        child,
        `import { createSqliteStore } from ${JSON.stringify(storeModule)}
const store = createSqliteStore({ path: ${JSON.stringify(dbPath)} })
await store.migrate()
let n = 0
const T = 1_700_000_000_000
async function caller() {
  for (;;) {
    const id = String(n++)
    await store.accept({
      event: { id: 'e' + id, pipelineId: 'p', trigger: 'webhook', deliveryId: null, payload: { id }, meta: null, receivedAt: T },
      run: { id: 'r' + id, pipelineId: 'p', pipelineVersion: 'v', eventId: 'e' + id, status: 'queued', currentStep: null, attempt: 0,
        dueAt: T, waitReason: null, leaseOwner: null, leaseExpiresAt: null, concurrencyKey: null, replayOf: null, replayFrom: null,
        error: null, createdAt: T, updatedAt: T, finishedAt: null },
    })
    process.stdout.write('ack r' + id + '\\n')
  }
}
await Promise.all(Array.from({ length: 20 }, caller))
`,
      )
      const proc = spawn(process.execPath, [resolve('node_modules/jiti/lib/jiti-cli.mjs'), child], { stdio: ['ignore', 'pipe', 'pipe'] })
      const acked: string[] = []
      let buffer = ''
      let stderr = ''
      proc.stderr.on('data', (d: Buffer) => {
        stderr += d.toString()
      })
      const exited = new Promise<void>((done) => proc.on('exit', () => done()))
      await new Promise<void>((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`child did not ack 500 accepts in 20 s; stderr: ${stderr}`)), 20_000)
        proc.stdout.on('data', (d: Buffer) => {
          buffer += d.toString()
          const lines = buffer.split('\n')
          buffer = lines.pop() ?? ''
          for (const line of lines) if (line.startsWith('ack ')) acked.push(line.slice(4))
          if (acked.length >= 500) {
            clearTimeout(timer)
            proc.kill('SIGKILL')
            done()
          }
        })
      })
      await exited
      const db = new Database(dbPath, { readonly: true })
      const stored = new Set((db.prepare('SELECT id FROM runs').all() as Array<{ id: string }>).map((r) => r.id))
      db.close()
      const missing = acked.filter((id) => !stored.has(id))
      expect(acked.length).toBeGreaterThanOrEqual(500)
      expect(missing).toEqual([])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('createStore("sqlite:<path>") opens a SQLite store at that path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pw-store-'))
    try {
      const store = await createStore(`sqlite:${join(dir, 'via-url.db')}`)
      expect(store.kind).toBe('sqlite')
      await store.setKey('n', 'k', 1, 0)
      await store.close()
      const db = new Database(join(dir, 'via-url.db'), { readonly: true })
      expect(db.prepare('SELECT value FROM keyed_values').get()).toEqual({ value: '1' })
      db.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('createStore rejects an unknown URL scheme with PW_CONFIG_INVALID', async () => {
    const error = (await createStore('mysql://localhost/x').catch((e: unknown) => e)) as { code?: string; message: string }
    expect(error.code).toBe('PW_CONFIG_INVALID')
    expect(error.message).toContain('PIPEWRIGHT_DATABASE_URL')
  })
})
