import Database from 'better-sqlite3'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { named, param } from './named-query.js'
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
})
