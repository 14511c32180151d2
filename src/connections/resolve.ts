/**
 * Turn connection definitions into the gateway's raw connections: credential references
 * resolved (environment or credential store), the plan's limits and the budgets under the
 * gateway's `limits` key. The environment's connections stay each connector's `default`
 * unless a file defines `<service>:default`. A connection whose credential is missing is left
 * out of the gateway (a step naming it fails `validate`) and reported with the reason.
 * @module
 */
import type { ConnectorDefinition, RateLimitSpec, StoredCredentialAccess } from '../connectors/contract.js'
import { type RawConnections, type ResolvedConnection, resolveConnections } from '../connectors/gateway/connections.js'
import { ConfigError, ErrorCodes, type Problem } from '../errors.js'
import { parseDuration } from '../pipeline/duration.js'
import { applyCredential, ENV_CREDENTIAL } from './credential-fields.js'
import type { LoadedConnection } from './load.js'
import type { ConnectionDefinition, ConnectionInfo, ConnectionSource, CredentialRef, CredentialStatus } from './types.js'

/** A stored credential as the resolver needs it (see the credential store). */
export interface StoredSecret {
  secret: string
  owner?: string | null
  rotateBy?: string | null
}

export interface ResolveOptions {
  connectors: readonly ConnectorDefinition<any>[]
  env: Record<string, string | undefined>
  /** Connections from files (or `defineConnection` values). */
  defined?: readonly LoadedConnection[]
  /** Connections given in code (`createRuntime({ connections })`): connector → name → raw config. */
  extra?: RawConnections
  /** Look a stored credential up by name; absent when no store is open. */
  stored?: (name: string) => Promise<StoredSecret | null>
  /** Read/write access to a stored credential, handed to the connection's actions (`ctx.credential`). */
  storedAccess?: (name: string) => StoredCredentialAccess
}

export interface ResolvedConfig {
  raw: RawConnections
  infos: ConnectionInfo[]
  /** Secret values in use (env or stored), for redaction. */
  secrets: string[]
}

type Ref = { kind: 'env'; name: string } | { kind: 'stored'; name: string }

function refOf(ref: CredentialRef): Ref {
  if (typeof ref === 'string') return { kind: 'stored', name: ref }
  return 'env' in ref ? { kind: 'env', name: ref.env } : { kind: 'stored', name: ref.credential }
}

function isRef(v: unknown): v is { env: string } | { credential: string } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const keys = Object.keys(v)
  return keys.length === 1 && (keys[0] === 'env' || keys[0] === 'credential') && typeof Object.values(v)[0] === 'string'
}

export async function resolveConnectionConfig(options: ResolveOptions): Promise<ResolvedConfig> {
  const { connectors, env } = options
  const byId = new Map(connectors.map((c) => [c.id, c]))
  const raw: RawConnections = {}
  const infos: ConnectionInfo[] = []
  const secrets: string[] = []
  const problems: Problem[] = []
  const add = (service: string, name: string, config: Record<string, unknown>) => {
    raw[service] = { ...raw[service], [name]: config }
  }

  for (const c of connectors) {
    const fromEnv = c.fromEnv?.(env)
    if (!fromEnv) continue
    add(c.id, 'default', fromEnv)
    const envName = c.id === 'slack' && !env.SLACK_BOT_TOKEN ? 'SLACK_WEBHOOK_URL' : ENV_CREDENTIAL[c.id]
    const credential: CredentialStatus = envName ? { kind: 'env', name: envName, status: 'present' } : { kind: 'none', status: 'present' }
    infos.push(describe(c, 'default', { kind: 'env' }, fromEnv, credential))
  }
  for (const [service, named] of Object.entries(options.extra ?? {}))
    for (const [name, config] of Object.entries(named)) {
      add(service, name, config ?? {})
      const c = byId.get(service)
      if (c) upsert(infos, describe(c, name, { kind: 'options' }, config ?? {}, { kind: 'inline', status: 'present' }))
    }

  for (const { def, file } of options.defined ?? []) {
    const service = def.service ?? def.id.slice(0, def.id.indexOf(':'))
    const name = def.id.slice(def.id.indexOf(':') + 1)
    const connector = byId.get(service)
    if (!connector) {
      problems.push({ file, field: 'id', message: `unknown service "${service}"; known: ${[...byId.keys()].join(', ')}` })
      continue
    }
    const source: ConnectionSource = { kind: 'file', file }
    const missing: string[] = []
    // A stored credential named while no store is open (`validate`): not checked, assumed usable.
    let unchecked = false
    let credential: CredentialStatus = { kind: 'none', status: 'present' }
    const lookup = async (ref: Ref): Promise<string | undefined> => {
      if (ref.kind === 'env') {
        const v = env[ref.name]
        if (!v) missing.push(`environment variable ${ref.name} is not set`)
        return v || undefined
      }
      if (!options.stored) {
        unchecked = true
        return undefined
      }
      const found = await options.stored(ref.name)
      if (!found) missing.push(`no stored credential "${ref.name}"`)
      return found?.secret
    }
    const settings: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(def.settings ?? {})) {
      if (!isRef(value)) settings[key] = value
      else {
        const secret = await lookup(refOf(value))
        if (secret !== undefined) {
          settings[key] = secret
          secrets.push(secret)
        }
      }
    }
    if (def.credential !== undefined) {
      const ref = refOf(def.credential)
      const secret = await lookup(ref)
      const meta = ref.kind === 'stored' && secret !== undefined ? await options.stored?.(ref.name) : null
      credential = {
        kind: ref.kind,
        name: ref.name,
        status: secret !== undefined ? 'present' : ref.kind === 'stored' && !options.stored ? 'unchecked' : 'missing',
        ...(meta ? { rotateBy: meta.rotateBy ?? null, owner: meta.owner ?? null } : {}),
      }
      if (secret !== undefined) {
        Object.assign(settings, applyCredential(service, secret))
        secrets.push(secret, ...jsonSecrets(secret))
        if (ref.kind === 'stored' && options.storedAccess) settings.storedCredential = options.storedAccess(ref.name)
      }
    }
    let config: Record<string, unknown>
    try {
      config = { ...settings, ...gatewayKeys(def, connector) }
    } catch (e) {
      problems.push({ file, field: 'plan', message: (e as Error).message })
      continue
    }
    if (def.baseUrl) config.baseUrl = def.baseUrl
    const info = describe(connector, name, source, config, credential, def)
    upsert(infos, info)
    if (missing.length || unchecked) {
      if (missing.length) {
        info.active = false
        info.problem = missing.join('; ')
      }
      if (raw[service]?.[name]) delete raw[service][name]
      continue
    }
    try {
      resolveConnections([connector], { [service]: { [name]: config } })
      add(service, name, config)
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e
      for (const p of e.problems)
        problems.push({ file, field: p.field?.replace(`connections.${service}.${name}.`, 'settings.'), message: p.message })
    }
  }
  if (problems.length) throw new ConfigError(problems, ErrorCodes.CONFIG_INVALID)
  // Effective limits (connector defaults with the plan's and the budgets' overrides).
  const resolved = resolveConnections(connectors, raw)
  for (const info of infos) {
    const r = resolved.get(info.service)?.get(info.name)
    if (r) applyEffective(info, r)
  }
  return { raw, infos, secrets }
}

