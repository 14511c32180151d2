/**
 * Consent operations on Postgres: the same statements as SQLite (../sqlite/consent-statements.ts)
 * compiled for Postgres, run on the store's client. `record` runs inside a group-commit
 * transaction; the conditional upsert makes it safe across processes.
 * @module
 */
import type { ConsentFilter, ConsentHistoryEntry, ConsentInput, ConsentRecord } from '../../consent/types.js'
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
} from '../sqlite/consent-statements.js'
import { postgresBuilder } from './querier.js'

const builder = postgresBuilder()
const s = buildConsentStatements(builder)

export type RawQuery = <T = any>(c: { sql: string; parameters: readonly unknown[] }) => Promise<T[]>

const run = <T>(query: RawQuery, q: { sql: string; bind(v: object): unknown[] }, values: object) =>
  query<T>({ sql: q.sql, parameters: q.bind(values) })

export async function recordConsent(
  query: RawQuery,
  input: ConsentInput,
  now: number,
): Promise<{ applied: boolean; record: ConsentRecord }> {
  const row = consentRow(input, now)
  const applied = (await run(query, s.upsert, row)).length > 0
  await run(query, s.history, historyValues(row, applied))
  const current = (await run<ConsentTable>(query, s.get, row))[0]!
  return { applied, record: toConsent(current) }
}

export async function getConsent(query: RawQuery, scope: string, subject: string): Promise<ConsentRecord | null> {
  const row = (await run<ConsentTable>(query, s.get, { scope, subject }))[0]
  return row ? toConsent(row) : null
}

export async function getConsents(query: RawQuery, scope: string, subjects: readonly string[]): Promise<ConsentRecord[]> {
  const out: ConsentRecord[] = []
  const unique = [...new Set(subjects)]
  for (let at = 0; at < unique.length; at += SUBJECTS_PER_QUERY)
    for (const row of await query<ConsentTable>(getManyQuery(builder, scope, unique.slice(at, at + SUBJECTS_PER_QUERY))))
      out.push(toConsent(row))
  return out
}

export async function listConsent(query: RawQuery, filter: ConsentFilter): Promise<ConsentRecord[]> {
  return (await query<ConsentTable>(listQuery(builder, filter))).map(toConsent)
}

export async function consentHistory(query: RawQuery, scope: string, subject: string): Promise<ConsentHistoryEntry[]> {
  return (await run<ConsentHistoryTable>(query, s.historyOf, { scope, subject })).map(toHistory)
}
