/**
 * The shapes of /api/v1 as zod schemas, turned into JSON Schema (draft 2020-12, what OpenAPI 3.1
 * uses) for the route `schema`s that @fastify/swagger publishes at /api/v1/openapi.json. They
 * document; the handlers validate input themselves and responses are sent as they are, so a
 * field missing here is never dropped from an answer — tests/openapi.test.ts checks real answers
 * against these schemas instead. A new route file adds its shapes beside its routes.
 * @module
 */
import { z } from 'zod'

/** JSON Schema of a zod schema, for a route `schema` (no `$schema` key: OpenAPI embeds it). */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>
  return rest
}

const ms = z.number().int().describe('epoch milliseconds')
const runStatus = z.enum(['queued', 'running', 'waiting', 'succeeded', 'filtered', 'dead'])
const deadReason = z.enum(['retryable-exhausted', 'permanent', 'quota', 'circuit', 'timeout', 'invalid'])
const waitReason = z.enum(['retry', 'rate-limit', 'delay', 'quota', 'circuit', 'concurrency'])
const replayFrom = z.enum(['trigger', 'failed-step'])

export const serializedError = z.object({
  name: z.string(),
  message: z.string(),
  code: z.string().optional(),
  stack: z.string().optional(),
  status: z.number().int().optional().describe('HTTP status of the provider response'),
  retryAfterMs: z.number().optional(),
  providerCode: z.string().optional(),
  stepId: z.string().optional(),
  // Inline schemas cannot refer to themselves in OpenAPI: the cause has this same shape.
  cause: z.record(z.string(), z.unknown()).optional().describe('the error that caused this one, in this same shape'),
})

export const errorBody = z
  .object({
    error: z.object({ code: z.string().describe('PW_… code, see docs/errors.md'), message: z.string(), details: z.unknown().optional() }),
  })
  .describe('Every error answer')

export const runSummary = z.object({
  id: z.string(),
  pipeline: z.string(),
  version: z.string().describe('hash of the pipeline definition the run executes'),
  status: runStatus,
  step: z.string().nullable().describe('step being executed or waited on'),
  attempt: z.number().int(),
  waitReason: waitReason.nullable(),
  dueAt: ms.nullable(),
  replayOf: z.string().nullable(),
  error: z.object({ code: z.string().optional(), message: z.string() }).nullable(),
  createdAt: ms,
  finishedAt: ms.nullable(),
})

export const runRecord = z.object({
  id: z.string(),
  pipelineId: z.string(),
  pipelineVersion: z.string(),
  eventId: z.string(),
  status: runStatus,
  currentStep: z.string().nullable(),
  attempt: z.number().int(),
  dueAt: ms,
  waitReason: waitReason.nullable(),
  leaseOwner: z.string().nullable(),
  leaseExpiresAt: ms.nullable(),
  concurrencyKey: z.string().nullable(),
  replayOf: z.string().nullable(),
  replayFrom: replayFrom.nullable(),
  error: serializedError.nullable(),
  createdAt: ms,
  updatedAt: ms,
  finishedAt: ms.nullable(),
})

export const eventRecord = z.object({
  id: z.string(),
  pipelineId: z.string(),
  trigger: z.enum(['webhook', 'schedule', 'poll', 'manual']),
  deliveryId: z.string().nullable(),
  payload: z.unknown().describe('the trigger payload, secrets and configured paths masked'),
  meta: z.record(z.string(), z.unknown()).nullable(),
  receivedAt: ms,
})

export const stepRecord = z.object({
  runId: z.string(),
  stepPath: z.string(),
  status: z.enum(['succeeded', 'failed', 'filtered', 'skipped']),
  output: z.unknown(),
  attempts: z.number().int(),
  startedAt: ms,
  finishedAt: ms,
  error: serializedError.nullable(),
})

export const deadLetter = z.object({
  runId: z.string(),
  pipelineId: z.string(),
  pipelineVersion: z.string(),
  eventId: z.string(),
  reason: deadReason,
  stepId: z.string().nullable(),
  attempts: z.number().int(),
  error: serializedError.nullable(),
  lastInput: z.unknown().describe('the input the failed step saw, secrets masked'),
  createdAt: ms,
  replayedBy: z.string().nullable(),
  discardedAt: ms.nullable(),
})

export const pipelineSummary = z.object({
  id: z.string(),
  version: z.string(),
  description: z.string().nullable().optional(),
  trigger: z.object({
    kind: z.enum(['webhook', 'schedule', 'poll', 'manual']),
    path: z.string().optional(),
    cron: z.string().optional(),
    timezone: z.string().optional(),
    /** Poll triggers: the record source read. */
    source: z.string().optional(),
  }),
  steps: z.array(z.object({ id: z.string(), kind: z.string() })),
  source: z
    .object({ format: z.enum(['ts', 'yaml']), file: z.string().nullable().describe('file it was loaded from, relative to the project') })
    .optional(),
})

