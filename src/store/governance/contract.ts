/**
 * The governance sub-stores (docs/governance.md): `store.audit`, the log of operator actions
 * (replay, discard, pause, resume, credential changes) with who did them, and `store.pauses`,
 * which pipelines and syncs an operator paused. Migration 0006 in both dialects.
 * @module
 */

/** What an operator did. */
export type AuditAction =
  | 'pause'
  | 'resume'
  | 'replay'
  | 'discard'
  | 'credential.add'
  | 'credential.rotate'
  | 'credential.remove'
  | 'credential.rotate-key'
  | (string & {})

export interface AuditEntryInput {
  /** Epoch ms. */
  at: number
  /** Who: `token:<name>` over the API, `cli:<user>` from the command line, `dashboard:<token name>`. */
  actor: string
  action: AuditAction
  /** What it acted on: `pipeline:leads`, `run:run_…`, `credential:hubspot-main`. */
  target: string
  /** Extra facts (counts, options, run ids); never secrets. */
  details?: Record<string, unknown> | null
}

export interface AuditEntry extends Required<AuditEntryInput> {
  /** Increasing id (paging key). */
  id: number
}

export interface AuditFilter {
  action?: string
  actor?: string
  /** Entries whose target starts with this (`pipeline:`, `run:run_01…`). */
  target?: string
  /** Entries at or after this epoch ms. */
  since?: number
  /** Entries with an id below this (older pages). */
  before?: number
  /** @defaultValue 100 */
  limit?: number
}

export interface AuditStore {
  append(entry: AuditEntryInput): Promise<AuditEntry>
  /** Newest first. */
  list(filter?: AuditFilter): Promise<AuditEntry[]>
}

/** `pipeline` or `sync`. */
export type PauseKind = 'pipeline' | 'sync'

export interface PauseRow {
  kind: PauseKind
  id: string
  /** Epoch ms. */
  pausedAt: number
  pausedBy: string
  reason: string | null
}

export interface PauseStore {
  /** Pause; true when it was not paused before. */
  pause(row: PauseRow): Promise<boolean>
  /** Resume; true when it was paused. */
  resume(kind: PauseKind, id: string): Promise<boolean>
  list(kind?: PauseKind): Promise<PauseRow[]>
  get(kind: PauseKind, id: string): Promise<PauseRow | null>
}
