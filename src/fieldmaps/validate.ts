/**
 * `validate`'s field-map check: every `fieldMap(...)` used by a pipeline names a known object
 * and connector, and every custom field goes to a field the connector declares, with a
 * compatible type.
 * @module
 */
import type { Problem } from '../errors.js'
import type { CompiledPipeline, CompiledStep } from '../pipeline/types.js'
import { tryGetFieldMapUse } from './map.js'
import { tryGetObjectFields } from './registry.js'

export function checkFieldMaps(pipelines: CompiledPipeline[]): Problem[] {
  const problems: Problem[] = []
  const walk = (p: CompiledPipeline, steps: CompiledStep[]) => {
    for (const s of steps) {
      if (s.kind === 'map') {
        const use = tryGetFieldMapUse(s.value)
        if (use) {
          const where = { file: p.source.file ?? undefined, pipeline: p.id, step: s.id, field: 'map' }
          const o = tryGetObjectFields(use.object, use.connector)
          if (typeof o === 'string') problems.push({ ...where, message: o })
          else {
            for (const [key, f] of Object.entries(use.options.fields ?? {})) {
              const declared = o.declared[f.name]
              if (declared === undefined && !o.open)
                problems.push({
                  ...where,
                  message: `${use.connector} declares no ${use.object} field "${f.name}" (for ${key}); declared: ${Object.keys(o.declared).join(', ')}`,
                })
              else if (declared !== undefined && !compatible(f.type, declared))
                problems.push({ ...where, message: `${key} is mapped as ${f.type} but ${use.connector} "${f.name}" is ${declared}` })
            }
          }
        }
      }
      if (s.kind === 'route') for (const b of [...s.branches.map((x) => x.steps), s.otherwise ?? []]) walk(p, b)
      if (s.kind === 'forEach') walk(p, s.steps)
    }
  }
  for (const p of pipelines) walk(p, p.steps)
  return problems
}

function compatible(a: string, b: string): boolean {
  if (a === b) return true
  const text = ['string', 'email', 'enum']
  const dates = ['date', 'datetime', 'epoch-ms']
  return (text.includes(a) && text.includes(b)) || (dates.includes(a) && dates.includes(b))
}
