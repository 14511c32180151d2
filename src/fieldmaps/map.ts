/**
 * `mapFields(record, 'contact', 'hubspot')`: a standard record in, the platform's field names
 * and value formats out. `fieldMap(...)` wraps it as a `map` step value that `validate` can see.
 *
 * @example
 * ```ts
 * import { fieldMap, mapFields } from 'pipewright/fieldmaps'
 * mapFields({ email: 'Ada@X.co', firstName: 'Ada', createdAt: '2026-01-31' }, 'contact', 'hubspot')
 * // → { email: 'ada@x.co', firstname: 'Ada', createdate: '2026-01-31T00:00:00.000Z' }
 * { id: 'hs', map: fieldMap('contact', 'hubspot', ({ lead }) => lead) }
 * ```
 * @module
 */
import { NonRetryableError } from '../errors.js'
import type { Scope } from '../pipeline/types.js'
import { coerceValue } from './coerce.js'
import { type ConnectorField, STANDARD_OBJECTS, type StandardObject, tryGetObjectFields } from './registry.js'

/** A value that cannot be written: names the object, field, connector field and the value. */
export class FieldMapError extends NonRetryableError {
  readonly field: string
  constructor(message: string, field: string) {
    super(message)
    this.name = 'FieldMapError'
    this.field = field
  }
}

export interface MapOptions {
  /** Extra or replaced fields: standard (or your own) field → platform field and type. */
  fields?: Record<string, ConnectorField>
  /** Fail on input fields the map does not know. @defaultValue false (they are ignored) */
  strict?: boolean
}

export function mapFields(
  record: Record<string, unknown>,
  object: StandardObject,
  connector: string,
  options: MapOptions = {},
): Record<string, unknown> {
  const fields = resolveFields(object, connector, options)
  if (typeof record !== 'object' || record === null)
    throw new FieldMapError(`${object} → ${connector}: expected a record, got ${record === null ? 'null' : typeof record}`, '')
  const std = STANDARD_OBJECTS[object]
  const out: Record<string, unknown> = {}
  for (const [key, spec] of Object.entries(std)) {
    if (spec.required && isEmpty(record[key]))
      throw new FieldMapError(`${object}.${key} is required for ${connector} ("${fields[key]?.name ?? key}") but is empty`, key)
  }
  for (const [key, value] of Object.entries(record)) {
    const target = fields[key]
    if (!target) {
      if (options.strict)
        throw new FieldMapError(`${object}.${key} has no ${connector} field; known: ${Object.keys(fields).join(', ')}`, key)
      continue
    }
    if (isEmpty(value)) continue
    const c = coerceValue(value, std[key]?.type === 'enum' ? 'enum' : target.type, std[key]?.values)
    if (!c.ok) throw new FieldMapError(`${object}.${key} → ${connector} "${target.name}": ${c.message}`, key)
    const v = target.values && typeof c.value === 'string' ? (target.values[c.value] ?? c.value) : c.value
    setPath(out, target.name, v)
  }
  return out
}

/** The reverse: a platform record (its field names) to the standard object. */
export function toStandard(
  record: Record<string, unknown>,
  object: StandardObject,
  connector: string,
  options: MapOptions = {},
): Record<string, unknown> {
  const fields = resolveFields(object, connector, options)
  const std = STANDARD_OBJECTS[object]
  const out: Record<string, unknown> = {}
  for (const [key, target] of Object.entries(fields)) {
    let v = getPath(record, target.name)
    if (isEmpty(v) || (typeof v === 'string' && target.ignore?.includes(v))) continue
    if (target.values && typeof v === 'string') v = Object.entries(target.values).find(([, p]) => p === v)?.[0] ?? v
    const type = std[key]?.type ?? target.type
    const c = coerceValue(v, type, std[key]?.values)
    if (!c.ok) throw new FieldMapError(`${connector} "${target.name}" → ${object}.${key}: ${c.message}`, key)
    out[key] = c.value
  }
  return out
}

const FIELD_MAP = Symbol.for('pipewright.fieldMap')

export interface FieldMapUse {
  object: StandardObject
  connector: string
  options: MapOptions
}

/** A `map` step value that maps the record `from` returns; `validate` checks it. */
export function fieldMap(object: StandardObject, connector: string, from: (scope: Scope) => unknown, options: MapOptions = {}) {
  const fn = async (scope: Scope) => mapFields((await from(scope)) as Record<string, unknown>, object, connector, options)
  Object.defineProperty(fn, FIELD_MAP, { value: { object, connector, options } satisfies FieldMapUse })
  return fn
}

export function tryGetFieldMapUse(v: unknown): FieldMapUse | undefined {
  return typeof v === 'function' ? (v as unknown as Record<symbol, FieldMapUse | undefined>)[FIELD_MAP] : undefined
}

function resolveFields(object: StandardObject, connector: string, options: MapOptions): Record<string, ConnectorField> {
  const o = tryGetObjectFields(object, connector)
  if (typeof o === 'string') throw new FieldMapError(o, '')
  return { ...o.fields, ...(options.fields ?? {}) }
}

function isEmpty(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '')
}

function setPath(target: Record<string, unknown>, path: string, value: unknown) {
  const parts = path.split('.')
  let at = target
  for (const p of parts.slice(0, -1)) {
    if (typeof at[p] !== 'object' || at[p] === null) at[p] = {}
    at = at[p] as Record<string, unknown>
  }
  at[parts[parts.length - 1]!] = value
}

function getPath(source: Record<string, unknown>, path: string): unknown {
  if (path in source) return source[path]
  return path
    .split('.')
    .reduce<unknown>((at, p) => (typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[p] : undefined), source)
}
