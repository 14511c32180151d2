/**
 * `validate`'s credential check: every action step's connector must have the connection it
 * names (`default` unless `connection:` says otherwise) configured — in the environment or in
 * `connections/` — with its credential present, or the first real event dies at that step.
 * Reported as warnings (a pipeline may be meant for `--sandbox`); `validate --strict` turns
 * them into failures for CI.
 * @module
 */
import { loadConnections } from '../connections/registry.js'
import type { ConnectionInfo } from '../connections/types.js'
import type { ConnectorDefinition } from '../connectors/contract.js'
import { builtinConnectors } from '../connectors/registry.js'
import { storedSecrets } from '../credentials/resolve.js'
import { createVault } from '../credentials/vault.js'
import { systemClock } from '../engine/clock.js'
import { ConfigError, type Problem } from '../errors.js'
import type { CompiledPipeline, CompiledStep } from '../pipeline/types.js'
import type { Store } from '../store/contract.js'

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

/** One warning per pipeline and connection that is missing or has no usable credential. */
export function credentialWarnings(
  pipelines: CompiledPipeline[],
  connectors: ConnectorDefinition<any>[],
  connections: ConnectionInfo[],
): Problem[] {
  const byId = new Map(connectors.map((c) => [c.id, c] as const))
  const infos = new Map(connections.map((c) => [c.id, c] as const))
  const warnings: Problem[] = []
  for (const p of pipelines) {
    const seen = new Set<string>()
    const walk = (steps: CompiledStep[]) => {
      for (const s of steps) {
        if (s.kind === 'action') check(p, s, seen)
        if (s.kind === 'route') for (const b of [...s.branches.map((x) => x.steps), s.otherwise ?? []]) walk(b)
        if (s.kind === 'forEach') walk(s.steps)
      }
    }
    walk(p.steps)
  }
  return warnings

  function check(p: CompiledPipeline, s: Extract<CompiledStep, { kind: 'action' }>, seen: Set<string>) {
    const cid = s.ref.split('.')[0]!
    const connector = byId.get(cid)
    const named = s.connection ?? 'default'
    const name = named.startsWith(`${cid}:`) ? named.slice(cid.length + 1) : named
    const id = `${cid}:${name}`
    // Connectors without configuration (http) need none; unknown connectors are errors elsewhere.
    if (!connector?.fromEnv || seen.has(id)) return
    const info = infos.get(id)
    if (info?.active) return
    seen.add(id)
    let why: string
    if (info) why = `connection "${id}" is not usable: ${info.problem ?? 'its credential is missing'}`
    else if (name === 'default') {
      const env = requiredEnv(connector)
      why = `no credentials for ${cid}: set ${env.length ? env.join(' and ') : `the ${cid.toUpperCase()}_* environment variables`} or add connections/${cid}.yaml (docs/connections.md)`
    } else why = `no connection "${id}": add it to connections/ (docs/connections.md)`
    warnings.push({
      file: p.source.file ?? undefined,
      pipeline: p.id,
      step: s.id,
      field: 'connection',
      message: `${why}; the first event would fail at this step`,
    })
  }
}

/**
 * Load `connections/` as `start` would and check every pipeline's action steps against it.
 * With `store` open (validate's `--db` / `PIPEWRIGHT_DATABASE_URL`), `{ credential: name }`
 * references are checked too: against the decrypted secret when `PIPEWRIGHT_SECRET_KEY` is set,
 * else only that the stored credential exists. Without a store they are assumed usable.
 */
export async function checkCredentials(
  io: { cwd: string; env: Record<string, string | undefined> },
  pipelines: CompiledPipeline[],
  store?: Store,
): Promise<{ problems: Problem[]; warnings: Problem[] }> {
  const connectors = builtinConnectors()
  const vault = store ? createVault({ store, secretKey: io.env.PIPEWRIGHT_SECRET_KEY || null, clock: systemClock }) : null
  try {
    const loaded = await loadConnections({
      cwd: io.cwd,
      env: io.env,
      connectors,
      ...(vault?.hasKey ? { stored: storedSecrets(vault) } : {}),
    })
    const infos = loaded.registry.list()
    const warnings = credentialWarnings(pipelines, connectors, infos)
    if (vault && !vault.hasKey)
      for (const c of infos)
        if (c.credential.kind === 'stored' && c.credential.name && !(await vault.get(c.credential.name)))
          warnings.push({
            file: c.source.kind === 'file' ? c.source.file : undefined,
            field: 'credential',
            message: `connection "${c.id}": no stored credential "${c.credential.name}" (pipewright credentials add ${c.credential.name})`,
          })
    return { problems: [], warnings }
  } catch (e) {
    if (e instanceof ConfigError) return { problems: e.problems, warnings: [] }
    throw e
  }
}
