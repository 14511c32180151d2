/**
 * Optional payload validation per webhook trigger: a zod schema (TypeScript pipelines), any
 * Standard Schema validator, or a JSON Schema object (YAML pipelines, converted once with
 * zod's `z.fromJSONSchema`). Validation reports EVERY failing path, not just the first.
 *
 * @example
 * ```ts
 * const validate = compileSchema({ type: 'object', required: ['email'], properties: { email: { type: 'string', format: 'email' } } })
 * validate({ email: 'nope' }) // [{ path: 'email', message: 'Invalid email address' }]
 * ```
 * @module
 */
import { z } from 'zod'
import { ErrorCodes, PipewrightError } from '../../errors.js'

export interface SchemaIssue {
  /** Dot/bracket path into the payload, e.g. `contacts[2].email`; empty for the payload itself. */
  path: string
  message: string
}

/** Returns the problems of a payload; an empty list means it is valid. */
export type PayloadValidator = (payload: unknown) => SchemaIssue[]

type PathKey = PropertyKey | { key: PropertyKey }

export function formatPath(path: readonly PathKey[] | undefined): string {
  let out = ''
  for (const seg of path ?? []) {
    const key = typeof seg === 'object' && seg !== null ? seg.key : seg
    if (typeof key === 'number') out += `[${key}]`
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key
    else out += `[${JSON.stringify(String(key))}]`
  }
  return out
}

interface SafeParser {
  safeParse(v: unknown): { success: boolean; error?: { issues: Array<{ path: PathKey[]; message: string }> } }
}
interface StandardSchema {
  '~standard': { validate(v: unknown): unknown }
}

function isSafeParser(s: unknown): s is SafeParser {
  return typeof s === 'object' && s !== null && typeof (s as SafeParser).safeParse === 'function'
}
function isStandardSchema(s: unknown): s is StandardSchema {
  return typeof s === 'object' && s !== null && typeof (s as StandardSchema)['~standard']?.validate === 'function'
}

function fromParser(schema: SafeParser): PayloadValidator {
  return (payload) => {
    const r = schema.safeParse(payload)
    return r.success ? [] : (r.error?.issues ?? []).map((i) => ({ path: formatPath(i.path), message: i.message }))
  }
}

function fromStandard(schema: StandardSchema): PayloadValidator {
  return (payload) => {
    const r = schema['~standard'].validate(payload) as { issues?: Array<{ path?: PathKey[]; message: string }> } | Promise<unknown>
    if (r instanceof Promise)
      throw new PipewrightError('webhook schema validates asynchronously; use a synchronous schema', { code: ErrorCodes.CONFIG_INVALID })
    return (r.issues ?? []).map((i) => ({ path: formatPath(i.path), message: i.message }))
  }
}

const SUBSCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']
const SUBSCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems']
const SUBSCHEMAS = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains']

/**
 * A copy of a JSON Schema with two gaps of `z.fromJSONSchema` (zod 4.6) closed: `required`
 * names missing from `properties` are ignored by it, and so are array limits (`minItems`,
 * …) when `items` is absent. Both are filled with the always-true schema `{}`.
 */
export function normalizeJsonSchema(node: unknown): unknown {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return node
  const out: Record<string, unknown> = { ...(node as Record<string, unknown>) }
  for (const key of SUBSCHEMA_MAPS) {
    const map = out[key]
    if (typeof map === 'object' && map !== null)
      out[key] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, normalizeJsonSchema(v)]))
  }
  for (const key of SUBSCHEMA_LISTS) if (Array.isArray(out[key])) out[key] = (out[key] as unknown[]).map(normalizeJsonSchema)
  for (const key of SUBSCHEMAS) if (key in out) out[key] = normalizeJsonSchema(out[key])
  if (Array.isArray(out.required)) {
    const props = { ...((out.properties as Record<string, unknown> | undefined) ?? {}) }
    for (const name of out.required) if (typeof name === 'string' && !Object.hasOwn(props, name)) props[name] = {}
    out.properties = props
  }
  const arrayish = out.type === 'array' || ['minItems', 'maxItems', 'uniqueItems'].some((k) => k in out)
  if (arrayish && !('items' in out) && !('prefixItems' in out)) out.items = {}
  return out
}

/** Build a validator; throws PW_CONFIG_INVALID when the schema itself is unusable. */
export function compileSchema(schema: unknown): PayloadValidator {
  if (isSafeParser(schema)) return fromParser(schema)
  if (isStandardSchema(schema)) return fromStandard(schema)
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new PipewrightError('trigger.webhook.schema must be a zod schema or a JSON Schema object', { code: ErrorCodes.CONFIG_INVALID })
  }
  try {
    return fromParser(z.fromJSONSchema(normalizeJsonSchema(schema) as Parameters<typeof z.fromJSONSchema>[0]))
  } catch (e) {
    throw new PipewrightError(`trigger.webhook.schema is not a usable JSON Schema: ${(e as Error).message}`, {
      code: ErrorCodes.CONFIG_INVALID,
      cause: e,
    })
  }
}

const cache = new WeakMap<object, PayloadValidator>()

/** {@link compileSchema}, memoised per schema object so a trigger's schema compiles once. */
export function validatorFor(schema: object): PayloadValidator {
  let v = cache.get(schema)
  if (!v) {
    v = compileSchema(schema)
    cache.set(schema, v)
  }
  return v
}
