/**
 * The consent operations (migration 0008) as dialect-neutral kysely queries, shared by the
 * SQLite and Postgres stores like statements.ts: fixed statements are compiled once with
 * named parameters; listings with variable filters are compiled per call.
 *
 * `record` is one conditional upsert — it writes only when the change is later than the
 * recorded one, or as late and more restrictive (see `consentSupersedes`) — so two writers
 * racing on one contact can never let the older or weaker state win.
 * @module
 */

import {
  CONSENT_PRECEDENCE,
  type ConsentFilter,
  type ConsentHistoryEntry,
  type ConsentInput,
  type ConsentRecord,
  type ConsentState,
  consentSubject,
  DEFAULT_CONSENT_SCOPE,
  isConsentState,
} from '../../consent/types.js'
import { NonRetryableError } from '../../errors.js'
import { type Kysely, sql } from '../kysely.js'
import { type NamedQuery, named, param } from './named-query.js'
import { fromJson, toJson } from './rows.js'
import type { Schema } from './schema.js'

export type ConsentTable = {
  scope: string
  subject: string
  state: string
  rank: number
  source: string
  at: number
  recorded_at: number
  evidence: string | null
}

export type ConsentHistoryTable = Omit<ConsentTable, 'rank'> & {
  seq?: number
  applied: number | boolean
}

export type ConsentSchema = {
  consent: ConsentTable
  consent_history: ConsentHistoryTable
}

type Db = Kysely<Schema & ConsentSchema>

const COLS = ['scope', 'subject', 'state', 'rank', 'source', 'at', 'recorded_at', 'evidence'] as const

export function buildConsentStatements(base: Kysely<Schema>) {
  const db = base.withTables<ConsentSchema>() as Db
  const values = Object.fromEntries(COLS.map((c) => [c, param(c)])) as Record<(typeof COLS)[number], any>
  return {
    /** Returns a row only when the change was applied. */
    upsert: named(
      db
        .insertInto('consent')
        .values(values)
        .onConflict((oc) =>
          oc
            .columns(['scope', 'subject'])
            .doUpdateSet((eb) => ({
              state: eb.ref('excluded.state'),
              rank: eb.ref('excluded.rank'),
              source: eb.ref('excluded.source'),
              at: eb.ref('excluded.at'),
              recorded_at: eb.ref('excluded.recorded_at'),
              evidence: eb.ref('excluded.evidence'),
            }))
            .where(sql<boolean>`excluded.at > consent.at OR (excluded.at = consent.at AND excluded.rank > consent.rank)`),
        )
        .returning('subject'),
    ),
    history: named(
      db
        .insertInto('consent_history')
        .values({
          scope: param('scope'),
          subject: param('subject'),
          state: param('state'),
          source: param('source'),
          at: param('at'),
          recorded_at: param('recorded_at'),
          evidence: param('evidence'),
          applied: param('applied'),
        })
        .returning('seq'),
    ),
    get: named(db.selectFrom('consent').selectAll().where('scope', '=', param('scope')).where('subject', '=', param('subject'))),
    historyOf: named(
      db
        .selectFrom('consent_history')
        .selectAll()
        .where('scope', '=', param('scope'))
        .where('subject', '=', param('subject'))
        .orderBy('seq', 'asc'),
    ),
  } satisfies Record<string, NamedQuery>
}

export type ConsentStatements = ReturnType<typeof buildConsentStatements>

/** Most subjects per `IN (…)` list (well under SQLite's parameter limit). */
export const SUBJECTS_PER_QUERY = 500

export function getManyQuery(base: Kysely<Schema>, scope: string, subjects: readonly string[]) {
  const db = base.withTables<ConsentSchema>() as Db
  return db.selectFrom('consent').selectAll().where('scope', '=', scope).where('subject', 'in', subjects).compile()
}

export function listQuery(base: Kysely<Schema>, filter: ConsentFilter) {
  const db = base.withTables<ConsentSchema>() as Db
  let q = db.selectFrom('consent').selectAll()
  if (filter.scope !== undefined) q = q.where('scope', '=', filter.scope)
  if (filter.state !== undefined) {
    const states = Array.isArray(filter.state) ? filter.state : [filter.state]
    q = q.where('state', 'in', states.length ? states : ['\u0000'])
  }
  if (filter.since !== undefined) q = q.where('at', '>=', filter.since)
  if (filter.after !== undefined) q = q.where('subject', '>', filter.after)
  return q
    .orderBy('subject', 'asc')
    .orderBy('scope', 'asc')
    .limit(Math.max(0, Math.min(filter.limit ?? 100, 10_000)))
    .compile()
}

/** Validate and normalise a change before it is written; bad input names the field. */
export function consentRow(input: ConsentInput, now: number): ConsentTable {
  const bad = (field: string, why: string) => new NonRetryableError(`recordConsent: ${field} ${why}`, { details: { field } })
  if (typeof input?.email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(input.email.trim())) throw bad('email', 'must be an e-mail address')
  if (!isConsentState(input.state))
    throw bad('state', `must be one of subscribed, pending, transactional-only, unsubscribed, cleaned (got ${JSON.stringify(input.state)})`)
  if (typeof input.source !== 'string' || input.source.trim() === '') throw bad('source', 'must name where the consent came from')
  if (typeof input.at !== 'number' || !Number.isFinite(input.at)) throw bad('at', 'must be epoch milliseconds')
  const scope = input.scope ?? DEFAULT_CONSENT_SCOPE
  if (typeof scope !== 'string' || scope === '') throw bad('scope', 'must be a non-empty string')
  return {
    scope,
    subject: consentSubject(input.email),
    state: input.state,
    rank: CONSENT_PRECEDENCE[input.state],
    source: input.source.trim(),
    at: Math.trunc(input.at),
    recorded_at: now,
    evidence: toJson(input.evidence ?? null),
  }
}

export function toConsent(row: ConsentTable): ConsentRecord {
  return {
    scope: row.scope,
    subject: row.subject,
    state: row.state as ConsentState,
    source: row.source,
    at: Number(row.at),
    recordedAt: Number(row.recorded_at),
    evidence: fromJson(row.evidence),
  }
}

export function toHistory(row: ConsentHistoryTable): ConsentHistoryEntry {
  return { ...toConsent({ ...row, rank: 0 }), applied: Boolean(row.applied) }
}

export function historyValues(row: ConsentTable, applied: boolean): Omit<ConsentHistoryTable, 'seq'> {
  const { rank: _rank, ...rest } = row
  return { ...rest, applied }
}
