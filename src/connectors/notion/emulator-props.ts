/**
 * Page properties in the Notion emulator: checking request values against a data source's
 * property schema (rich text items against the spec's `richTextRequest`, 2,000 characters per
 * item, 100 items per array), turning them into response values, and evaluating query filters.
 * @module
 */
import { check, SPEC_SCHEMAS } from './emulator-spec.js'

export type PropertyType =
  | 'title'
  | 'rich_text'
  | 'number'
  | 'select'
  | 'multi_select'
  | 'status'
  | 'date'
  | 'url'
  | 'email'
  | 'phone_number'
  | 'checkbox'
  | 'relation'

export interface PropertySpec {
  type: PropertyType
  /** Options of select, multi_select and status (select options are added on first use, as Notion does). */
  options?: string[]
}

export class NotionFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

const bad = (message: string) => new NotionFault(400, 'validation_error', message)
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function checkArray(path: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) throw bad(`${path} should be an array, instead was \`${JSON.stringify(v)}\`.`)
  if (v.length > 100) throw bad(`${path}.length should be ≤ \`100\`, instead was \`${v.length}\`.`)
  return v
}

function checkRichText(path: string, v: unknown): void {
  checkArray(path, v).forEach((item, i) => {
    const problems = check(SPEC_SCHEMAS.richTextRequest, item, `${path}[${i}]`)
    if (problems.length) throw bad(problems[0])
    const content = (item as { text: { content: string } }).text.content
    if (content.length > 2000) throw bad(`${path}[${i}].text.content.length should be ≤ \`2000\`, instead was \`${content.length}\`.`)
  })
}

function checkName(path: string, v: unknown): string {
  if (!isObj(v) || typeof v.name !== 'string') throw bad(`${path}.name should be a string, instead was \`${JSON.stringify(v)}\`.`)
  return v.name
}

/** Check one request value against its property spec; throws a validation_error NotionFault. */
export function checkValue(name: string, spec: PropertySpec, value: unknown): void {
  const path = `body.properties.${name}`
  if (!isObj(value) || !(spec.type in value)) throw bad(`${path}.${spec.type} should be defined, instead was \`undefined\`.`)
  const v = value[spec.type]
  const p = `${path}.${spec.type}`
  const nullable = (ok: boolean, what: string) => {
    if (v !== null && !ok) throw bad(`${p} should be ${what} or \`null\`, instead was \`${JSON.stringify(v)}\`.`)
  }
  switch (spec.type) {
    case 'title':
    case 'rich_text':
      checkRichText(p, v)
      return
    case 'number':
      nullable(typeof v === 'number', 'a number')
      return
    case 'url':
    case 'email':
    case 'phone_number':
      nullable(typeof v === 'string', 'a string')
      return
    case 'checkbox':
      if (typeof v !== 'boolean') throw bad(`${p} should be a boolean, instead was \`${JSON.stringify(v)}\`.`)
      return
    case 'date':
      if (v !== null && (!isObj(v) || typeof v.start !== 'string' || Number.isNaN(Date.parse(v.start))))
        throw bad(`${p}.start should be a valid ISO 8601 date string, instead was \`${JSON.stringify(isObj(v) ? v.start : v)}\`.`)
      return
    case 'select':
      if (v !== null) addOption(spec, checkName(p, v))
      return
    case 'multi_select':
      for (const [i, o] of checkArray(p, v).entries()) addOption(spec, checkName(`${p}[${i}]`, o))
      return
    case 'status': {
      const n = checkName(p, v)
      if (!(spec.options ?? []).includes(n)) throw bad(`Invalid status option. Status option "${n}" does not exist".`)
      return
    }
    case 'relation':
      for (const [i, o] of checkArray(p, v).entries())
        if (!isObj(o) || typeof o.id !== 'string') throw bad(`${p}[${i}].id should be a string, instead was \`${JSON.stringify(o)}\`.`)
      return
  }
}

function addOption(spec: PropertySpec, name: string): void {
  if (name.includes(',')) throw bad(`Select option names cannot contain commas: "${name}".`)
  spec.options ??= []
  if (!spec.options.includes(name)) spec.options.push(name)
}

const ANNOTATIONS = { bold: false, italic: false, strikethrough: false, underline: false, code: false, color: 'default' }

