/**
 * SQLite migration 0003: drop `runs_by_creation`.
 *
 * Each index on `runs` costs every accepted webhook an index insert and, per group commit, a
 * few B-tree pages written to the WAL (an index that only grows at its right edge still
 * rewrites its last two or three leaves each time SQLite rebalances them). The all-pipelines
 * listing was the only reader of this index; it is now a merge of per-pipeline walks of
 * `runs_by_pipeline_creation` (see `listRunsAcrossPipelines`), in the same order. On the ingress
 * benchmark this is about 4–10 µs less CPU per acknowledgement.
 * @module
 */
export const name = '0003-no-global-creation-index'

export const statements: readonly string[] = ['DROP INDEX runs_by_creation']
