/**
 * What a pipeline or a sync touches: the connections its actions call (`hubspot:main`) and,
 * for a sync, its two sides. Status, `pipewright docs` and inventory checks read it.
 * @module
 */
import type { CompiledPipeline, CompiledStep } from '../pipeline/types.js'
import type { CompiledSync } from '../sync/types.js'

/** Each action step with the connection it calls, depth first in definition order. */
export function actionSteps(steps: readonly CompiledStep[], path = ''): Array<{ stepId: string; ref: string; connection: string }> {
  const out: Array<{ stepId: string; ref: string; connection: string }> = []
  for (const s of steps) {
    const id = path ? `${path}.${s.id}` : s.id
    if (s.kind === 'action') {
      const connector = s.ref.split('.')[0]!
      out.push({ stepId: id, ref: s.ref, connection: `${connector}:${s.connection ?? 'default'}` })
    } else if (s.kind === 'route') {
      for (const b of s.branches) out.push(...actionSteps(b.steps, id))
      if (s.otherwise) out.push(...actionSteps(s.otherwise, id))
    } else if (s.kind === 'forEach') out.push(...actionSteps(s.steps, id))
  }
  return out
}

/** Connection keys a pipeline's actions call, sorted, each once. */
export function pipelineConnections(p: CompiledPipeline): string[] {
  return [...new Set(actionSteps(p.steps).map((a) => a.connection))].sort()
}

/** `hubspot:main` for each side of a sync (a folder side has no connection: `folder:default`). */
export function syncConnections(s: CompiledSync): string[] {
  return [...new Set([`${s.sides.a.kind}:${s.sides.a.connection}`, `${s.sides.b.kind}:${s.sides.b.connection}`])].sort()
}

/** The pipelines a sync brings (its writes and its webhooks' nudges) are named `sync:<id>…`. */
export function isSyncPipeline(id: string): boolean {
  return id.startsWith('sync:')
}
