/**
 * The YAML pipeline format as a zod schema, for editors: `schemas/pipeline.schema.json` is made
 * from it by z.toJSONSchema at build time, and yaml-language-server (VS Code's YAML extension,
 * and others) completes and checks `pipelines/*.yaml` against it once the file's first line is
 * `# yaml-language-server: $schema=../node_modules/pipewright/schemas/pipeline.schema.json`.
 * The compiler (compile.ts) stays the judge — it also checks expressions, ids and actions — but
 * every document the compiler accepts passes this schema, and the common mistakes (a misspelt
 * key, a step with two kinds or none, a bad duration or auth scheme) fail it in the editor.
 * @module
 */
import { z } from 'zod'

const duration = z
  .union([z.number().nonnegative(), z.string().regex(/^\s*\d+(\.\d+)?\s*(ms|s|m|h|d|w)?\s*$/)])
  .describe('milliseconds, or a number with a unit: "500ms", "30s", "5m", "2h", "1d", "1w"')
/** A YAML value: a literal, or a string with `{{ jsonata }}` expressions. */
const computed = z.unknown().describe('a value, or a string with {{ expressions }} (docs/expressions.md)')
const expression = z.union([z.string(), z.boolean()]).describe('a {{ expression }} (docs/expressions.md), or a literal')
const secrets = z
  .union([z.string(), z.array(z.string()).min(1)])
  .describe(`a secret, or several while rotating; "\${ENV_VAR}" reads the environment`)

const retry = z
  .strictObject({
    maxAttempts: z.number().int().min(1).optional().describe('total attempts including the first (default 5)'),
    initialInterval: duration.optional(),
    maxInterval: duration.optional(),
    backoffCoefficient: z.number().min(1).optional(),
  })
  .describe('retry policy: exponential back-off with full jitter')

const auth = z.union([
  z.strictObject({ scheme: z.literal('header').optional(), header: z.string(), secret: secrets }),
  z.strictObject({
    scheme: z.literal('hmac-sha256'),
    header: z.string(),
    secret: secrets,
    encoding: z.enum(['hex', 'base64']).optional(),
    prefix: z.string().optional(),
  }),
  z.strictObject({ scheme: z.literal('standard-webhooks'), secret: secrets }),
  z.strictObject({ scheme: z.literal('slack'), secret: secrets }),
  z.strictObject({ scheme: z.literal('hubspot-v3'), secret: secrets, publicBaseUrl: z.string().optional() }),
  z.strictObject({ scheme: z.literal('bearer'), token: secrets }),
  z.strictObject({ scheme: z.literal('basic'), username: z.string(), password: secrets }),
  z.strictObject({ scheme: z.literal('url-secret'), secret: secrets, query: z.string().optional() }),
  z.strictObject({ scheme: z.literal('none') }),
])

const webhookTrigger = z.strictObject({
  path: z.string().min(1).describe('served at POST /hooks/<path>'),
  auth: auth.optional(),
  deliveryId: z.string().optional().describe("header or {{ expression }} giving the sender's delivery id"),
  dedupeWindow: duration.optional(),
  maxBodyBytes: z.union([z.number().int().positive(), z.string()]).optional(),
  schema: z.record(z.string(), z.unknown()).optional().describe('JSON Schema the body must match (400 otherwise)'),
  respond: z
    .strictObject({ timeoutMs: z.number().int().positive(), body: computed.optional(), status: z.number().int().optional() })
    .optional(),
  redact: z.array(z.string()).optional().describe('payload paths masked in run history and the dashboard'),
  retain: z.union([z.boolean(), z.strictObject({ ttl: duration.optional() })]).optional(),
  split: z.union([z.enum(['hubspot', 'array']), z.strictObject({ deliveryIdPath: z.string().optional() })]).optional(),
  normalize: z.enum(['mailchimp', 'hubspot']).optional().describe("turn a provider's webhook into normalised events"),
  allowIps: z
    .array(z.string())
    .min(1)
    .optional()
    .describe('addresses or CIDRs (IPv4/IPv6) allowed to post; others get 403 and nothing is stored'),
})

