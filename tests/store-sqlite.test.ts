import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import type { Store } from '../src/store/contract.js'
import { createStore } from '../src/store/index.js'
import { createSqliteStore } from '../src/store/sqlite/index.js'
import { storeSuite } from './conformance/store-suite.js'

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
      expect(db.prepare('SELECT version FROM schema_migrations ORDER BY version').all()).toEqual([{ version: 1 }])
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
