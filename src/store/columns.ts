/**
 * Column lists of the tables both stores write row by row (the same names in SQLite and
 * Postgres; each store pairs them with its own types and placeholders).
 * @module
 */
export const EVENT_COLS = ['id', 'pipeline_id', 'trigger', 'delivery_id', 'payload', 'meta', 'received_at'] as const
export const RUN_COLS = [
  'id',
  'pipeline_id',
  'pipeline_version',
  'event_id',
  'status',
  'current_step',
  'attempt',
  'due_at',
  'wait_reason',
  'lease_owner',
  'lease_expires_at',
  'concurrency_key',
  'replay_of',
  'replay_from',
  'error',
  'created_at',
  'updated_at',
  'finished_at',
] as const
export const STEP_COLS = ['run_id', 'step_path', 'status', 'output', 'attempts', 'started_at', 'finished_at', 'error'] as const
