/**
 * The sync **side** contract (DESIGN §12): one object of one connection as a sync sees it —
 * `hubspot:main/contacts`, `postgres:crm/customers`, `mailchimp:main/<list>`, `folder:./knowledge`.
 *
 * A side is three things, and nothing else:
 * 1. **Reads**: a {@link RecordSource} (src/sources/contract.ts): `readChanges(cursor)`, `scan()`,
 *    `get(ids)` over `SourceRecord { id, modifiedAt, fields, deleted? }`.
 * 2. **Writes** as data: `create | update | delete | archive` (and optional relations) each return a
 *    {@link SideWrite} — a connector action reference and its JSON input. The sync engine never
 *    calls a provider itself: it puts the write in a run of the sync's write pipeline, and the run
 *    executes it through the connector gateway (rate limits, batching, budgets, effect ledger,
 *    retries, dead letters, replay). So a side is pure translation, like a connector's actions.
 * 3. **Shape**: its field names (for validation) and its match keys (fields whose value names one
 *    record, usable for an idempotent create — an upsert — so a retried create never duplicates).
 *
 * Adding a side kind: one file exporting a {@link SideKind} (options schema + `create`), registered
 * in the side registry (src/sync/sides/index.ts). Keep it 100–200 lines; see `sides/memory.ts`.
 *
 * Rules every side keeps:
 * - A write's `input` is plain JSON (it is stored in the run's event and shown in run history).
 * - `create` with `upsertOn` must be idempotent on that field: running it twice leaves one record.
 * - `createdId(output)` returns the provider id of the record a create wrote (also for an upsert
 *   that found an existing record).
 * - Field values are read and written under the side's own field names. `normalize` says how a
 *   value comes back when read (HubSpot returns every property as a string), so the engine can tell
 *   its own write coming back (an echo) from a real change.
 *
 * @example
 * ```ts
 * const side: SyncSide = {
 *   ref: 'hubspot:main/contacts',
 *   source,                                   // a RecordSource
 *   fields: ['email', 'firstname', 'lifecyclestage'],
 *   matchKeys: ['email'],
 *   create: (fields, { upsertOn }) => ({ ref: 'hubspot.contacts.upsert', connection: 'main', input: { matchOn: upsertOn ?? 'email', properties: fields } }),
 *   update: (id, fields) => ({ ref: 'hubspot.contacts.update', connection: 'main', input: { id, properties: fields } }),
 *   archive: (id) => ({ ref: 'hubspot.contacts.archive', connection: 'main', input: { id } }),
 *   createdId: (out) => (out as { id: string }).id,
 * }
 * ```
 * @module
 */
import type { ZodType } from 'zod'
import type { RecordSource, SourceContext } from '../sources/contract.js'

/** One write on a side, as data: executed later by a run, through the gateway. */
export interface SideWrite {
  /** Connector action, `<connector>.<action>`, e.g. `hubspot.contacts.update`, `postgres.update`. */
  ref: string
  /** Named connection of the connector; its `default` when absent. */
  connection?: string
  /** The action's input: plain JSON. */
  input: Record<string, unknown>
}

/** How a side keeps a relation to a record of another sync (HubSpot associations, a foreign key). */
export interface SideRelation {
  /** Relate record `id` to `toId` (idempotent). */
  set(id: string, toId: string): SideWrite
  /** Remove the relation of `id` to `toId` (idempotent). */
  unset(id: string, toId: string): SideWrite
}

export interface SyncSide {
  /** `<kind>:<connection>/<object>`, e.g. `hubspot:main/contacts`; names cursors, metrics and messages. */
  readonly ref: string
  /** How the side is read. */
  readonly source: RecordSource
  /** Field names the side has, for validation; `null` when the side cannot know (any name accepted). */
  readonly fields: readonly string[] | null
  /** Fields whose value identifies one record (unique), usable as `upsertOn` for an idempotent create. */
  readonly matchKeys: readonly string[]
  /**
   * A value as this side would return it after storing it (e.g. HubSpot: `12` → `"12"`, `null` → `""`).
   * Used for comparison only. @defaultValue the value as is (the engine compares loosely anyway)
   */
  normalize?(field: string, value: unknown): unknown
  /** Create a record. `upsertOn` names a match key whose value `fields` carries: create it only if absent. */
  create(fields: Record<string, unknown>, options: { upsertOn?: string }): SideWrite
  /** Change some fields of an existing record. */
  update(id: string, fields: Record<string, unknown>): SideWrite
  /** Remove a record for good; absent when the side cannot (then `deletes: propagate` is refused). */
  delete?(id: string): SideWrite
  /** Archive (soft-delete) a record; absent when the side cannot (then `deletes: archive` is refused). */
  archive?(id: string): SideWrite
  /** The provider id of the record a `create` wrote, from the action's output. */
  createdId(output: unknown): string
  /**
   * Whether the provider stored something else than was asked, by the write's output (Mailchimp
   * kept an opt-out instead of subscribing): the record is then marked dirty, so the next pass
   * reads it and the other side learns what it really holds. @defaultValue never
   */
  diverged?(output: unknown): boolean
  /** Relations by name (e.g. `companies` for HubSpot contact → company associations). */
  readonly relations?: Readonly<Record<string, SideRelation>>
}

/** What a side is built with: the gateway-backed `invoke` and clock of a {@link SourceContext}. */
export type SideContext = SourceContext

/** A side as written in a sync definition, parsed: `hubspot:main/contacts` plus its options. */
export interface SideSpec<O = Record<string, unknown>> {
  /** `hubspot`, `postgres`, `airtable`, `notion`, `memory`, … */
  kind: string
  /** Connection name (`main`, `crm`); `default` when the reference has none. */
  connection: string
  /** Object within the connection: `contacts`, a table, a base/table, a data source id, a list id. */
  object: string
  /** Kind-specific options, validated by the kind's schema. */
  options: O
  /**
   * The side's fields the sync uses (match keys, mapped fields, pause field, relation keys), filled
   * in by compile; sides that must name what they fetch (HubSpot properties) read at least these.
   */
  fields?: readonly string[]
}

/** One kind of side: how to validate its options and build it. Registered in sides/index.ts. */
export interface SideKind<O = Record<string, unknown>> {
  kind: string
  /** Options schema (zod); failures become validation problems naming `sides.<a|b>.<field>`. */
  options: ZodType<O>
  /**
   * Field names known without asking the provider (for validation at load time), or null.
   * @defaultValue null
   */
  knownFields?(spec: SideSpec<O>): readonly string[] | null
  /**
   * Poll interval for a sync with this side that names none (the larger of both sides' wins).
   * @defaultValue 5 minutes
   */
  defaultEveryMs?: number
  /** Whether this kind can delete / archive records (checked against `deletes`). */
  supports?: { delete?: boolean; archive?: boolean }
  create(spec: SideSpec<O>, ctx: SideContext): SyncSide
}

/** Parse `kind:connection/object` (`connection` optional: `hubspot:contacts` → default connection). */
export function parseSideRef(ref: string): { kind: string; connection: string; object: string } | null {
  const m = /^([a-z][a-z0-9-]*):(?:([A-Za-z0-9_.-]+)\/)?(.+)$/.exec(ref)
  if (!m) return null
  return { kind: m[1]!, connection: m[2] ?? 'default', object: m[3]! }
}
