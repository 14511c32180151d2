/**
 * `alerts.yaml` (beside `pipelines/`): the default rules, overridden or extended, and the
 * channels. Validated strictly: every unknown key, kind, channel or bad value is reported
 * with the file, its path and the nearest valid name. `${VAR}` in strings is replaced from
 * the environment handed in (the CLI's).
 *
 * ```yaml
 * defaults: { cooldown: 5m }
 * rules:
 *   run-failure-rate: { threshold: 2%, window: 30m }      # a default rule, changed
 *   queue-depth: { enabled: false }                         # a default rule, off
 *   clay-failures:                                          # a second rule of a kind
 *     kind: run-failure-rate
 *     pipelines: [clay-*]
 *     threshold: 1%
 * channels:
 *   oncall: { type: slack, webhookUrl: "${SLACK_ALERTS_WEBHOOK_URL}" }
 *   ops: { type: email, url: "${SMTP_URL}", from: hub@acme.com, to: ops@acme.com, digest: { at: "08:30", timezone: Europe/Berlin } }
 * ```
 * @module
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseDocument } from 'yaml'
import { z } from 'zod'
import { ConfigError, ErrorCodes, type Problem } from '../../errors.js'
import { channelType, channelTypes } from './channels/index.js'
import type { CompiledRule, Severity } from './contract.js'
import { duration } from './rules/common.js'
import { ruleFamilies, ruleFamily } from './rules/index.js'
import { hint } from './suggest.js'

export interface ChannelConfig {
  name: string
  type: string
  settings: unknown
}

export interface AlertsConfig {
  /** The file read, or null when the defaults apply. */
  file: string | null
  evaluateEveryMs: number
  rules: CompiledRule[]
  channels: ChannelConfig[]
}

export const DEFAULT_COOLDOWN_MS = 5 * 60_000
export const DEFAULT_EVALUATE_EVERY_MS = 30_000
export const ALERTS_FILES = ['alerts.yaml', 'alerts.yml'] as const

const TOP_KEYS = ['defaults', 'rules', 'channels', 'evaluateEvery'] as const
const COMMON_KEYS = ['kind', 'enabled', 'severity', 'for', 'cooldown', 'channels', 'pipelines', 'connections'] as const

const common = z.strictObject({
  kind: z.string().optional(),
  enabled: z.boolean().default(true),
  severity: z.enum(['warning', 'critical']).optional(),
  for: duration.optional(),
  cooldown: duration.optional(),
  channels: z.array(z.string()).optional(),
  pipelines: z.array(z.string().min(1)).optional(),
  connections: z.array(z.string().min(1)).optional(),
})
const defaultsSchema = z.strictObject({ for: duration.default(0), cooldown: duration.default(DEFAULT_COOLDOWN_MS) })

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** zod issues → problems, with "did you mean" for unknown keys. */
function issuesOf(error: z.ZodError, file: string | undefined, at: string, keys: readonly string[]): Problem[] {
  return error.issues.map((i) => {
    const field = [at, ...i.path.map(String)].filter(Boolean).join('.')
    if (i.code === 'unrecognized_keys') return { file, field, message: i.keys.map((k) => `unknown key "${k}"${hint(k, keys)}`).join('; ') }
    return { file, field, message: i.message }
  })
}

/** Replace `${VAR}` / `${VAR:-fallback}` in every string. */
function substitute(v: unknown, env: Record<string, string | undefined>, missing: (name: string) => void): unknown {
  if (typeof v === 'string')
    return v.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}/g, (_, name: string, fallback?: string) => {
      const value = env[name] ?? fallback
      if (value === undefined) missing(name)
      return value ?? ''
    })
  if (Array.isArray(v)) return v.map((x) => substitute(x, env, missing))
  if (isMap(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, env, missing)]))
  return v
}

function compileRule(
  id: string,
  raw: unknown,
  defaults: { forMs: number; cooldownMs: number },
  file: string | undefined,
  problems: Problem[],
): CompiledRule | null {
  const at = `rules.${id}`
  if (raw !== null && raw !== undefined && !isMap(raw)) {
    problems.push({ file, field: at, message: 'must be a mapping of settings (or empty to keep the defaults)' })
    return null
  }
  const entry = raw ?? {}
  const kind = typeof entry.kind === 'string' ? entry.kind : id
  const family = ruleFamily(kind)
  if (!family) {
    const kinds = ruleFamilies.map((f) => f.kind)
    problems.push({
      file,
      field: typeof entry.kind === 'string' ? `${at}.kind` : at,
      message: `unknown rule kind "${kind}"${hint(kind, kinds)} (a rule of your own needs kind: one of ${kinds.join(', ')})`,
    })
    return null
  }
  const own: Record<string, unknown> = {}
  const rest: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(entry)) ((COMMON_KEYS as readonly string[]).includes(k) ? own : rest)[k] = v
  const c = common.safeParse(own)
  const paramKeys = Object.keys((family.params as unknown as { shape?: object }).shape ?? {})
  const p = family.params.safeParse(rest)
  const keys = [...COMMON_KEYS, ...paramKeys]
  if (!c.success) problems.push(...issuesOf(c.error, file, at, keys))
  if (!p.success) problems.push(...issuesOf(p.error, file, at, keys))
  if (!c.success || !p.success) return null
  const severity: Severity = c.data.severity ?? family.defaultSeverity
  return {
    id,
    kind,
    enabled: c.data.enabled,
    severity,
    forMs: c.data.for ?? defaults.forMs,
    cooldownMs: c.data.cooldown ?? defaults.cooldownMs,
    channels: c.data.channels ?? null,
    scope: {
      ...(c.data.pipelines ? { pipelines: c.data.pipelines } : {}),
      ...(c.data.connections ? { connections: c.data.connections } : {}),
    },
    params: p.data,
    description: family.describe(p.data),
  }
}

