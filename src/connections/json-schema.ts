/**
 * `schemas/connection.schema.json`: a JSON Schema of connection files (`connections/*.yaml`),
 * made from the zod schema in schema.ts, for yaml-language-server — one definition, or a file
 * holding `connections:` and its list.
 * @module
 */
import { z } from 'zod'
import { connectionDefinitionSchema } from './schema.js'

export function connectionJsonSchema(): Record<string, unknown> {
  const file = z.union([connectionDefinitionSchema, z.object({ connections: z.array(connectionDefinitionSchema) }).strict()])
  return {
    ...(z.toJSONSchema(file, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>),
    $id: 'https://pipewright.dev/schemas/connection.schema.json',
    title: 'Pipewright connection file',
  }
}