export const replayResult = z.object({
  replayed: z.array(z.object({ runId: z.string(), newRunId: z.string() })),
  skipped: z.array(z.object({ runId: z.string(), reason: z.string() })),
})

export const replayOptions = z.object({
  from: replayFrom.default('trigger').describe('trigger: every step again; failed-step: finished steps are kept'),
  version: z.enum(['pinned', 'latest']).default('pinned'),
})

export const deadLetterFilterQuery = z.object({
  pipeline: z.string().optional(),
  reason: deadReason.optional(),
  step: z.string().optional(),
})

export const budgetRow = z.object({
  connection: z.string(),
  budget: z.string(),
  period: z.string(),
  limit: z.number(),
  used: z.number(),
  remaining: z.number(),
  level: z.number().describe('highest level reached: 0, 70, 85, 95 or 100 (%)'),
})

export const importSummary = z.object({
  pipelineId: z.string(),
  rows: z.number().int().describe('data rows read (the header not counted), bad ones included'),
  accepted: z.number().int(),
  duplicates: z.number().int(),
  bad: z.number().int(),
  runIds: z.array(z.string()).describe('the first 1,000'),
  badRows: z.array(z.object({ line: z.number().int().describe('1-based, the header is line 1'), message: z.string() })),
})

// ── route documentation ──────────────────────────────────────────────────────────────────────
const error = jsonSchema(errorBody)
export const errors = (...codes: number[]) => Object.fromEntries([401, ...codes].map((c) => [c, error]))
export const obj = (shape: z.ZodRawShape) => z.object(shape)
const idParam = (name: string, what: string) => jsonSchema(obj({ [name]: z.string().describe(what) }))

export interface RouteDoc {
  summary: string
  description?: string
  tags: string[]
  querystring?: Record<string, unknown>
  params?: Record<string, unknown>
  body?: Record<string, unknown>
  consumes?: string[]
  produces?: string[]
  response: Record<number, unknown>
}
export const doc = (tag: string, summary: string, rest: Omit<RouteDoc, 'tags' | 'summary'>): RouteDoc => ({ tags: [tag], summary, ...rest })

/** The `schema` of every /api/v1 route of api.ts. */
export const apiDocs = {
  listPipelines: doc('pipelines', 'Loaded pipelines with their trigger and steps', {
    response: { 200: jsonSchema(obj({ pipelines: z.array(pipelineSummary) })), ...errors() },
  }),
  importCsv: doc('pipelines', 'Start one run per CSV row', {
    description: 'The body streams through the parser; bad rows are reported with their line numbers and nothing accepted is lost.',
    consumes: ['text/csv'],
    params: idParam('id', 'pipeline id'),
    querystring: jsonSchema(obj({ idColumn: z.string().optional(), delimiter: z.string().optional() })),
    response: { 200: jsonSchema(importSummary), ...errors(404, 415) },
  }),
  listRuns: doc('runs', 'Runs, newest first', {
    querystring: jsonSchema(
      obj({
        pipeline: z.string().optional(),
        status: z
          .string()
          .optional()
          .describe(`comma-separated: ${runStatus.options.join(', ')}`),
        limit: z.coerce.number().int().min(1).max(1000).default(50),
        before: z.string().optional().describe('run id: the page after it'),
      }),
      'input',
    ),
    response: { 200: jsonSchema(obj({ runs: z.array(runSummary) })), ...errors(400) },
  }),
  exportRuns: doc('runs', 'Run results as CSV', {
    produces: ['text/csv'],
    querystring: jsonSchema(
      obj({
        pipeline: z.string().optional(),
        status: z.string().optional(),
        limit: z.coerce.number().int().default(1000),
        steps: z.enum(['true', 'false']).optional().describe('add one column per step output'),
      }),
      'input',
    ),
    response: { 200: { type: 'string', description: 'CSV: one row per run' }, ...errors(400) },
  }),
  getRun: doc('runs', 'A run with its event, step trace and dead letter', {
    params: idParam('id', 'run id'),
    response: {
      200: jsonSchema(
        obj({ run: runRecord, event: eventRecord.nullable(), steps: z.array(stepRecord), deadLetter: deadLetter.nullable() }),
      ),
      ...errors(404),
    },
  }),
  replayRun: doc('runs', 'Replay one finished run', {
    params: idParam('id', 'run id'),
    body: jsonSchema(replayOptions, 'input'),
    response: { 200: jsonSchema(replayResult), ...errors(400, 409) },
  }),
  listDeadLetters: doc('dead letters', 'Open dead letters, newest first', {
    querystring: jsonSchema(
      deadLetterFilterQuery.extend({
        all: z.enum(['true', 'false']).optional().describe('include replayed and discarded'),
        limit: z.coerce.number().int().default(100),
      }),
      'input',
    ),
    response: { 200: jsonSchema(obj({ deadLetters: z.array(deadLetter) })), ...errors() },
  }),
  countDeadLetters: doc('dead letters', 'How many open dead letters match, exactly', {
    description: 'Post the `until` it returns with `limit: count` to /dead-letters/replay to replay exactly the counted set.',
    querystring: jsonSchema(deadLetterFilterQuery, 'input'),
    response: { 200: jsonSchema(obj({ count: z.number().int(), until: ms.describe('pins the counted set') })), ...errors() },
  }),
  getDeadLetter: doc('dead letters', 'One dead letter', {
    params: idParam('runId', 'id of the dead run'),
    response: { 200: jsonSchema(deadLetter), ...errors(404) },
  }),
  replayDeadLetters: doc('dead letters', 'Replay dead letters by id or by filter', {
    description: 'Give `runIds`, or `filter` (optionally with `until` and a `limit`) to replay every match in batches.',
    body: jsonSchema(
      replayOptions.extend({
        runIds: z.array(z.string()).optional(),
        filter: deadLetterFilterQuery.omit({ step: true }).extend({ step: z.string().optional(), until: ms.optional() }).optional(),
        limit: z.number().int().min(0).optional(),
      }),
      'input',
    ),
    response: { 200: jsonSchema(replayResult), ...errors(400) },
  }),
  replayDeadLetter: doc('dead letters', 'Replay one dead letter', {
    params: idParam('runId', 'id of the dead run'),
    body: jsonSchema(replayOptions, 'input'),
    response: { 200: jsonSchema(replayResult), ...errors(400) },
  }),
  discardDeadLetter: doc('dead letters', 'Mark a dead letter handled without replaying it', {
    params: idParam('runId', 'id of the dead run'),
    response: { 200: jsonSchema(obj({ discarded: z.literal(true) })), ...errors(404) },
  }),
  usage: doc('usage', 'Budgets of each connection in the current period', {
    response: { 200: jsonSchema(obj({ usage: z.array(budgetRow) })), ...errors() },
  }),
} satisfies Record<string, RouteDoc>

