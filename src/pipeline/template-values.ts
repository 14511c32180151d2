/**
 * Non-strings put into template strings. A JavaScript template literal turns an object into
 * `[object Object]`, so `` `Bearer ${someObject}` `` would send `Bearer [object Object]` to the
 * provider. `env()` references are made to interpolate as `${NAME}` (resolved like YAML's
 * placeholders, see define.ts); anything else that left `[object …]` in a string of the
 * definition is a validation problem naming the field.
 * @module
 */
import { isActionInvocation } from '../connectors/contract.js'

const OBJECT_TEXT = /\[object (EnvRef\(([^)]*)\)|[A-Za-z]+)\]/

function isPlain(v: object): boolean {
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null || Array.isArray(v)
}

/** Walk the definition's strings; report each one holding the text of an interpolated object. */
export function checkInterpolation(def: unknown, report: (field: string, message: string) => void): void {
  const walk = (v: unknown, path: string, depth: number): void => {
    if (typeof v === 'string') {
      const m = OBJECT_TEXT.exec(v)
      if (!m) return
      const message =
        m[2] !== undefined
          ? `env(${JSON.stringify(m[2])}) inside a template string cannot be resolved: the variable name must be upper-case letters, digits and _, and its fallback may not contain "}"`
          : `a non-string value was put into this string (it contains "${m[0]}"): pass the value itself, or build the string in a function of the scope, e.g. ({ lead }) => \`Hi \${lead.name}\``
      report(path, message)
      return
    }
    if (depth > 32 || typeof v !== 'object' || v === null) return
    if (isActionInvocation(v)) {
      walk(v.params, `${path}.with`, depth + 1)
      return
    }
    if (!isPlain(v)) return
    if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) walk(x, `${path}[${i}]`, depth + 1)
    } else for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k, depth + 1)
  }
  walk(def, '', 0)
}
