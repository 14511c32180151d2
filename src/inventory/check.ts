/**
 * `validate` against the inventory: field names that pipelines, field maps and syncs use must
 * exist in the account, as `pipewright inventory` last read it. Only what was read is checked
 * (a base, object or data source the inventory does not hold is not judged), so a hub that
 * never took an inventory validates as before.
 *
 * - YAML pipelines: Airtable actions' `with.base`, `with.table` and `with.fields` keys (and
 *   `mergeOn`) against the base's tables and fields; HubSpot contact/company actions'
 *   `with.properties` keys against the object's properties. (TypeScript pipelines build their
 *   parameters in code, so only their field maps are checked.)
 * - Field maps: custom fields of `fieldMap('contact'|'company', 'hubspot', …)` against the
 *   properties of contacts/companies.
 * - Syncs: each side's field names against its object (HubSpot properties, Notion data-source
 *   properties, Airtable fields).
 * @module
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parse } from 'yaml'
import type { Problem } from '../errors.js'
import { tryGetFieldMapUse } from '../fieldmaps/map.js'
import { hint } from '../observe/alerts/suggest.js'
import type { CompiledPipeline, CompiledStep } from '../pipeline/types.js'
import type { InventorySnapshot } from '../store/observe/contract.js'
import type { CompiledSync } from '../sync/types.js'

/** What one connection's inventory holds, by path, and the children of each container. */
class Known {
  readonly paths = new Set<string>()
  readonly children = new Map<string, string[]>()
  constructor(readonly snapshot: InventorySnapshot) {
    for (const i of snapshot.items) {
      this.paths.add(i.path)
      if (i.parent !== null) this.children.set(i.parent, [...(this.children.get(i.parent) ?? []), i.name])
    }
  }
  /** Problem text when `name` is not a child of `container`; null when it is (or the container was not read). */
  missing(container: string, name: string, what: string): string | null {
    if (!this.paths.has(container)) return null
    if (this.paths.has(`${container}/${name}`)) return null
    return `${what} "${name}" does not exist in ${this.snapshot.connection} ${container} (inventory of ${new Date(this.snapshot.readAt).toISOString().slice(0, 16).replace('T', ' ')} UTC)${hint(name, this.children.get(container) ?? [])}`
  }
}

export function checkInventory(options: {
  cwd: string
  pipelines: readonly CompiledPipeline[]
  syncs: readonly CompiledSync[]
  snapshots: readonly InventorySnapshot[]
}): Problem[] {
  if (options.snapshots.length === 0) return []
  const byConnection = new Map(options.snapshots.map((s) => [s.connection, new Known(s)]))
  const problems: Problem[] = []

  for (const p of options.pipelines) {
    const file = p.source.file ?? undefined
    const at = (step: string, field: string, message: string | null) => {
      if (message) problems.push({ file, pipeline: p.id, step, field, message })
    }
    // field maps (any pipeline)
    const walk = (steps: readonly CompiledStep[]) => {
      for (const s of steps) {
        if (s.kind === 'map') {
          const use = tryGetFieldMapUse(s.value)
          if (use && use.connector === 'hubspot')
            for (const k of [...byConnection.values()].filter((x) => x.snapshot.service === 'hubspot'))
              for (const [key, f] of Object.entries(use.options.fields ?? {}))
                at(s.id, `map.fields.${key}`, k.missing(`${use.object}s`.replace('companys', 'companies'), f.name, 'property'))
        }
        if (s.kind === 'route') for (const b of [...s.branches.map((x) => x.steps), s.otherwise ?? []]) walk(b)
        if (s.kind === 'forEach') walk(s.steps)
      }
    }
    walk(p.steps)
    // YAML action parameters
    if (p.source.format !== 'yaml' || !p.source.file) continue
    for (const step of yamlActionSteps(resolve(options.cwd, p.source.file), p.id)) {
      const [service, ...rest] = step.action.split('.')
      const k = byConnection.get(`${service}:${step.connection ?? 'default'}`)
      if (!k) continue
      const w = step.with
      if (
        service === 'airtable' &&
        typeof w.base === 'string' &&
        typeof w.table === 'string' &&
        !isTemplate(w.base) &&
        !isTemplate(w.table)
      ) {
        const table = k.missing(w.base, w.table, 'table')
        if (table) {
          at(step.id, 'with.table', table)
          continue
        }
        const container = `${w.base}/${w.table}`
        const names = [
          ...Object.keys(isObject(w.fields) ? w.fields : {}).map((n) => [n, `with.fields.${n}`] as const),
          ...(Array.isArray(w.mergeOn)
            ? w.mergeOn.filter((n): n is string => typeof n === 'string').map((n, i) => [n, `with.mergeOn[${i}]`] as const)
            : []),
        ]
        for (const [name, field] of names) at(step.id, field, k.missing(container, name, 'field'))
      }
      if (service === 'hubspot' && isObject(w.properties)) {
        const object = rest[0] === 'contacts' || rest[0] === 'companies' || rest[0] === 'deals' ? rest[0] : null
        if (object)
          for (const name of Object.keys(w.properties)) at(step.id, `with.properties.${name}`, k.missing(object, name, 'property'))
      }
    }
  }

  for (const s of options.syncs) {
    for (const sideName of ['a', 'b'] as const) {
      const side = s.sides[sideName]
      if (!['airtable', 'hubspot', 'notion'].includes(side.kind)) continue
      const k = byConnection.get(`${side.kind}:${side.connection}`)
      if (!k) continue
      const names = new Set([...s.fields.map((f) => f[sideName]), s.match[sideName]].filter((n) => n && !n.includes('.')))
      for (const name of names) {
        const message = k.missing(side.object, name, side.kind === 'airtable' ? 'field' : 'property')
        if (message) problems.push({ file: s.source.file ?? undefined, sync: s.id, field: `sides.${sideName}`, message })
      }
    }
  }
  return problems
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isTemplate = (v: string) => v.includes('{{') || v.includes('${')

interface YamlAction {
  id: string
  action: string
  connection?: string
  with: Record<string, unknown>
}

function yamlActionSteps(file: string, pipelineId: string): YamlAction[] {
  let doc: unknown
  try {
    doc = parse(readFileSync(file, 'utf8'))
  } catch {
    return []
  }
  const docs = Array.isArray(doc) ? doc : [doc]
  const mine = docs.find((d) => isObject(d) && d.id === pipelineId) ?? docs[0]
  const out: YamlAction[] = []
  const visit = (node: unknown) => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n)
      return
    }
    if (!isObject(node)) return
    if (typeof node.id === 'string' && typeof node.action === 'string' && isObject(node.with))
      out.push({
        id: node.id,
        action: node.action,
        with: node.with,
        ...(typeof node.connection === 'string' ? { connection: node.connection } : {}),
      })
    for (const [k, v] of Object.entries(node)) if (k !== 'with') visit(v)
  }
  visit(isObject(mine) ? mine.steps : undefined)
  return out
}
