/**
 * Sync definitions (what users write in `syncs/*.ts` or `syncs/*.yaml`) and the compiled form
 * the engine runs. Vocabulary (DESIGN §12): sync, side, link, shadow, cursor, conflict.
 *
 * @example
 * ```ts
 * export default defineSync({
 *   id: 'crm-contacts',
 *   sides: { a: { side: 'postgres:crm/customers', key: 'id' }, b: 'hubspot:main/contacts' },
 *   match: { a: 'email', b: 'email', normalize: 'email', fallback: { a: 'customer_id', b: 'external_id' } },
 *   fields: [
 *     { a: 'email', b: 'email' },
 *     { a: 'customer_id', b: 'external_id', direction: 'a-to-b', toB: (v) => String(v) },
 *     { a: 'lifecycle_stage', b: 'lifecyclestage', direction: 'b-to-a' },
 *     { a: 'phone', b: 'phone', owner: 'latest' },
 *   ],
 *   deletes: 'archive',
 *   schedule: { every: '5m', repair: '24h' },
 * })
 * ```
 * @module
 */
import type { Problem } from '../errors.js'
import type { WebhookAuth } from '../pipeline/types.js'
import type { SyncSideName } from '../store/sync-contract.js'
import type { Duration } from '../types.js'
import type { SideSpec } from './side.js'

export type { SyncSideName }

export type DeletePolicy = 'ignore' | 'archive' | 'propagate'

/** A side: `'hubspot:main/contacts'`, or the reference with the kind's options. */
export type SideDefinition = string | ({ side: string } & Record<string, unknown>)

/** How match keys are normalised before comparing: a built-in name or your function (null = no key). */
export type KeyNormaliser = 'email' | 'domain' | 'phone' | 'lower' | 'trim' | 'exact' | ((value: unknown) => string | null | undefined)

export interface MatchKeyDefinition {
  /** Field on side a. */
  a: string
  /** Field on side b. */
  b: string
  /** @defaultValue 'exact' for the fallback, 'lower' for the main key ('email' when both fields are named email) */
  normalize?: KeyNormaliser
}

export interface MatchDefinition extends MatchKeyDefinition {
  /** Tried for records the main key did not pair (no value, or no partner with it). */
  fallback?: MatchKeyDefinition
}

/** A value transform: a function of the value and the record's fields, or a `{{ }}` JSONata template over `value` and `fields`. */
export type FieldTransform = string | ((value: any, fields: Record<string, any>) => unknown)

export interface FieldDefinition {
  a: string
  b: string
  /** Which way changes flow. @defaultValue 'both' */
  direction?: 'both' | 'a-to-b' | 'b-to-a'
  /**
   * Who wins when both sides changed the field since the last sync (`direction: both` only):
   * `a`, `b`, or `latest` (the later provider timestamp; within the skew tolerance it is a tie,
   * which goes to `conflicts.ties`). Unset means `latest` with a warning (both sides own it).
   */
  owner?: 'a' | 'b' | 'latest'
  /** a's value → b's. @defaultValue the value as is */
  toB?: FieldTransform
  /** b's value → a's. @defaultValue the value as is */
  toA?: FieldTransform
  /**
   * What a conflict (both sides changed the field since the last sync) does besides recording
   * it: `overwrite` — the winner's value replaces the loser's; `markers` — for text such as a
   * markdown body: the winner's value, then a conflict section holding the losing value, is
   * written to both sides, so nothing is lost until someone removes the section.
   * @defaultValue 'overwrite'
   */
  conflict?: 'overwrite' | 'markers'
}

/** Which records are in scope on a side: a function of `{ fields, id }` or a `{{ }}` template. */
export type RecordFilter = string | ((record: { id: string; fields: Record<string, any> }) => boolean | Promise<boolean>)

export interface SyncWebhookDefinition {
  /** The side whose changes the webhook announces. */
  side: SyncSideName
  /** Path under `/hooks/`. */
  path: string
  auth?: WebhookAuth
  /**
   * Where the changed record ids are: a dot-path into each event (`objectId` for HubSpot's
   * webhooks), or a function returning an id or ids. Absent: every delivery starts a pass.
   */
  ids?: string | ((payload: any) => string | number | Array<string | number> | null | undefined)
  /** Split a JSON array body into one event per element (`hubspot`: HubSpot's batches). */
  split?: 'hubspot' | 'array'
  /**
   * The provider's own webhook format (docs/webhooks.md): `mailchimp` (form-encoded list events,
   * the GET URL check, `auth: { scheme: 'url-secret' }`) or `hubspot` (v3-signed arrays). The
   * record ids default to each event's `recordId`; a Mailchimp event's consent (unsubscribe,
   * cleaned, subscribe) is recorded before the pass; HubSpot events of another object than
   * the side's are ignored.
   */
  normalize?: 'mailchimp' | 'hubspot'
}

