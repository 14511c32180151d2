import Database from 'better-sqlite3'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { named, namedRows, param } from './named-query.js'
import { sqliteBuilder } from './statements.js'

describe('named queries', () => {
  const db = sqliteBuilder()

  it('binds values by name in the order of the placeholders, keeping literals written in the builder', () => {
    const q = named(
      db
        .selectFrom('runs')
        .select('id')
        .where('status', '=', 'running')
        .where('lease_owner', '=', param('owner'))
        .where('attempt', '<', param('max')),
    )
    expect(q.bind({ max: 3, owner: 'w1' })).toEqual(['running', 'w1', 3])
    // The same statement with other values, and with the object's keys in another order.
    expect(q.bind({ owner: 'w2', max: 0, extra: 'ignored' })).toEqual(['running', 'w2', 0])
  })

  it('turns what SQLite cannot bind into what it can: booleans to 1/0, undefined to null', () => {
    const q = named(db.selectFrom('runs').select('id').where('attempt', '=', param('a')).where(sql<boolean>`${true}`))
    expect(q.bind({ a: false })).toEqual([0, 1])
    expect(q.bind({})).toEqual([null, 1])
  })

  it('reads names that are not identifiers, and runs on a real connection', () => {
    const q = named({ compile: () => sql`select ${param("it's")} + ${param('a-b')} as total`.compile(db) })
    expect(q.bind({ "it's": 2, 'a-b': 5 })).toEqual([2, 5])
    const conn = new Database(':memory:')
    expect(conn.prepare(q.sql).get(q.bind({ "it's": 2, 'a-b': 5 }))).toEqual({ total: 7 })
    conn.close()
  })

  it('binds a multi-row statement row after row, and refuses rows of different shapes', () => {
    const build = (n: number) =>
      db
        .insertInto('dedupe_keys')
        .values(Array.from({ length: n }, () => ({ scope: 'p', key: param('key'), run_id: param('runId'), expires_at: param('at') })))
    const q = namedRows(build, 3)
    expect(q.rows).toBe(3)
    expect(
      q.bind([
        { key: 'a', runId: 'r1', at: 1 },
        { key: 'b', runId: 'r2', at: 2 },
        { key: 'c', runId: 'r3', at: undefined },
      ]),
    ).toEqual(['p', 'a', 'r1', 1, 'p', 'b', 'r2', 2, 'p', 'c', 'r3', null])
    const conn = new Database(':memory:')
    conn.exec('CREATE TABLE dedupe_keys (scope TEXT, key TEXT, run_id TEXT, expires_at INTEGER)')
    conn.prepare(q.sql).run(
      q.bind([
        { key: 'a', runId: 'r1', at: 1 },
        { key: 'b', runId: 'r2', at: 2 },
        { key: 'c', runId: 'r3', at: 3 },
      ]),
    )
    expect(conn.prepare('SELECT key, run_id FROM dedupe_keys ORDER BY key').all()).toEqual([
      { key: 'a', run_id: 'r1' },
      { key: 'b', run_id: 'r2' },
      { key: 'c', run_id: 'r3' },
    ])
    conn.close()
    const uneven = (n: number) =>
      db
        .insertInto('dedupe_keys')
        .values(Array.from({ length: n }, (_, i) => ({ scope: 'p', key: param(`key${i}`), run_id: 'r', expires_at: 1 })))
    expect(() => namedRows(uneven, 2)).toThrow(/rows .* differ/)
  })
})
