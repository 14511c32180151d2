/**
 * A synchronous evaluator for the everyday subset of JSONata: field paths, literals,
 * arithmetic, comparisons, `and`/`or`, `? :`, `&`, object constructors and the Pipewright
 * `$functions`. JSONata 2 only evaluates asynchronously and costs tens of microseconds per
 * call; most pipeline expressions (`{{ lead.domain }}`, `{{ event.intent * 0.4 + … }}`) need
 * none of its machinery.
 *
 * Whenever the data or the expression steps outside what this subset handles with JSONata's
 * exact semantics (arrays in a path, mixed-type comparisons, errors), evaluation throws
 * {@link BAIL} and the caller evaluates the same expression with JSONata itself, so results
 * are always JSONata's.
 * @module
 */

/** Thrown when the fast path cannot promise JSONata's result; the caller falls back. */
export const BAIL: unique symbol = Symbol('pipewright.expr.bail')

type Fn = (input: Record<string, unknown>) => unknown
type Node = { type: string; value?: unknown; [k: string]: any }

const bail = (): never => {
  throw BAIL
}

/** JSONata's boolean cast, for the values the subset deals in. */
function truthy(v: unknown): boolean {
  if (v === undefined || v === null) return false
  if (typeof v === 'boolean') return v
  if (typeof v === 'number') return v !== 0
  if (typeof v === 'string') return v.length > 0
  return bail()
}

function num(v: unknown): number | undefined {
  if (v === undefined) return undefined
  if (typeof v === 'number') return v
  return bail()
}

const BUILTINS: Record<string, (...a: unknown[]) => unknown> = {
  lowercase: (s) => (s === undefined ? undefined : typeof s === 'string' ? s.toLowerCase() : bail()),
  uppercase: (s) => (s === undefined ? undefined : typeof s === 'string' ? s.toUpperCase() : bail()),
  exists: (v) => v !== undefined,
}

/**
 * Compile a JSONata AST to a synchronous function, or return null when the expression uses
 * anything outside the subset (it is then always evaluated by JSONata).
 */
export function compileFast(ast: Node, functions: Record<string, (...args: any[]) => unknown>): Fn | null {
  try {
    return build(ast, functions)
  } catch (e) {
    if (e === UNSUPPORTED) return null
    throw e
  }
}

const UNSUPPORTED = Symbol('unsupported')
const unsupported = (): never => {
  throw UNSUPPORTED
}

function build(node: Node, fns: Record<string, (...args: any[]) => unknown>): Fn {
  switch (node.type) {
    case 'number':
    case 'string':
    case 'value': {
      const v = node.value
      return () => v
    }
    case 'path': {
      const steps = node.steps as Node[]
      if (node.keepSingletonArray || node.tuple || node.group) return unsupported()
      const names = steps.map((s) =>
        s.type === 'name' && !s.stages && !s.predicate && !s.group && !s.tuple && !s.focus && !s.index ? String(s.value) : unsupported(),
      )
      return (input) => {
        let v: unknown = input
        for (const name of names) {
          if (v === undefined || v === null) return undefined
          if (typeof v !== 'object' || Array.isArray(v)) return bail()
          // Own properties only: `event.constructor` must never reach a prototype.
          v = Object.hasOwn(v, name) ? (v as Record<string, unknown>)[name] : undefined
        }
        return Array.isArray(v) || typeof v === 'function' ? bail() : v
      }
    }
    case 'unary': {
      if (node.value === '-') {
        const e = build(node.expression, fns)
        return (i) => {
          const v = num(e(i))
          return v === undefined ? undefined : -v
        }
      }
      if (node.value === '{') {
        const pairs = (node.lhs as Node[][]).map(([k, v]) =>
          k!.type === 'string' ? ([String(k!.value), build(v!, fns)] as const) : unsupported(),
        )
        return (i) => {
          const out: Record<string, unknown> = {}
          for (const [k, f] of pairs) {
            const v = f(i)
            if (v !== undefined) out[k] = v
          }
          return out
        }
      }
      return unsupported()
    }
    case 'binary': {
      const l = build(node.lhs, fns)
      const r = build(node.rhs, fns)
      return binary(String(node.value), l, r)
    }
    case 'condition': {
      const c = build(node.condition, fns)
      const t = build(node.then, fns)
      const e = node.else === undefined ? () => undefined : build(node.else, fns)
      return (i) => (truthy(c(i)) ? t(i) : e(i))
    }
    case 'function': {
      const proc = node.procedure as Node
      if (proc.type !== 'variable') return unsupported()
      const name = String(proc.value)
      const fn = fns[name] ?? BUILTINS[name] ?? unsupported()
      const args = (node.arguments as Node[]).map((a) => build(a, fns))
      return (i) => {
        const v = fn(...args.map((a) => a(i)))
        // Functions returning arrays or promises need JSONata's sequence handling.
        if (Array.isArray(v) || (typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function')) return bail()
        return v === null && !(name in fns) ? bail() : v
      }
    }
    default:
      return unsupported()
  }
}

function binary(op: string, l: Fn, r: Fn): Fn {
  switch (op) {
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return (i) => {
        const a = num(l(i))
        const b = num(r(i))
        if (a === undefined || b === undefined) return undefined
        const v = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : op === '/' ? a / b : a % b
        return Number.isFinite(v) ? v : bail()
      }
    case '=':
    case '!=':
      return (i) => {
        const a = l(i)
        const b = r(i)
        if (a === undefined || b === undefined) return false
        if (typeof a === 'object' || typeof b === 'object') return bail()
        return op === '=' ? a === b : a !== b
      }
    case '<':
    case '<=':
    case '>':
    case '>=':
      return (i) => {
        const a = l(i)
        const b = r(i)
        if (a === undefined || b === undefined) return undefined
        if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string'))) return bail()
        return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b
      }
    case 'and':
      return (i) => truthy(l(i)) && truthy(r(i))
    case 'or':
      return (i) => truthy(l(i)) || truthy(r(i))
    case '&':
      return (i) => {
        const a = l(i)
        const b = r(i)
        const s = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : bail())
        return s(a) + s(b)
      }
    default:
      return unsupported()
  }
}
