/**
 * `accept` on Postgres as ONE statement (data-modifying CTEs) instead of three round trips:
 * claim the dedupe key, then insert the event and the run only if the claim succeeded.
 * Written as SQL rather than kysely because of the CTE shape; placeholders are `:name`,
 * bound by name like the kysely-compiled statements. Casts give every parameter its type.
 * @module
 */
import type { NamedQuery } from '../sqlite/named-query.js'

/** `:name` → `$n` (`::type` casts are left alone). */
export function namedSql(text: string): NamedQuery {
  const names: string[] = []
  const sql = text.replace(/(?<!:):([a-z_]+)/g, (_, name: string) => {
    let i = names.indexOf(name)
    if (i < 0) i = names.push(name) - 1
    return `$${i + 1}`
  })
  return { sql, bind: (values) => names.map((n) => (values as Record<string, unknown>)[n] ?? null) }
}

const EVENT_SELECT = `SELECT :e_id::text, :e_pipeline_id::text, :e_trigger::text, :e_delivery_id::text, :e_payload::jsonb, :e_meta::jsonb,
    :e_received_at::bigint`
const RUN_SELECT = `SELECT :r_id::text, :r_pipeline_id::text, :r_pipeline_version::text, :r_event_id::text, :r_status::text,
    :r_current_step::text, :r_attempt::int, :r_due_at::bigint, :r_wait_reason::text, :r_lease_owner::text, :r_lease_expires_at::bigint,
    :r_concurrency_key::text, :r_replay_of::text, :r_replay_from::text, :r_error::jsonb, :r_created_at::bigint, :r_updated_at::bigint,
    :r_finished_at::bigint`
const EVENT_INSERT = 'INSERT INTO events (id, pipeline_id, trigger, delivery_id, payload, meta, received_at)'
const RUN_INSERT = `INSERT INTO runs (id, pipeline_id, pipeline_version, event_id, status, current_step, attempt, due_at, wait_reason,
    lease_owner, lease_expires_at, concurrency_key, replay_of, replay_from, error, created_at, updated_at, finished_at)`

export const acceptPlain = namedSql(`WITH ev AS (${EVENT_INSERT} ${EVENT_SELECT} RETURNING id)
  ${RUN_INSERT} ${RUN_SELECT} FROM ev`)

/**
 * Returns `claimed` (this run id) when the key was free or expired, else `existing` (the live
 * key's run id, as of the statement's snapshot; null if a concurrent transaction just
 * committed it — the caller then re-reads).
 */
export const acceptDeduped = namedSql(`WITH claim AS (
    INSERT INTO dedupe_keys AS d (scope, key, run_id, expires_at) VALUES (:scope::text, :key::text, :r_id::text, :expires_at::bigint)
    ON CONFLICT (scope, key) DO UPDATE SET run_id = excluded.run_id, expires_at = excluded.expires_at WHERE d.expires_at <= :now::bigint
    RETURNING run_id
  ), ev AS (
    ${EVENT_INSERT} ${EVENT_SELECT} FROM claim RETURNING id
  ), rn AS (
    ${RUN_INSERT} ${RUN_SELECT} FROM ev
  )
  SELECT (SELECT run_id FROM claim) AS claimed,
    (SELECT run_id FROM dedupe_keys WHERE scope = :scope::text AND key = :key::text AND expires_at > :now::bigint) AS existing`)

export function prefixed(prefix: string, row: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [`${prefix}${k}`, v]))
}