// Alerts (src/server/api-alerts.ts). Documented loosely for now: the record shapes are the
// alerting module's; tighten them there as they settle.
const record = z.record(z.string(), z.unknown())
export const alertsDocs = {
  overview: doc('alerts', 'Alert rules and channels in force, and open incidents', {
    response: { 200: jsonSchema(z.looseObject({ incidents: z.array(record) })), ...errors(404) },
  }),
  incidents: doc('alerts', 'Incidents, newest first', {
    querystring: jsonSchema(
      obj({
        status: z.string().optional().describe('comma-separated: pending, firing, resolved'),
        rule: z.string().optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      'input',
    ),
    response: { 200: jsonSchema(obj({ incidents: z.array(record) })), ...errors(400) },
  }),
  incident: doc('alerts', 'One incident and the messages sent for it', {
    params: idParam('id', 'incident id'),
    response: { 200: jsonSchema(obj({ incident: record, notifications: z.array(record) })), ...errors(404) },
  }),
  testRule: doc('alerts', 'What a rule finds now; with send, a test message through its channels', {
    params: idParam('id', 'alert rule id'),
    body: jsonSchema(obj({ send: z.boolean().default(false) }), 'input'),
    response: {
      200: jsonSchema(z.looseObject({ rule: z.string(), findings: z.unknown(), queued: z.number().int(), delivery: z.unknown() })),
      ...errors(404),
    },
  }),
} satisfies Record<string, RouteDoc>

// The dashboard's session (src/server/api-guard.ts): an HttpOnly cookie instead of a bearer token.
const session = jsonSchema(
  obj({
    required: z.boolean().describe('whether this server asks for the token'),
    authenticated: z.boolean(),
    scope: z.enum(['admin', 'read']).optional().describe('the signed-in token’s scope: a read session cannot change state'),
  }),
)
export const sessionDocs = {
  get: doc('session', 'Whether this browser session is signed in', { response: { 200: session, ...errors() } }),
  post: doc('session', 'Sign in with the API token; sets an HttpOnly session cookie', {
    body: jsonSchema(obj({ token: z.string() }), 'input'),
    response: { 200: session, ...errors() },
  }),
  delete: doc('session', 'Sign out: the session cookie is revoked', { response: { 200: jsonSchema(z.looseObject({})), ...errors() } }),
} satisfies Record<string, RouteDoc>
