/**
 * Request-body schemas of the Notion endpoints the emulator serves, transcribed (descriptions
 * dropped) from Notion's official OpenAPI file (makenotion/notion-mcp-server
 * `scripts/notion-openapi.json`, MIT, "Notion API 2025-09-03"); tests/emulators/notion-spec.test.ts
 * checks this table against the file. Plus a small JSON-Schema checker for the keywords these
 * schemas use (type, required, properties, additionalProperties, enum, const, oneOf, anyOf,
 * items, $ref, format uuid).
 *
 * Known gaps of that spec, filled from Notion's reference and SDK types (see SPEC_GAPS): the
 * `data_source_id` page parent, block children as objects, timestamp sorts.
 * @module
 */
export type Schema = Record<string, unknown>

export const SPEC_SCHEMAS: Record<string, Schema> = {
  richTextRequest: {
    type: 'object',
    required: ['text'],
    properties: {
      text: {
        type: 'object',
        required: ['content'],
        properties: {
          content: { type: 'string' },
          link: { type: ['object', 'null'], properties: { url: { type: 'string' } }, required: ['url'] },
        },
        additionalProperties: false,
      },
      type: { enum: ['text'], type: 'string' },
    },
    additionalProperties: false,
  },
  pageIdParentRequest: { type: 'object', properties: { page_id: { type: 'string', format: 'uuid' } }, required: ['page_id'] },
  dataSourceIdParentRequest: {
    type: 'object',
    properties: { type: { type: 'string', const: 'database_id' }, database_id: { type: 'string', format: 'uuid' } },
    required: ['database_id'],
  },
  parentRequest: {
    oneOf: [
      { $ref: '#/components/schemas/pageIdParentRequest' },
      { $ref: '#/components/schemas/dataSourceIdParentRequest' },
      { type: 'object', properties: { type: { const: 'workspace' } }, required: ['type'] },
    ],
  },
  sortObject: {
    type: 'object',
    required: ['property', 'direction'],
    properties: { property: { type: 'string' }, direction: { enum: ['ascending', 'descending'], type: 'string' } },
  },
}

/** Request bodies by operation id, as in the spec. */
export const SPEC_BODIES: Record<string, Schema> = {
  'post-page': {
    type: 'object',
    required: ['parent', 'properties'],
    properties: {
      parent: { $ref: '#/components/schemas/parentRequest' },
      properties: { type: 'object', additionalProperties: true },
      children: { type: 'array', items: { type: 'string' } },
      icon: { type: 'string', format: 'json' },
      cover: { type: 'string', format: 'json' },
    },
  },
  'patch-page': {
    type: 'object',
    properties: {
      properties: { type: 'object', additionalProperties: true },
      in_trash: { type: 'boolean', default: false },
      archived: { type: 'boolean' },
      icon: { type: 'object', properties: { emoji: { type: 'string' } }, additionalProperties: false, required: ['emoji'] },
      cover: {
        type: 'object',
        properties: {
          external: { type: 'object', properties: { url: { type: 'string' } }, additionalProperties: false, required: ['url'] },
          type: { enum: ['external'], type: 'string' },
        },
        required: ['external'],
        additionalProperties: false,
      },
    },
  },
  'query-data-source': {
    type: 'object',
    properties: {
      filter: { type: 'object' },
      sorts: { type: 'array', items: { $ref: '#/components/schemas/sortObject' } },
      start_cursor: { type: 'string' },
      page_size: { type: 'integer', default: 100 },
      archived: { type: 'boolean' },
      in_trash: { type: 'boolean' },
    },
  },
}

