/**
 * Tables of the Airtable emulator: records in creation order, optional field schemas (unknown
 * field names, select options and numbers are then checked, `typecast` converts), and the
 * record writes shared by create, update and upsert.
 * @module
 */
export type FieldType = 'text' | 'number' | 'checkbox' | 'singleSelect' | 'multipleSelects' | 'lastModifiedTime'

export interface FieldSpec {
  type: FieldType
  /** Choices of a select field. */
  options?: string[]
}

export interface EmuRecord {
  id: string
  createdTime: string
  /** When any field last changed (ISO); what `LAST_MODIFIED_TIME()` and `lastModifiedTime` fields read. */
  modifiedTime: string
  fields: Record<string, unknown>
}

export interface TableState {
  /** Field schema; any field name is accepted when absent. */
  schema?: Record<string, FieldSpec>
  records: EmuRecord[]
}

/** A refusal in Airtable's shape: HTTP status, error type and message. */
export class AirtableFault extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message)
  }
}

function coerce(name: string, spec: FieldSpec, value: unknown, typecast: boolean): unknown {
  if (value === null || value === undefined) return null
  switch (spec.type) {
    case 'number': {
      if (typeof value === 'number') return value
      const n = Number(value)
      if (typecast && typeof value === 'string' && value.trim() !== '' && Number.isFinite(n)) return n
      throw new AirtableFault(422, 'INVALID_VALUE_FOR_COLUMN', `Field "${name}" cannot accept the provided value`)
    }
    case 'checkbox':
      if (typeof value === 'boolean') return value
      if (typecast) return value === 'true' || value === 1 || value === '1'
      throw new AirtableFault(422, 'INVALID_VALUE_FOR_COLUMN', `Field "${name}" cannot accept the provided value`)
    case 'singleSelect':
    case 'multipleSelects': {
      const list = spec.type === 'multipleSelects' ? (Array.isArray(value) ? value : [value]) : [value]
      spec.options ??= []
      for (const v of list.map(String)) {
        if (spec.options.includes(v)) continue
        if (!typecast)
          throw new AirtableFault(422, 'INVALID_MULTIPLE_CHOICE_OPTIONS', `Insufficient permissions to create new select option ""${v}""`)
        spec.options.push(v)
      }
      return spec.type === 'multipleSelects' ? list.map(String) : String(value)
    }
    default:
      if (typeof value === 'string') return value
      if (typecast) return String(value)
      throw new AirtableFault(422, 'INVALID_VALUE_FOR_COLUMN', `Field "${name}" cannot accept the provided value`)
  }
}

/** Fields after schema checks (and `typecast` conversion). */
export function checkFields(table: TableState, fields: unknown, typecast: boolean): Record<string, unknown> {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields))
    throw new AirtableFault(422, 'INVALID_REQUEST_MISSING_FIELDS', 'Could not find field "fields" in the request body')
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(fields)) {
    const spec = table.schema?.[name]
    if (table.schema && !spec) throw new AirtableFault(422, 'UNKNOWN_FIELD_NAME', `Unknown field name: "${name}"`)
    if (spec?.type === 'lastModifiedTime')
      throw new AirtableFault(422, 'INVALID_VALUE_FOR_COLUMN', `Field "${name}" cannot accept a value because the field is computed`)
    out[name] = spec ? coerce(name, spec, value, typecast) : value
  }
  return out
}

const isEmpty = (v: unknown) => v === null || v === undefined || v === '' || v === false || (Array.isArray(v) && v.length === 0)

/** A record's fields with computed ones (`lastModifiedTime` fields) filled in. */
export function fieldsOf(table: TableState, r: EmuRecord): Record<string, unknown> {
  const out = { ...r.fields }
  for (const [name, spec] of Object.entries(table.schema ?? {})) if (spec.type === 'lastModifiedTime') out[name] = r.modifiedTime
  return out
}

/** A record as the API returns it: computed fields filled, empty fields omitted, optionally only some fields. */
export function present(table: TableState, r: EmuRecord, only?: string[]): Omit<EmuRecord, 'modifiedTime'> {
  const fields = Object.fromEntries(Object.entries(fieldsOf(table, r)).filter(([k, v]) => !isEmpty(v) && (!only || only.includes(k))))
  return { id: r.id, createdTime: r.createdTime, fields }
}

export function mergeKey(fields: Record<string, unknown>, on: string[]): string {
  return JSON.stringify(on.map((f) => (isEmpty(fields[f]) ? null : fields[f])))
}