/** Validate an alerts configuration (the parsed YAML). Throws ConfigError listing every problem. */
export function compileAlertsConfig(raw: unknown, options: { file?: string; env?: Record<string, string | undefined> } = {}): AlertsConfig {
  const file = options.file
  const problems: Problem[] = []
  const doc = substitute(raw ?? {}, options.env ?? {}, (name) =>
    problems.push({ file, message: `environment variable ${name} is not set (used as \${${name}})` }),
  )
  if (!isMap(doc))
    throw new ConfigError([{ file, message: 'alerts.yaml must be a mapping with rules and channels' }], ErrorCodes.CONFIG_INVALID)
  for (const k of Object.keys(doc))
    if (!(TOP_KEYS as readonly string[]).includes(k)) problems.push({ file, field: k, message: `unknown key "${k}"${hint(k, TOP_KEYS)}` })

  const d = defaultsSchema.safeParse(doc.defaults ?? {})
  if (!d.success) problems.push(...issuesOf(d.error, file, 'defaults', ['for', 'cooldown']))
  const defaults = d.success ? { forMs: d.data.for, cooldownMs: d.data.cooldown } : { forMs: 0, cooldownMs: DEFAULT_COOLDOWN_MS }
  const every = duration.safeParse(doc.evaluateEvery ?? DEFAULT_EVALUATE_EVERY_MS)
  if (!every.success) problems.push(...issuesOf(every.error, file, 'evaluateEvery', []))
  else if (every.data < 1000) problems.push({ file, field: 'evaluateEvery', message: 'must be at least 1s' })

  const channels: ChannelConfig[] = []
  if (doc.channels !== undefined && !isMap(doc.channels))
    problems.push({ file, field: 'channels', message: 'must be a mapping of channel name → settings' })
  for (const [name, entry] of Object.entries(isMap(doc.channels) ? doc.channels : {})) {
    const at = `channels.${name}`
    const types = channelTypes.map((t) => t.type)
    if (!isMap(entry) || typeof entry.type !== 'string') {
      problems.push({ file, field: at, message: `must be a mapping with type: one of ${types.join(', ')}` })
      continue
    }
    const type = channelType(entry.type)
    if (!type) {
      problems.push({ file, field: `${at}.type`, message: `unknown channel type "${entry.type}"${hint(entry.type, types)}` })
      continue
    }
    const { type: _t, ...settings } = entry
    const parsed = type.settings.safeParse(settings)
    const keys = Object.keys((type.settings as unknown as { shape?: object }).shape ?? {})
    if (!parsed.success) problems.push(...issuesOf(parsed.error, file, at, keys))
    else channels.push({ name, type: type.type, settings: parsed.data })
  }

  const rawRules = doc.rules === undefined ? {} : doc.rules
  if (!isMap(rawRules)) problems.push({ file, field: 'rules', message: 'must be a mapping of rule name → settings' })
  const entries = new Map<string, unknown>(ruleFamilies.map((f) => [f.kind, undefined]))
  for (const [id, entry] of Object.entries(isMap(rawRules) ? rawRules : {})) entries.set(id, entry)
  const rules: CompiledRule[] = []
  const names = channels.map((c) => c.name)
  for (const [id, entry] of entries) {
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(id)) {
      problems.push({ file, field: `rules.${id}`, message: 'rule names are lower-case letters, digits, - and _' })
      continue
    }
    const rule = compileRule(id, entry, defaults, file, problems)
    if (!rule) continue
    for (const ch of rule.channels ?? [])
      if (!names.includes(ch))
        problems.push({
          file,
          field: `rules.${id}.channels`,
          message: `no channel "${ch}"${names.length ? hint(ch, names) : '; no channels are configured'}`,
        })
    rules.push(rule)
  }
  if (problems.length) throw new ConfigError(problems, ErrorCodes.CONFIG_INVALID)
  return { file: file ?? null, evaluateEveryMs: every.success ? every.data : DEFAULT_EVALUATE_EVERY_MS, rules, channels }
}

/** Read `alerts.yaml` (or `.yml`) from `dir`; the defaults when there is none. */
export async function loadAlertsConfig(dir: string, env: Record<string, string | undefined>): Promise<AlertsConfig> {
  for (const name of ALERTS_FILES) {
    const file = join(dir, name)
    const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null
      throw e
    })
    if (text === null) continue
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
    if (doc.errors.length)
      throw new ConfigError(
        doc.errors.map((e) => {
          const pos = e.linePos?.[0]
          return { file: pos ? `${file}:${pos.line}:${pos.col}` : file, message: `YAML ${e.code}: ${e.message.split('\n')[0]}` }
        }),
        ErrorCodes.CONFIG_INVALID,
      )
    return compileAlertsConfig(doc.toJS({ maxAliasCount: 100 }), { file, env })
  }
  return compileAlertsConfig({}, { env })
}
