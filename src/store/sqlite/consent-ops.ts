/**
 * Consent operations on a SQLite connection (synchronous; the store queues writes through
 * group commit and flushes before reads, like every other operation).
 * @module
 */
import type { ConsentFilter, ConsentHistoryEntry, ConsentInput, ConsentRecord } from '../../consent/types.js'
import type { Connection } from './connection.js'
import {
  buildConsentStatements,
  type ConsentHistoryTable,
  type ConsentTable,
  consentRow,
  getManyQuery,
  historyValues,
  listQuery,
  SUBJECTS_PER_QUERY,
  toConsent,
  toHistory,
} from './consent-statements.js'
import { sqliteBuilder } from './statements.js'

const builder = sqliteBuilder()
const s = buildConsentStatements(builder)

type Q = Connection['query']
const run = <T>(query: Q, q: { sql: string; bind(v: object): unknown[] }, values: object) =>
  query<T>({ sql: q.sql, parameters: q.bind(values) })

export function recordConsent(query: Q, input: ConsentInput, now: number): { applied: boolean; record: ConsentRecord } {
  const row = consentRow(input, now)
  const applied = run(query, s.upsert, row).length > 0
  run(query, s.history, historyValues(row, applied))
  const current = run<ConsentTable>(query, s.get, row)[0]!
  return { applied, record: toConsent(current) }
}

export function getConsent(query: Q, scope: string, subject: string): ConsentRecord | null {
  const row = run<ConsentTable>(query, s.get, { scope, subject })[0]
  return row ? toConsent(row) : null
}

export function getConsents(query: Q, scope: string, subjects: readonly string[]): ConsentRecord[] {
  const out: ConsentRecord[] = []
  const unique = [...new Set(subjects)]
  for (let at = 0; at < unique.length; at += SUBJECTS_PER_QUERY)
    for (const row of query<ConsentTable>(getManyQuery(builder, scope, unique.slice(at, at + SUBJECTS_PER_QUERY)))) out.push(toConsent(row))
  return out
}

export function listConsent(query: Q, filter: ConsentFilter): ConsentRecord[] {
  return query<ConsentTable>(listQuery(builder, filter)).map(toConsent)
}

export function consentHistory(query: Q, scope: string, subject: string): ConsentHistoryEntry[] {
  return run<ConsentHistoryTable>(query, s.historyOf, { scope, subject }).map(toHistory)
}
