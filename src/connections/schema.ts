/**
 * The shape of a connection definition, checked with zod so a mistake names its file and
 * field. Connector settings are checked later by the connector's own schema.
 * @module
 */
import { z } from 'zod'
import type { Problem } from '../errors.js'
import { tryParseDuration } from '../pipeline/duration.js'
import { nearestKey } from '../pipeline/suggest.js'
import type { ConnectionDefinition } from './types.js'

const name = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'use letters, digits, "-" and "_"')

export const credentialRefSchema = z.union([
  name,
  z.object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name') }).strict(),
  z.object({ credential: name }).strict(),
])

const planRate = z
  .object({
    name: z.string().min(1),
    limit: z.number().int().positive(),
    per: z.union([z.string(), z.number()]).refine((v) => typeof tryParseDuration(v) === 'number' && tryParseDuration(v) !== 0, {
      message: 'a duration such as "10s", "1m" or milliseconds',
    }),
    actions: z.array(z.string()).optional(),
    scope: z.enum(['connection', 'action']).optional(),
  })
  .strict()

export const connectionDefinitionSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9]*:[a-z0-9][a-z0-9_-]*$/i, 'must be "<service>:<name>", e.g. "hubspot:main"'),
    service: z.string().optional(),
    credential: credentialRefSchema.optional(),
    baseUrl: z.string().url().optional(),
    plan: z
      .union([
        z.string().min(1),
        z
          .object({
            name: z.string().optional(),
            rates: z.array(planRate).optional(),
            maxConcurrent: z.number().int().positive().optional(),
          })
          .strict(),
      ])
      .optional(),
    budgets: z
      .array(
        z
          .object({
            name: z.string().min(1),
            period: z.enum(['day', 'month', 'lifetime']),
            limit: z.number().int().positive(),
            actions: z.array(z.string()).optional(),
          })
          .strict(),
      )
      .optional(),
    onBudgetExhausted: z.enum(['wait', 'dead-letter']).optional(),
    circuit: z
      .object({ failureThreshold: z.number().int().positive().optional(), halfOpenAfterMs: z.number().int().positive().optional() })
      .strict()
      .optional(),
    allowPrivateNetwork: z.union([z.boolean(), z.string(), z.array(z.string())]).optional(),
    owner: z.string().optional(),
    tags: z.array(z.string()).optional(),
    description: z.string().optional(),
    settings: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()

/** Check one definition; problems name `file` and the field path. */
export function checkConnectionDefinition(value: unknown, file: string | undefined, index?: number): Problem[] {
  const parsed = connectionDefinitionSchema.safeParse(value)
  if (parsed.success) {
    const def = parsed.data as ConnectionDefinition
    const prefix = def.id.slice(0, def.id.indexOf(':'))
    if (def.service !== undefined && def.service !== prefix)
      return [{ file, field: fieldOf(index, 'service'), message: `"${def.service}" differs from the id's service "${prefix}"` }]
    return []
  }
  return parsed.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      // One problem per key, naming the nearest valid one when it is close (validate's strictness).
      const known = keysAt(issue.path.map(String))
      const near = issue.keys.map((k) => (known ? nearestKey(k, known) : null))
      if (near.some(Boolean))
        return issue.keys.map((k, i) => ({
          file,
          field: fieldOf(index, ...issue.path.map(String), k),
          message: `unknown key "${k}"${near[i] ? `; did you mean ${near[i]}?` : `; expected ${known!.join(', ')}`}`,
        }))
    }
    return [
      {
        file,
        field: fieldOf(index, ...issue.path.map(String)),
        message:
          issue.code === 'unrecognized_keys'
            ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}${issue.path.length === 0 ? '; connector settings go under "settings"' : ''}`
            : issue.message,
      },
    ]
  })
}

/** The keys of the object schema at `path` inside a connection definition, or null. */
function keysAt(path: string[]): string[] | null {
  let node: unknown = connectionDefinitionSchema
  const unwrap = (n: unknown): unknown => {
    let cur = n as { unwrap?: () => unknown; shape?: unknown }
    while (cur && typeof cur.unwrap === 'function' && !cur.shape) cur = cur.unwrap() as typeof cur
    return cur
  }
  for (const seg of path) {
    const cur = unwrap(node) as { shape?: Record<string, unknown>; element?: unknown }
    if (cur?.shape && seg in cur.shape) node = cur.shape[seg]
    else if (cur?.element && /^\d+$/.test(seg)) node = cur.element
    else return null
  }
  const shape = (unwrap(node) as { shape?: Record<string, unknown> })?.shape
  return shape ? Object.keys(shape) : null
}

function fieldOf(index: number | undefined, ...path: string[]): string {
  return [index === undefined ? null : `connections[${index}]`, ...path].filter(Boolean).join('.') || '(root)'
}