/** The response form of a stored request value. */
export function responseValue(id: string, spec: PropertySpec, value: Record<string, unknown>): Record<string, unknown> {
  let v = value[spec.type]
  if (spec.type === 'title' || spec.type === 'rich_text') {
    v = (v as Array<{ text: { content: string; link?: { url: string } | null } }>).map((i) => ({
      type: 'text',
      text: { content: i.text.content, link: i.text.link ?? null },
      annotations: ANNOTATIONS,
      plain_text: i.text.content,
      href: i.text.link?.url ?? null,
    }))
  }
  if (spec.type === 'date' && v) v = { start: (v as { start: string }).start, end: (v as { end?: string }).end ?? null, time_zone: null }
  return { id, type: spec.type, [spec.type]: v }
}

/** The comparable value of a stored property (text as plain text, options as names). */
export function plainValue(value: Record<string, unknown> | undefined): unknown {
  if (!value) return null
  const v = value[value.type as string]
  if (Array.isArray(v) && (value.type === 'title' || value.type === 'rich_text'))
    return v.map((i: { plain_text: string }) => i.plain_text).join('')
  if (value.type === 'select' || value.type === 'status') return (v as { name?: string } | null)?.name ?? null
  if (value.type === 'multi_select') return (v as Array<{ name: string }>).map((o) => o.name)
  if (value.type === 'date') return (v as { start?: string } | null)?.start ?? null
  if (value.type === 'relation') return (v as Array<{ id: string }>).map((o) => o.id)
  return v
}

const FILTER_OPS = ['equals', 'does_not_equal', 'contains', 'does_not_contain', 'is_empty', 'is_not_empty', 'greater_than', 'less_than']

/** A query filter as a predicate over a page's response properties. */
export function compileNotionFilter(
  filter: unknown,
): (properties: Record<string, Record<string, unknown>>, times?: { created_time: string; last_edited_time: string }) => boolean {
  if (!isObj(filter)) throw bad('body.filter should be an object.')
  if (Array.isArray(filter.and)) {
    const parts = filter.and.map(compileNotionFilter)
    return (p, t) => parts.every((f) => f(p, t))
  }
  if (Array.isArray(filter.or)) {
    const parts = filter.or.map(compileNotionFilter)
    return (p, t) => parts.some((f) => f(p, t))
  }
  if (filter.timestamp === 'last_edited_time' || filter.timestamp === 'created_time') {
    // timestamp filters: { timestamp, last_edited_time: { on_or_after | after | before | on_or_before | equals: iso } }
    const which = filter.timestamp
    const cond = filter[which]
    if (!isObj(cond)) throw bad(`body.filter.${which} should be an object.`)
    const [[op, want]] = Object.entries(cond)
    const at = Date.parse(String(want))
    if (Number.isNaN(at)) throw bad(`body.filter.${which}.${op} should be a date, instead was \`${JSON.stringify(want)}\`.`)
    const ops: Record<string, (x: number) => boolean> = {
      on_or_after: (x) => x >= at,
      after: (x) => x > at,
      before: (x) => x < at,
      on_or_before: (x) => x <= at,
      equals: (x) => x === at,
    }
    const test = ops[op]
    if (!test) throw bad(`body.filter.${which}.${op} is not supported by the emulator.`)
    return (_p, t) => t !== undefined && test(Date.parse(t[which]))
  }
  if (typeof filter.property !== 'string') throw bad('body.filter.property should be defined, instead was `undefined`.')
  const name = filter.property
  const condition = Object.entries(filter).find(([k]) => k !== 'property')
  if (!condition || !isObj(condition[1])) throw bad(`body.filter should have a condition for property ${name}.`)
  const [[op, want]] = Object.entries(condition[1])
  if (!FILTER_OPS.includes(op)) throw bad(`body.filter.${condition[0]}.${op} is not supported by the emulator.`)
  return (props) => {
    const got = plainValue(props[name])
    switch (op) {
      case 'equals':
        return Array.isArray(got) ? false : got === want
      case 'does_not_equal':
        return got !== want
      case 'contains':
        return Array.isArray(got) ? got.includes(want) : typeof got === 'string' && got.includes(String(want))
      case 'does_not_contain':
        return Array.isArray(got) ? !got.includes(want) : typeof got === 'string' && !got.includes(String(want))
      case 'is_empty':
        return got === null || got === '' || (Array.isArray(got) && got.length === 0)
      case 'is_not_empty':
        return !(got === null || got === '' || (Array.isArray(got) && got.length === 0))
      case 'greater_than':
        return typeof got === 'number' ? got > Number(want) : String(got ?? '') > String(want)
      case 'less_than':
        return typeof got === 'number' ? got < Number(want) : String(got ?? '') < String(want)
      default:
        return false
    }
  }
}
