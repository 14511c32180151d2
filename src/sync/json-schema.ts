/**
 * `schemas/sync.schema.json`: a JSON Schema of YAML syncs (`syncs/*.yaml`), made from the zod
 * schema below at build time, for yaml-language-server (`# yaml-language-server:
 * $schema=../node_modules/pipewright/schemas/sync.schema.json`). Each side kind's own options
 * schema (src/sync/sides) describes `{ side: '<kind>:…', …options }`, so a misspelt option is
 * caught for the kind it belongs to. compile.ts stays the judge (field names against the sides,
 * contradictions, templates); every YAML sync it accepts passes this schema.
 * @module
 */
import { z } from 'zod'
import { durationSchema, webhookAuthSchema } from '../pipeline/schema.js'
import type { SideKind } from './side.js'
import { builtinSideKinds } from './sides/index.js'

const field = z.string().min(1)
const sideName = z.enum(['a', 'b'])
const template = z.string().describe('a {{ }} JSONata template (docs/expressions.md)')
const normalize = z
  .enum(['email', 'domain', 'phone', 'lower', 'trim', 'exact'])
  .describe('how key values are normalised before comparing (default: email when both fields are named email, else lower)')
const key = { a: field.describe('field on side a'), b: field.describe('field on side b'), normalize: normalize.optional() }
const deletePolicy = z.enum(['ignore', 'archive', 'propagate'])
const syncId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/)
  .describe('lower-case letters, digits, - and _')

/** `"hubspot:main/contacts"`, or `{ side: "postgres:crm/customers", …that kind's options }`. */
function sideSchema(kinds: Map<string, SideKind<any>>) {
  const names = [...kinds.keys()]
  const ref = (kind: string) => z.string().regex(new RegExp(`^${kind}:(?:[A-Za-z0-9_.-]+/)?.+$`))
  const withOptions = [...kinds.values()].map((k) =>
    z
      .strictObject({
        side: ref(k.kind).describe(`"${k.kind}:<connection>/<object>"`),
        ...(k.options as unknown as z.ZodObject).shape,
      })
      .describe(`a ${k.kind} side and its options (docs/sync.md#sides)`),
  )
  return z.union([
    ref(`(?:${names.join('|')})`).describe(`"<kind>:<connection>/<object>", kind one of ${names.join(', ')}; e.g. "hubspot:main/contacts"`),
    ...withOptions,
  ])
}

export function syncYamlSchema(kinds: Map<string, SideKind<any>> = builtinSideKinds()) {
  const side = sideSchema(kinds)
  return z
    .strictObject({
      id: syncId,
      description: z.string().optional(),
      sides: z.strictObject({ a: side, b: side }),
      match: z
        .strictObject({
          ...key,
          fallback: z.strictObject(key).optional().describe('tried for records the main key did not pair (normalize: exact by default)'),
        })
        .describe('the key that pairs records on first sight'),
      fields: z
        .array(
          z.strictObject({
            a: field,
            b: field,
            direction: z.enum(['both', 'a-to-b', 'b-to-a']).optional().describe('which way changes flow (default both)'),
            owner: z
              .enum(['a', 'b', 'latest'])
              .optional()
              .describe('who wins when both sides changed the field since the last sync (direction: both)'),
            toB: template.optional().describe("a's value → b's: a template over value and fields"),
            toA: template.optional().describe("b's value → a's: a template over value and fields"),
            conflict: z.enum(['overwrite', 'markers']).optional(),
          }),
        )
        .min(1),
      create: z.enum(['both', 'a-to-b', 'b-to-a', 'none']).optional().describe("which side's new records are created on the other"),
      deletes: z
        .union([deletePolicy, z.strictObject({ 'a-to-b': deletePolicy.optional(), 'b-to-a': deletePolicy.optional() })])
        .optional()
        .describe('what a deletion on one side does to the other (default ignore)'),
      filter: z
        .strictObject({ a: template.optional(), b: template.optional() })
        .optional()
        .describe('records in scope per side: a template over fields and id'),
      pauseField: z
        .union([field, z.strictObject({ a: field.optional(), b: field.optional() })])
        .optional()
        .describe('a field that, when truthy on a record, pauses its syncing (a string: side a)'),
      schedule: z
        .union([
          durationSchema,
          z.strictObject({ every: durationSchema.optional(), repair: z.union([durationSchema, z.literal(false)]).optional() }),
        ])
        .optional()
        .describe('poll interval, or { every, repair } (repair: full comparison interval, false: never)'),
      webhooks: z
        .array(
          z.strictObject({
            side: sideName.describe('the side whose changes the webhook announces'),
            path: z
              .string()
              .regex(/^[A-Za-z0-9][A-Za-z0-9/_.-]*$/)
              .describe('served at POST /hooks/<path>'),
            auth: webhookAuthSchema.optional(),
            ids: z.string().optional().describe('dot-path to the changed record ids in each event (e.g. objectId)'),
            split: z.enum(['hubspot', 'array']).optional(),
            normalize: z.enum(['mailchimp', 'hubspot']).optional(),
          }),
        )
        .optional(),
      relations: z
        .array(z.strictObject({ field, sync: syncId, relation: field.describe("a relation of side b (e.g. HubSpot's companies)") }))
        .optional(),
      conflicts: z.strictObject({ skew: durationSchema.optional(), ties: sideName.optional() }).optional(),
    })
    .describe('A Pipewright sync: two sides kept in agreement (docs/sync.md)')
}

/** The JSON Schema document written to schemas/sync.schema.json. */
export function syncJsonSchema(): Record<string, unknown> {
  const json = z.toJSONSchema(syncYamlSchema(), { target: 'draft-7', io: 'input', unrepresentable: 'any', reused: 'ref' })
  return {
    ...(json as Record<string, unknown>),
    $id: 'https://pipewright.dev/schemas/sync.schema.json',
    title: 'Pipewright sync',
  }
}
