/**
 * A small evaluator of Airtable formulas for `filterByFormula` in the emulator: field
 * references `{Name}`, string and number literals, `= != < > <= >=`, `&`, and the functions
 * AND, OR, NOT, LOWER, UPPER, TRIM, LEN, BLANK, TRUE, FALSE, FIND, and for dates
 * LAST_MODIFIED_TIME() (the record's modification time), RECORD_ID(), IS_AFTER, IS_BEFORE, IS_SAME (exact
 * instant; a unit argument is accepted and ignored) and DATETIME_PARSE. Anything else is a
 * {@link FormulaError} (the emulator answers 422 INVALID_FILTER_BY_FORMULA).
 * @module
 */
export class FormulaError extends Error {}

type Value = string | number | boolean | null
type Node =
  | { k: 'lit'; v: Value }
  | { k: 'field'; name: string }
  | { k: 'call'; fn: string; args: Node[] }
  | { k: 'bin'; op: string; a: Node; b: Node }

const TOKEN =
  /\s*(?:(\{[^}]*\})|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(\d+(?:\.\d+)?)|(!=|<=|>=|=|<|>|&|\(|\)|,)|([A-Za-z_][A-Za-z0-9_]*))/y

function tokenize(src: string): string[] {
  const out: string[] = []
  TOKEN.lastIndex = 0
  while (TOKEN.lastIndex < src.length) {
    if (/^\s*$/.test(src.slice(TOKEN.lastIndex))) break
    const m = TOKEN.exec(src)
    if (!m) throw new FormulaError(`unexpected character at ${TOKEN.lastIndex}`)
    out.push(m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5])
  }
  return out
}

const FUNCTIONS = [
  'AND',
  'OR',
  'NOT',
  'LOWER',
  'UPPER',
  'TRIM',
  'LEN',
  'BLANK',
  'TRUE',
  'FALSE',
  'FIND',
  'LAST_MODIFIED_TIME',
  'RECORD_ID',
  'IS_AFTER',
  'IS_BEFORE',
  'IS_SAME',
  'DATETIME_PARSE',
]
const LEVELS = [['=', '!='], ['<', '>', '<=', '>='], ['&']]

export function parseFormula(src: string): Node {
  const toks = tokenize(src)
  let i = 0
  const peek = () => toks[i]
  const take = (want?: string) => {
    const t = toks[i++]
    if (t === undefined || (want !== undefined && t !== want))
      throw new FormulaError(`expected ${want ?? 'a value'} but found ${t ?? 'the end'}`)
    return t
  }
  const binary = (level: number): Node => {
    if (level === LEVELS.length) return primary()
    let a = binary(level + 1)
    while (LEVELS[level].includes(peek())) a = { k: 'bin', op: take(), a, b: binary(level + 1) }
    return a
  }
  const primary = (): Node => {
    const t = take()
    if (t.startsWith('{')) return { k: 'field', name: t.slice(1, -1) }
    if (t.startsWith('"') || t.startsWith("'")) return { k: 'lit', v: t.slice(1, -1).replace(/\\(.)/g, '$1') }
    if (/^\d/.test(t)) return { k: 'lit', v: Number(t) }
    if (t === '(') {
      const inner = binary(0)
      take(')')
      return inner
    }
    if (/^[A-Za-z_]/.test(t)) {
      take('(')
      const args: Node[] = []
      if (peek() !== ')') {
        args.push(binary(0))
        while (peek() === ',') {
          take(',')
          args.push(binary(0))
        }
      }
      take(')')
      const fn = t.toUpperCase()
      if (!FUNCTIONS.includes(fn)) throw new FormulaError(`unknown function ${fn}()`)
      return { k: 'call', fn, args }
    }
    throw new FormulaError(`unexpected ${t}`)
  }
  const node = binary(0)
  if (i !== toks.length) throw new FormulaError(`unexpected ${toks[i]}`)
  return node
}

const truthy = (v: Value) => v !== null && v !== false && v !== 0 && v !== ''
const str = (v: Value) => (v === null ? '' : String(v))

function compare(op: string, a: Value, b: Value): boolean {
  if (op === '=' || op === '!=') {
    const eq = typeof a === 'number' || typeof b === 'number' ? Number(a ?? 0) === Number(b ?? 0) : str(a) === str(b)
    return op === '=' ? eq : !eq
  }
  const [x, y] = typeof a === 'number' || typeof b === 'number' ? [Number(a ?? 0), Number(b ?? 0)] : [str(a), str(b)]
  return op === '<' ? x < y : op === '>' ? x > y : op === '<=' ? x <= y : x >= y
}

/** What a formula knows about its record besides its fields. */
export interface RecordMeta {
  id?: string
  /** ISO time the record last changed (`LAST_MODIFIED_TIME()`). */
  modifiedTime?: string
}

/** Epoch ms of a date value; a value that is no date is a formula error (Airtable's #ERROR!). */
function instant(v: Value): number {
  const t = typeof v === 'number' ? v : Date.parse(str(v))
  if (!Number.isFinite(t)) throw new FormulaError(`not a date: ${str(v)}`)
  return t
}

export function evaluate(node: Node, fields: Record<string, unknown>, meta: RecordMeta = {}): Value {
  switch (node.k) {
    case 'lit':
      return node.v
    case 'field': {
      const v = fields[node.name]
      if (v === undefined || v === null) return null
      if (Array.isArray(v)) return v.join(', ')
      return typeof v === 'object' ? JSON.stringify(v) : (v as Value)
    }
    case 'bin': {
      const a = evaluate(node.a, fields, meta)
      const b = evaluate(node.b, fields, meta)
      return node.op === '&' ? str(a) + str(b) : compare(node.op, a, b)
    }
    case 'call': {
      const args = node.args.map((n) => evaluate(n, fields, meta))
      switch (node.fn) {
        case 'AND':
          return args.every(truthy)
        case 'OR':
          return args.some(truthy)
        case 'NOT':
          return !truthy(args[0] ?? null)
        case 'LOWER':
          return str(args[0] ?? null).toLowerCase()
        case 'UPPER':
          return str(args[0] ?? null).toUpperCase()
        case 'TRIM':
          return str(args[0] ?? null).trim()
        case 'LEN':
          return str(args[0] ?? null).length
        case 'BLANK':
          return null
        case 'TRUE':
          return true
        case 'FALSE':
          return false
        case 'FIND':
          return str(args[1] ?? null).indexOf(str(args[0] ?? null)) + 1
        case 'RECORD_ID':
          return meta.id ?? null
        case 'LAST_MODIFIED_TIME':
          return meta.modifiedTime ?? null
        case 'DATETIME_PARSE':
          return new Date(instant(args[0] ?? null)).toISOString()
        case 'IS_AFTER':
        case 'IS_BEFORE':
        case 'IS_SAME': {
          if (args[0] === null || args[1] === null || args[0] === undefined || args[1] === undefined) return false
          const [x, y] = [instant(args[0]), instant(args[1])]
          return node.fn === 'IS_AFTER' ? x > y : node.fn === 'IS_BEFORE' ? x < y : x === y
        }
        default:
          throw new FormulaError(`unknown function ${node.fn}()`)
      }
    }
  }
}

/** Compile a formula into a record predicate; throws FormulaError for what it cannot read. */
export function compileFilter(src: string): (fields: Record<string, unknown>, meta?: RecordMeta) => boolean {
  const node = parseFormula(src)
  return (fields, meta) => truthy(evaluate(node, fields, meta))
}
