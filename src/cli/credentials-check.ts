/**
 * `validate`'s credential check: every action step's connector must have the connection it
 * names (`default` unless `connection:` says otherwise) configured, or the first real event
 * dies at that step. Reported as warnings (a pipeline may be meant for `--sandbox`); `validate
 * --strict` turns them into failures for CI.
 * @module
 */
import type { ConnectorDefinition } from '../connectors/contract.js'
import type { Problem } from '../errors.js'
import type { CompiledPipeline, CompiledStep } from '../pipeline/types.js'

/** Configured connections: connector id → connection name → raw config. */
export type ConnectionTable = Record<string, Record<string, unknown>>

/**
 * The environment variables a connector's `fromEnv` reads before it gives up on an empty
 * environment: the ones it needs (e.g. HUBSPOT_TOKEN).
 */
export function requiredEnv(connector: ConnectorDefinition<any>): string[] {
  if (!connector.fromEnv) return []
  const read: string[] = []
  const probe = new Proxy({} as Record<string, string | undefined>, {
    get: (_t, key) => {
      if (typeof key === 'string' && !read.includes(key)) read.push(key)
      return undefined
    },
  })
  try {
    connector.fromEnv(probe)
  } catch {
    // A connector that throws on an empty environment still told us what it read.
  }
  return read.filter((k) => !k.endsWith('_BASE_URL'))
}

/** One warning per pipeline, connector and connection that has no configuration. */
export function checkCredentials(
  pipelines: CompiledPipeline[],
  connectors: ConnectorDefinition<any>[],
  configured: ConnectionTable,
): Problem[] {
  const byId = new Map(connectors.map((c) => [c.id, c] as const))
  const warnings: Problem[] = []
  for (const p of pipelines) {
    const seen = new Set<string>()
    const walk = (steps: CompiledStep[]) => {
      for (const s of steps) {
        if (s.kind === 'action') {
          const cid = s.ref.split('.')[0]!
          const name = s.connection ?? 'default'
          const connector = byId.get(cid)
          const key = `${cid}:${name}`
          // Connectors without fromEnv (http) need no configuration; unknown ones are errors elsewhere.
          if (connector?.fromEnv && !configured[cid]?.[name] && !seen.has(key)) {
            seen.add(key)
            const env = requiredEnv(connector)
            const how =
              name === 'default'
                ? `set ${env.length ? env.join(' and ') : `the ${cid.toUpperCase()}_* environment variables`} (docs/connectors.md)`
                : `configure connection "${key}" (docs/connectors.md)`
            warnings.push({
              file: p.source.file ?? undefined,
              pipeline: p.id,
              step: s.id,
              field: 'action',
              message: `no credentials for ${cid} connection "${name}": ${how}; the first event would fail at this step`,
            })
          }
        }
        if (s.kind === 'route') for (const b of [...s.branches.map((x) => x.steps), s.otherwise ?? []]) walk(b)
        if (s.kind === 'forEach') walk(s.steps)
      }
    }
    walk(p.steps)
  }
  return warnings
}
