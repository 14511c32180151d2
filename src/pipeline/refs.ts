/**
 * Static check of `{{ }}` templates: the first name of every top-level path must be `event`,
 * `run`, `item`, `index` or the id of an earlier step, so a typo fails at `validate`.
 * @module
 */
import jsonata from 'jsonata'

const TEMPLATE = /\{\{([\s\S]*?)\}\}/g

/** Problems found in the templates inside `value` (plain data only). */
export function checkTemplateRefs(value: unknown, visible: string[], depth = 0): string[] {
  if (typeof value === 'string') {
    const problems: string[] = []
    for (const m of value.matchAll(TEMPLATE)) {
      let ast: unknown
      try {
        ast = jsonata(m[1]!).ast()
      } catch {
        continue // syntax errors are reported by the expression compiler with their position
      }
      for (const name of rootNames(ast)) {
        if (!visible.includes(name))
          problems.push(`expression {{${m[1]}}} refers to unknown step "${name}"; known here: ${visible.join(', ')}`)
      }
    }
    return problems
  }
  if (depth > 32 || typeof value !== 'object' || value === null) return []
  const values = Array.isArray(value) ? value : Object.values(value)
  return values.flatMap((v) => checkTemplateRefs(v, visible, depth + 1))
}

/** Names that start top-level paths (not those inside predicates, which are relative). */
function rootNames(node: any, out = new Set<string>()): Set<string> {
  if (!node || typeof node !== 'object') return out
  if (Array.isArray(node)) {
    for (const n of node) rootNames(n, out)
    return out
  }
  switch (node.type) {
    case 'name':
      out.add(node.value)
      return out
    case 'path': {
      const first = node.steps?.[0]
      if (first?.type === 'name') out.add(first.value)
      else rootNames(first, out)
      return out
    }
    case 'variable':
    case 'string':
    case 'number':
    case 'value':
    case 'regex':
      return out
    case 'lambda':
      return out // parameters shadow names; skip
    default:
      for (const key of ['lhs', 'rhs', 'expression', 'expressions', 'arguments', 'condition', 'then', 'else', 'procedure']) {
        const child = node[key]
        if (child === undefined) continue
        if (key === 'lhs' && node.type === 'unary' && Array.isArray(child)) {
          for (const pair of child) rootNames(pair, out)
        } else rootNames(child, out)
      }
      return out
  }
}
