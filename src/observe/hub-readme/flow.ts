/**
 * Data-flow diagrams (Mermaid flowcharts) for the hub README: a pipeline's trigger, its steps in
 * order — filters as decisions, routes as branches, for-each as a subgraph — and the
 * connections its actions call; a sync's two sides with the direction of each mapped field.
 * @module
 */
import type { CompiledPipeline, CompiledStep, CompiledTrigger } from '../../pipeline/types.js'
import type { CompiledSync } from '../../sync/types.js'
import { label, nodeId } from './markdown.js'

export function triggerText(t: CompiledTrigger): string {
  if (t.kind === 'webhook') return `webhook POST /hooks/${t.options.path}`
  if (t.kind === 'schedule') return `schedule ${t.options.cron}${t.options.timezone ? ` (${t.options.timezone})` : ''}`
  return t.kind
}

export function pipelineFlow(p: CompiledPipeline): string {
  const lines: string[] = ['flowchart LR']
  const systems = new Map<string, string>()
  const start = 'trigger'
  lines.push(`  ${start}([${label(triggerText(p.trigger))}])`)

  /** Draw `steps` after `from`; returns the nodes the flow leaves from. */
  const walk = (steps: readonly CompiledStep[], from: string[], path: string, edge?: string): string[] => {
    let tails = from
    let firstEdge = edge
    for (const s of steps) {
      const id = nodeId('s', path ? `${path}__${s.id}` : s.id)
      const arrow = firstEdge ? ` -->|${label(firstEdge)}| ` : ' --> '
      firstEdge = undefined
      if (s.kind === 'filter') lines.push(`  ${id}{${label(`${s.id} (filter)`)}}`)
      else if (s.kind === 'route') lines.push(`  ${id}{${label(`${s.id} (route)`)}}`)
      else if (s.kind === 'action') lines.push(`  ${id}[${label(`${s.id}: ${s.ref}`)}]`)
      else lines.push(`  ${id}[${label(`${s.id} (${s.kind})`)}]`)
      for (const t of tails) lines.push(`  ${t}${arrow}${id}`)
      if (s.kind === 'action') {
        const key = `${s.ref.split('.')[0]}:${s.connection ?? 'default'}`
        const sys = systems.get(key) ?? nodeId('c', key)
        systems.set(key, sys)
        lines.push(`  ${id} -.-> ${sys}`)
      }
      if (s.kind === 'route') {
        const out: string[] = []
        s.branches.forEach((b, n) => {
          out.push(...walk(b.steps, [id], `${path}${s.id}_${n}`, `when ${n + 1}`))
        })
        if (s.otherwise) out.push(...walk(s.otherwise, [id], `${path}${s.id}_else`, 'otherwise'))
        else out.push(id)
        tails = out
      } else if (s.kind === 'forEach') {
        lines.push(`  subgraph ${id}_each [${label(`for each item of ${s.id}`)}]`)
        const inner = walk(s.steps, [id], `${path}${s.id}_each`)
        lines.push('  end')
        tails = inner.length ? inner : [id]
      } else tails = [id]
    }
    return tails
  }
  walk(p.steps, [start], '')
  for (const [key, sys] of [...systems].sort(([a], [b]) => (a < b ? -1 : 1))) lines.push(`  ${sys}[(${label(key)})]`)
  return lines.join('\n')
}

export function syncFlow(s: CompiledSync): string {
  const side = (x: CompiledSync['sides']['a']) => `${x.kind}:${x.connection}/${x.object}`
  const a = nodeId('a', s.id)
  const b = nodeId('b', s.id)
  const lines = ['flowchart LR', `  ${a}[(${label(side(s.sides.a))})]`, `  ${b}[(${label(side(s.sides.b))})]`]
  const toB = s.fields.filter((f) => f.direction !== 'b-to-a').map((f) => f.a)
  const toA = s.fields.filter((f) => f.direction !== 'a-to-b').map((f) => f.b)
  if (toB.length) lines.push(`  ${a} -->|${label(fieldList(toB))}| ${b}`)
  if (toA.length) lines.push(`  ${b} -->|${label(fieldList(toA))}| ${a}`)
  return lines.join('\n')
}

function fieldList(names: string[]): string {
  return names.length > 6 ? `${names.slice(0, 6).join(', ')} +${names.length - 6}` : names.join(', ')
}
