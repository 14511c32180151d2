/**
 * The shapes of `/api/v1/syncs…` (api-syncs.ts) as zod schemas, for the OpenAPI document.
 * Objects are closed: tests check real answers against them, so a field added to a report or a
 * status must be added here too.
 * @module
 */
import { z } from 'zod'
import { errorBody, jsonSchema } from './api-schemas.js'

const ms = z.number().int().describe('epoch milliseconds')
const side = z.enum(['a', 'b'])
const ops = z.object({ create: z.number().int(), update: z.number().int(), delete: z.number().int(), archive: z.number().int() })
const perSide = <T extends z.ZodType>(t: T) => z.object({ a: t, b: t })
const problem = z.record(z.string(), z.unknown()).describe('{ file, sync, field, message }')

const passFields = {
  sync: z.string(),
  mode: z.enum(['incremental', 'repair']).describe('repair: a drift repair, a full comparison of both sides'),
  dryRun: z.boolean().describe('true for a plan: nothing was written'),
  startedAt: ms,
  finishedAt: ms.nullable(),
  read: perSide(z.number().int()).describe('records read per side (changes, or every record in a repair)'),
  more: z.boolean(),
  echoes: z.number().int().describe('changes equal to the shadow: our own writes coming back'),
  matched: z.object({ key: z.number().int(), fallback: z.number().int() }),
  unmatched: z.number().int(),
  ambiguous: z.array(
    z.object({
      key: z.string(),
      via: z.enum(['key', 'fallback']),
      records: z.array(z.object({ side, id: z.string() })),
      linkedTo: z.array(z.string()).optional(),
    }),
  ),
  writes: perSide(ops).describe('writes per side and kind'),
  relations: z.number().int(),
  conflicts: z.number().int(),
  deletesIgnored: z.number().int(),
  repaired: z.number().int().describe('links a drift repair found out of step and fixed'),
  fixed: z
    .array(
      z.object({
        linkId: z.string(),
        kind: z.enum(['fields', 'missing', 'gone']),
        a: z.string().nullable(),
        b: z.string().nullable(),
        fields: z.object({ a: z.array(z.string()).optional(), b: z.array(z.string()).optional() }).optional(),
      }),
    )
    .describe('what a drift repair fixed (the first 1,000)'),
  paused: z.number().int(),
  outOfScope: z.number().int(),
  deferred: z.number().int(),
  runs: z.object({ started: z.number().int(), succeeded: z.number().int(), dead: z.number().int(), pending: z.number().int() }),
}

export const passBrief = z.object(passFields)
export const passReport = z.object({
  ...passFields,
  planned: z
    .array(
      z.object({
        side,
        op: z.enum(['create', 'update', 'delete', 'archive']),
        linkId: z.string(),
        id: z.string().optional().describe('the record written (absent for a create)'),
        fields: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .describe('the planned writes (the first 1,000)'),
})

const summaryFields = {
  id: z.string(),
  description: z.string().nullable(),
  file: z.string().nullable(),
  sides: perSide(z.string()).describe('side references, e.g. hubspot:main/contacts'),
  schedule: z.object({ everyMs: z.number().int().nullable(), repairEveryMs: z.number().int().nullable() }),
  links: z.object({ linked: z.number().int(), unmatched: z.number().int(), ambiguous: z.number().int(), deleted: z.number().int() }),
  pending: z.number().int().describe('records to look at again on the next pass'),
  conflicts: z.number().int(),
  lastPass: passBrief.nullable(),
  warnings: z.array(problem),
}
export const syncSummary = z.object(summaryFields)
export const syncStatus = z.object({
  ...summaryFields,
  cursors: z.object({ a: z.unknown(), b: z.unknown() }),
  lastRepair: passBrief.nullable(),
  nextRepairAt: ms.nullable(),
  fields: z.array(z.object({ a: z.string(), b: z.string(), direction: z.string(), owner: z.string() })),
})
export const syncConflict = z.object({
  id: z.string(),
  syncId: z.string(),
  linkId: z.string(),
  field: z.string().describe('<a field> ↔ <b field>'),
  aValue: z.unknown(),
  bValue: z.unknown(),
  aModifiedAt: ms.nullable(),
  bModifiedAt: ms.nullable(),
  winner: side,
  reason: z.string(),
  createdAt: ms,
})

export const syncPauseResult = z.object({
  sync: z.string(),
  paused: z.boolean(),
  changed: z.boolean().describe('false when it already was in that state (no audit entry then)'),
  pausedBy: z.string().optional(),
  pausedAt: ms.optional(),
})

const error = jsonSchema(errorBody)
const errors = (...codes: number[]) => Object.fromEntries([401, ...codes].map((c) => [c, error]))
const idParam = jsonSchema(z.object({ id: z.string().describe('sync id') }))
const doc = (summary: string, rest: Record<string, unknown>) => ({ tags: ['syncs'], summary, ...rest })

export const syncsDocs = {
  list: doc('Loaded syncs with links, pending records, conflicts and the last pass', {
    response: { 200: jsonSchema(z.object({ syncs: z.array(syncSummary) })), ...errors() },
  }),
  get: doc('One sync: links, pending, conflicts, cursors, the last pass and the last drift repair', {
    params: idParam,
    response: { 200: jsonSchema(syncStatus), ...errors(404) },
  }),
  plan: doc('Dry run: what a pass would create, update, delete and archive on each side; writes nothing', {
    params: idParam,
    querystring: jsonSchema(z.object({ mode: z.enum(['incremental', 'repair']).default('incremental') }), 'input'),
    response: { 200: jsonSchema(passReport), ...errors(400, 404, 409) },
  }),
  run: doc('Run a pass now and wait for its writes (bounded); 409 while another process runs the sync or it is paused', {
    params: idParam,
    body: jsonSchema(
      z.object({
        mode: z.enum(['incremental', 'repair']).default('incremental'),
        force: z.boolean().optional().describe('run even though the sync is paused (409 PW_SYNC_PAUSED otherwise)'),
      }),
      'input',
    ),
    response: { 200: jsonSchema(passReport), ...errors(400, 404, 409) },
  }),
  pause: doc('Pause a sync: no pass runs (scheduled, repair or nudged); webhooks still mark changed records', {
    params: idParam,
    body: jsonSchema(z.object({ reason: z.string().optional() }), 'input'),
    response: { 200: jsonSchema(syncPauseResult), ...errors(403, 404) },
  }),
  resume: doc('Resume a paused sync: the passes it held run within seconds', {
    params: idParam,
    response: { 200: jsonSchema(syncPauseResult), ...errors(403, 404) },
  }),
  conflicts: doc('Conflicts recorded for a sync, newest first, with both values and the winner', {
    params: idParam,
    querystring: jsonSchema(
      z.object({
        limit: z.coerce.number().int().min(1).max(1000).default(100),
        before: z.coerce.number().int().optional().describe('createdAt of the last conflict of the previous page'),
      }),
      'input',
    ),
    response: { 200: jsonSchema(z.object({ conflicts: z.array(syncConflict) })), ...errors(400, 404) },
  }),
}