/** Where the spec is narrower than the API the SDK speaks (applied on top of SPEC_*). */
export const SPEC_GAPS = {
  /** `{type:'data_source_id', data_source_id}`, the 2025-09-03 parent of a page in a data source. */
  dataSourceParent: {
    type: 'object',
    properties: { type: { const: 'data_source_id' }, data_source_id: { type: 'string', format: 'uuid' } },
    required: ['data_source_id'],
  } as Schema,
  /** Blocks are objects on the wire (the file types them as strings for its MCP tool). */
  children: { type: 'array', items: { type: 'object' } } as Schema,
  /** `{timestamp, direction}` sorts are accepted besides `{property, direction}`. */
  timestampSort: {
    type: 'object',
    required: ['timestamp', 'direction'],
    properties: { timestamp: { enum: ['created_time', 'last_edited_time'] }, direction: { enum: ['ascending', 'descending'] } },
  } as Schema,
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i

function typeOf(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number'
  return typeof v
}

const show = (v: unknown) => (v === undefined ? '`undefined`' : `\`${JSON.stringify(v)}\``)

/** Problems of `value` against `schema`, in Notion's wording ("body.x should be …, instead was …"). */
export function check(schema: Schema, value: unknown, path = 'body'): string[] {
  if (typeof schema.$ref === 'string') return check(SPEC_SCHEMAS[schema.$ref.split('/').pop() as string] ?? {}, value, path)
  for (const key of ['oneOf', 'anyOf'] as const) {
    const options = schema[key] as Schema[] | undefined
    if (!options) continue
    const passing = options.filter((s) => check(s, value, path).length === 0).length
    if (key === 'oneOf' ? passing !== 1 : passing === 0)
      return [`${path} should match ${key === 'oneOf' ? 'exactly one' : 'one'} of the accepted shapes, instead was ${show(value)}.`]
  }
  if (value === undefined) return []
  if ('const' in schema && value !== schema.const) return [`${path} should be ${show(schema.const)}, instead was ${show(value)}.`]
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    return [`${path} should be one of ${schema.enum.map(show).join(', ')}, instead was ${show(value)}.`]
  if (schema.type !== undefined) {
    const types = (Array.isArray(schema.type) ? schema.type : [schema.type]) as string[]
    const t = typeOf(value)
    if (!types.includes(t) && !(t === 'integer' && types.includes('number')))
      return [`${path} should be ${types.join(' or ')}, instead was ${show(value)}.`]
  }
  if (schema.format === 'uuid' && typeof value === 'string' && !UUID.test(value))
    return [`${path} should be a valid uuid, instead was ${show(value)}.`]
  const problems: string[] = []
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>
    const declared = (schema.properties ?? {}) as Record<string, Schema>
    for (const r of (schema.required ?? []) as string[])
      if (obj[r] === undefined) problems.push(`${path}.${r} should be defined, instead was \`undefined\`.`)
    for (const [k, v] of Object.entries(obj)) {
      if (declared[k]) problems.push(...check(declared[k], v, `${path}.${k}`))
      else if (schema.additionalProperties === false) problems.push(`${path}.${k} should be not present, instead was ${show(v)}.`)
      else if (typeof schema.additionalProperties === 'object')
        problems.push(...check(schema.additionalProperties as Schema, v, `${path}.${k}`))
    }
  }
  if (Array.isArray(value) && schema.items)
    for (const [i, v] of value.entries()) problems.push(...check(schema.items as Schema, v, `${path}[${i}]`))
  return problems
}

/** The post-page body schema with the gaps filled. */
export const POST_PAGE_BODY: Schema = {
  ...SPEC_BODIES['post-page'],
  properties: {
    ...(SPEC_BODIES['post-page'].properties as Schema),
    parent: { oneOf: [{ $ref: '#/components/schemas/parentRequest' }, SPEC_GAPS.dataSourceParent] },
    children: SPEC_GAPS.children,
    icon: {},
    cover: {},
  },
}

/** The data-source query body schema with timestamp sorts allowed. */
export const QUERY_BODY: Schema = {
  ...SPEC_BODIES['query-data-source'],
  properties: {
    ...(SPEC_BODIES['query-data-source'].properties as Schema),
    sorts: { type: 'array', items: { anyOf: [{ $ref: '#/components/schemas/sortObject' }, SPEC_GAPS.timestampSort] } },
  },
}
