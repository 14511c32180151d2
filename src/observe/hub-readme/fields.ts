/**
 * Field-mapping tables for the hub README: what each pipeline writes where and from what, and
 * which fields a sync keeps equal. Read from what the definitions keep: `fieldMap(...)` steps
 * (standard field → the platform's field and type), a YAML pipeline's `map` and `with` templates
 * (re-read from its file: compiled templates keep no text), and a sync's `fields`.
 * @module
 */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parse } from 'yaml'
import { tryGetFieldMapUse } from '../../fieldmaps/map.js'
import { tryGetObjectFields } from '../../fieldmaps/registry.js'
import type { CompiledPipeline, CompiledStep } from '../../pipeline/types.js'
import type { CompiledSync } from '../../sync/types.js'

export interface FieldRow {
  step: string
  /** Where the value goes: `hubspot contact email`, `with.properties.email`. */
  target: string
  /** Where it comes from: a standard field, or a template. */
  source: string
  type: string
}

/** Field rows of a pipeline, in step order (its file, when relative, is under `cwd`). */
export async function pipelineFields(p: CompiledPipeline, cwd: string): Promise<FieldRow[]> {
  const rows: FieldRow[] = []
  const walk = (steps: readonly CompiledStep[]) => {
    for (const s of steps) {
      if (s.kind === 'map') {
        const use = tryGetFieldMapUse(s.value)
        if (use) {
          const o = tryGetObjectFields(use.object, use.connector)
          const fields = { ...(typeof o === 'string' ? {} : o.fields), ...(use.options.fields ?? {}) }
          for (const std of Object.keys(fields).sort())
            rows.push({ step: s.id, target: `${use.connector} ${use.object}.${fields[std]!.name}`, source: std, type: fields[std]!.type })
        }
      }
      if (s.kind === 'route') for (const b of [...s.branches.map((x) => x.steps), s.otherwise ?? []]) walk(b)
      if (s.kind === 'forEach') walk(s.steps)
    }
  }
  walk(p.steps)
  if (p.source.format === 'yaml' && p.source.file) rows.push(...(await yamlTemplates(resolve(cwd, p.source.file), p.id)))
  return rows
}

async function yamlTemplates(file: string, pipelineId: string): Promise<FieldRow[]> {
  let doc: unknown
  try {
    doc = parse(await readFile(file, 'utf8'))
  } catch {
    return []
  }
  const docs = Array.isArray(doc) ? doc : [doc]
  const mine = docs.find((d) => d && typeof d === 'object' && (d as { id?: unknown }).id === pipelineId) ?? docs[0]
  const rows: FieldRow[] = []
  const visit = (node: unknown) => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n)
      return
    }
    if (!node || typeof node !== 'object') return
    const o = node as Record<string, unknown>
    if (typeof o.id === 'string') {
      if (typeof o.action === 'string' && o.with && typeof o.with === 'object')
        for (const [k, v] of flatten(o.with as Record<string, unknown>))
          rows.push({ step: o.id, target: `${o.action} ${k}`, source: v, type: '' })
      if (o.map && typeof o.map === 'object' && !Array.isArray(o.map))
        for (const [k, v] of flatten(o.map as Record<string, unknown>)) rows.push({ step: o.id, target: k, source: v, type: '' })
    }
    for (const [k, v] of Object.entries(o)) if (k !== 'with' && k !== 'map') visit(v)
  }
  visit((mine as Record<string, unknown> | undefined)?.steps)
  return rows
}

/** Keys whose values are never copied into the README, templates or not. */
const SECRET_KEY = /authorization|token|secret|password|passwd|api[-_]?key|cookie/i

function flatten(o: Record<string, unknown>, prefix = ''): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (v && typeof v === 'object' && !Array.isArray(v)) out.push(...flatten(v as Record<string, unknown>, key))
    else if (SECRET_KEY.test(k)) out.push([key, '(hidden)'])
    else out.push([key, typeof v === 'string' ? v : JSON.stringify(v)])
  }
  return out
}

export function syncFields(s: CompiledSync): Array<{ a: string; b: string; direction: string; owner: string }> {
  const dir = { both: 'a ↔ b', 'a-to-b': 'a → b', 'b-to-a': 'b → a' } as const
  return s.fields.map((f) => ({ a: f.a, b: f.b, direction: dir[f.direction], owner: f.owner }))
}
