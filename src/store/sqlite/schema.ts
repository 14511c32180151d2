/**
 * Row shapes of the SQLite schema, as kysely sees them (JSON columns are TEXT, times ms).
 * @module
 */
import type { Generated } from 'kysely'

export interface EventsTable {
  id: string
  pipeline_id: string
  trigger: string
  delivery_id: string | null
  payload: string | null
  meta: string | null
  received_at: number
}

export interface RunsTable {
  id: string
  pipeline_id: string
  pipeline_version: string
  event_id: string
  status: string
  current_step: string | null
  attempt: number
  due_at: number
  wait_reason: string | null
  lease_owner: string | null
  lease_expires_at: number | null
  concurrency_key: string | null
  replay_of: string | null
  replay_from: string | null
  error: string | null
  created_at: number
  updated_at: number
  finished_at: number | null
}

export interface StepResultsTable {
  seq: Generated<number>
  run_id: string
  step_path: string
  status: string
  output: string | null
  attempts: number
  started_at: number
  finished_at: number
  error: string | null
}

export interface DeadLettersTable {
  run_id: string
  pipeline_id: string
  pipeline_version: string
  event_id: string
  reason: string
  step_id: string | null
  attempts: number
  error: string | null
  last_input: string | null
  created_at: number
  replayed_by: string | null
  discarded_at: number | null
}

export interface DedupeKeysTable {
  scope: string
  key: string
  run_id: string
  expires_at: number
}

export interface KeyedValuesTable {
  namespace: string
  key: string
  value: string | null
  updated_at: number
  expires_at: number | null
}

export interface UsageCountersTable {
  connection: string
  period: string
  used: number
  updated_at: number
}

export interface Schema {
  events: EventsTable
  runs: RunsTable
  step_results: StepResultsTable
  dead_letters: DeadLettersTable
  dedupe_keys: DedupeKeysTable
  keyed_values: KeyedValuesTable
  usage_counters: UsageCountersTable
}