/** The string values of a secret that is a JSON object (an OAuth app's refresh token, client secret). */
export function jsonSecrets(secret: string): string[] {
  if (!secret.trim().startsWith('{')) return []
  try {
    return Object.values(JSON.parse(secret) as Record<string, unknown>).filter((v): v is string => typeof v === 'string' && v.length >= 8)
  } catch {
    return []
  }
}

/** Replace the entry of the same id (a file's `hubspot:default` replaces the environment's). */
function upsert(infos: ConnectionInfo[], info: ConnectionInfo): void {
  const i = infos.findIndex((x) => x.id === info.id)
  if (i >= 0) infos[i] = info
  else infos.push(info)
}

function gatewayKeys(def: ConnectionDefinition, connector: ConnectorDefinition<any>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const limits: { rates?: RateLimitSpec[]; budgets?: unknown[]; maxConcurrent?: number } = {}
  if (typeof def.plan === 'string') {
    const plan = connector.plans?.[def.plan]
    if (!plan)
      throw new Error(
        `unknown plan "${def.plan}" of ${connector.id}; ${connector.plans ? `known: ${Object.keys(connector.plans).join(', ')}` : 'give { rates: [...] } instead'}`,
      )
    if (plan.rates) limits.rates = plan.rates
    if (plan.maxConcurrent) limits.maxConcurrent = plan.maxConcurrent
    if (plan.budgets) limits.budgets = plan.budgets
  } else if (def.plan) {
    if (def.plan.rates)
      limits.rates = def.plan.rates.map((r) => ({
        name: r.name,
        limit: r.limit,
        windowMs: parseDuration(r.per as string),
        ...(r.actions ? { actions: r.actions } : {}),
        ...(r.scope ? { scope: r.scope } : {}),
      }))
    if (def.plan.maxConcurrent) limits.maxConcurrent = def.plan.maxConcurrent
  }
  if (def.budgets) limits.budgets = [...(limits.budgets ?? []), ...def.budgets]
  if (Object.keys(limits).length) out.limits = limits
  if (def.onBudgetExhausted) out.onBudgetExhausted = def.onBudgetExhausted
  if (def.circuit) out.circuit = def.circuit
  if (def.allowPrivateNetwork !== undefined) out.allowPrivateNetwork = def.allowPrivateNetwork
  return out
}

function describe(
  connector: ConnectorDefinition<any>,
  name: string,
  source: ConnectionSource,
  config: Record<string, unknown>,
  credential: CredentialStatus,
  def?: ConnectionDefinition,
): ConnectionInfo {
  const allow = config.allowPrivateNetwork
  const baseUrl = typeof config.baseUrl === 'string' ? config.baseUrl : undefined
  const plan = def?.plan === undefined ? undefined : typeof def.plan === 'string' ? def.plan : (def.plan.name ?? 'custom')
  return {
    id: `${connector.id}:${name}`,
    service: connector.id,
    name,
    source,
    active: true,
    ...(baseUrl ? { baseUrl: safeUrl(baseUrl) } : {}),
    ...(plan ? { plan } : {}),
    rates: [],
    budgets: [],
    allowPrivateNetwork: allow === true ? true : typeof allow === 'string' ? [allow] : Array.isArray(allow) ? allow.map(String) : false,
    ...(def?.owner ? { owner: def.owner } : {}),
    tags: def?.tags ?? [],
    ...(def?.description ? { description: def.description } : {}),
    credential,
  }
}

function applyEffective(info: ConnectionInfo, r: ResolvedConnection): void {
  info.rates = r.rates.map((x) => ({ name: x.name, limit: x.limit, windowMs: x.windowMs, ...(x.actions ? { actions: x.actions } : {}) }))
  info.budgets = r.budgets.map((b) => ({ name: b.name, period: b.period, limit: b.limit, ...(b.actions ? { actions: b.actions } : {}) }))
  if (r.maxConcurrent) info.maxConcurrent = r.maxConcurrent
}

/** A base URL without user info or query (where secrets sometimes hide). */
function safeUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.origin}${u.pathname === '/' ? '' : u.pathname}`
  } catch {
    return '(invalid URL)'
  }
}