const scheduleTrigger = z.union([
  z.string().describe('a cron expression'),
  z.strictObject({
    cron: z.string(),
    timezone: z.string().optional().describe('IANA time zone, e.g. Europe/Berlin'),
    missed: z.enum(['skip', 'run-once', 'run-all']).optional(),
    payload: z.unknown().optional(),
  }),
])

const trigger = z.union([
  z.strictObject({ webhook: webhookTrigger }),
  z.strictObject({ schedule: scheduleTrigger }),
  z.strictObject({ manual: z.union([z.strictObject({}), z.null()]) }),
  // The poll trigger's options belong to its source (src/sources); checked by the compiler.
  z.strictObject({ poll: z.record(z.string(), z.unknown()) }),
])

const common = {
  id: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/)
    .describe('the step id; its output is stored under it'),
  description: z.string().optional(),
  retry: retry.optional(),
  timeout: duration.optional(),
  concurrencyKey: z.string().optional().describe('runs with the same key never overlap at this step'),
}

type Step = Record<string, unknown>
const step: z.ZodType<Step> = z.lazy(() =>
  z.union([
    z.strictObject({ ...common, map: computed }),
    z.strictObject({ ...common, filter: expression }),
    z.strictObject({
      ...common,
      route: z.array(z.strictObject({ when: expression, steps: z.array(step).min(1) })).min(1),
      otherwise: z.array(step).optional(),
    }),
    z.strictObject({
      ...common,
      action: z
        .string()
        .regex(/^[a-z0-9]+(\.[A-Za-z0-9]+)+$/)
        .describe('connector action, e.g. hubspot.contacts.upsert (docs/connectors.md)'),
      with: z.record(z.string(), z.unknown()).optional().describe("the action's parameters"),
      connection: z.string().optional().describe('named connection; default "default"'),
    }),
    z.strictObject({ ...common, forEach: expression, steps: z.array(step).min(1), concurrency: z.number().int().min(1).optional() }),
    z.strictObject({ ...common, delay: z.union([duration, z.string()]) }),
    z.strictObject({
      ...common,
      dedupe: z.strictObject({
        key: z.string(),
        window: duration,
        keep: z.enum(['first', 'latest', 'merge']).optional(),
        item: computed.optional(),
      }),
    }),
    z.strictObject({
      ...common,
      aggregate: z.strictObject({
        item: computed.optional(),
        key: z.string().optional(),
        size: z.number().int().min(1).max(1000).optional(),
        window: duration.optional(),
        target: z.string().optional(),
      }),
    }),
    z.strictObject({
      ...common,
      call: z.strictObject({
        pipeline: z.string(),
        input: computed.optional(),
        wait: z.union([z.boolean(), z.strictObject({ timeout: duration.optional() })]).optional(),
      }),
    }),
  ]),
)

/** Shared with the sync schema (src/sync/json-schema.ts). */
export { auth as webhookAuthSchema, duration as durationSchema }

/** A YAML pipeline document (`pipelines/<id>.yaml`). */
export const pipelineYamlSchema = z
  .strictObject({
    $schema: z.string().optional(),
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/)
      .describe('lowercase letters, digits, - and _'),
    description: z.string().optional(),
    trigger,
    steps: z.array(step).min(1),
    retry: retry.optional(),
    concurrency: z.number().int().min(1).optional().describe('runs of this pipeline in flight at most'),
    concurrencyKey: z.string().optional(),
    timeout: duration.optional(),
    pii: z
      .array(z.string().min(1))
      .optional()
      .describe(
        'customer data kept encrypted at rest: dot-paths such as email or person.*, matched at any depth (needs PIPEWRIGHT_SECRET_KEY)',
      ),
  })
  .describe('A Pipewright pipeline: one trigger and an ordered list of steps (docs/concepts.md)')

/** The JSON Schema document written to schemas/pipeline.schema.json. */
export function pipelineJsonSchema(): Record<string, unknown> {
  return {
    ...(z.toJSONSchema(pipelineYamlSchema, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>),
    $id: 'https://pipewright.dev/schemas/pipeline.schema.json',
    title: 'Pipewright pipeline',
  }
}