export interface RelationDefinition {
  /** Field on side a holding the other record's a-side id (a foreign key: `company_id`). */
  field: string
  /** The sync whose links translate that id to the b side (`crm-companies`). */
  sync: string
  /** The b side's relation name (`companies` for HubSpot associations). */
  relation: string
}

export interface SyncDefinition {
  /** Lower-case letters, digits, - or _. */
  id: string
  description?: string
  sides: { a: SideDefinition; b: SideDefinition }
  match: MatchDefinition
  fields: FieldDefinition[]
  /** Which side's new records are created on the other. @defaultValue 'both' */
  create?: 'both' | 'a-to-b' | 'b-to-a' | 'none'
  /**
   * What a deletion on one side does to the other: `ignore` (the link ends, the other record
   * stays), `archive` (the other record is archived), `propagate` (deleted). One policy for both
   * directions, or one per direction. @defaultValue 'ignore'
   */
  deletes?: DeletePolicy | { 'a-to-b'?: DeletePolicy; 'b-to-a'?: DeletePolicy }
  /** Records in scope per side (e.g. only contacts with consent). Out of scope: neither created nor updated. */
  filter?: { a?: RecordFilter; b?: RecordFilter }
  /** A field that, when truthy on a record, pauses its syncing (row-level opt-out). A string means side a's field. */
  pauseField?: string | { a?: string; b?: string }
  /** Poll interval (`'5m'`), or `{ every, repair }`; repair is the full comparison's interval (`false`: never). */
  schedule?: Duration | { every?: Duration; repair?: Duration | false }
  /** Webhooks that tell the sync a side changed, so it does not wait for the next poll. */
  webhooks?: SyncWebhookDefinition[]
  /** Relations of side b kept in step with side a's foreign keys (HubSpot associations). */
  relations?: RelationDefinition[]
  conflicts?: {
    /** Provider timestamps closer than this are a tie. @defaultValue '2s' */
    skew?: Duration
    /** Who wins a tie of an `owner: latest` field. @defaultValue 'a' */
    ties?: SyncSideName
  }
}

// ── compiled form ───────────────────────────────────────────────────────────────────────

export type Transform = (value: unknown, fields: Record<string, unknown>) => unknown

export interface CompiledKey {
  a: string
  b: string
  normalize: (value: unknown) => string | null
  /** For messages and docs: `email`, `lower`, `custom`. */
  normalizeName: string
}

export interface CompiledField {
  a: string
  b: string
  /** `<a> ↔ <b>`, for messages and conflicts. */
  label: string
  direction: 'both' | 'a-to-b' | 'b-to-a'
  owner: 'a' | 'b' | 'latest'
  toB: Transform
  toA: Transform
  /** `overwrite`, or `markers` (a conflict section with the losing value; see {@link FieldDefinition.conflict}). */
  conflict?: 'overwrite' | 'markers'
}

export type CompiledFilter = (record: { id: string; fields: Record<string, unknown> }) => boolean | Promise<boolean>

export interface CompiledSyncWebhook {
  side: SyncSideName
  path: string
  auth: WebhookAuth | undefined
  ids: ((payload: unknown) => string[] | null) | null
  split: 'hubspot' | 'array' | undefined
  normalize?: 'mailchimp' | 'hubspot'
}

export interface CompiledSync {
  id: string
  /** Hash of the definition. */
  version: string
  description: string | null
  source: { format: 'ts' | 'yaml'; file: string | null }
  sides: { a: SideSpec; b: SideSpec }
  match: CompiledKey & { fallback: CompiledKey | null }
  fields: CompiledField[]
  create: { aToB: boolean; bToA: boolean }
  /** Policy for a deletion on a applied to b (`aToB`), and the other way. */
  deletes: { aToB: DeletePolicy; bToA: DeletePolicy }
  filter: { a: CompiledFilter | null; b: CompiledFilter | null }
  pauseField: { a: string | null; b: string | null }
  /** Poll interval, ms; null = only on demand and webhooks. */
  everyMs: number | null
  /** Full comparison interval, ms; null = never on its own. */
  repairEveryMs: number | null
  skewMs: number
  ties: SyncSideName
  webhooks: CompiledSyncWebhook[]
  relations: RelationDefinition[]
  /** Things worth a look that do not stop the sync (printed by `validate` and at start). */
  warnings: Problem[]
}
