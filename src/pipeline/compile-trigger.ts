/**
 * Validate and compile a pipeline's trigger.
 * @module
 */
import { Cron } from 'croner'
import type { Problem } from '../errors.js'
import { tryParseBytes, tryParseDuration } from './duration.js'
import type { CompiledTrigger, MissedTickPolicy, TriggerDefinition } from './types.js'

export const DEFAULT_DEDUPE_WINDOW_MS = 86_400_000
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024
const AUTH_SCHEMES = ['header', 'hmac-sha256', 'standard-webhooks', 'slack', 'hubspot-v3', 'bearer', 'basic', 'none']
const SECRET_FIELD: Record<string, string> = { header: 'secret', 'hmac-sha256': 'secret', 'standard-webhooks': 'secret', slack: 'secret', 'hubspot-v3': 'secret', bearer: 'token', basic: 'password' }

interface Ctx {
  file: string | undefined
  pipeline: string
  problems: Problem[]
}

/** Accepts the TS form `{ kind, options }` and the YAML form `{ webhook: {...} }`. */
export function normalizeTrigger(raw: unknown): TriggerDefinition | null {
  if (typeof raw !== 'object' || raw === null) return null
  const r = raw as Record<string, unknown>
  if (typeof r.kind === 'string' && 'options' in r) return r as unknown as TriggerDefinition
  const keys = Object.keys(r)
  if (keys.length !== 1) return null
  const kind = keys[0]!
  const options = r[kind]
  if (kind === 'schedule' && typeof options === 'string') return { kind, options: { cron: options } }
  if (kind === 'manual') return { kind, options: {} }
  return { kind, options } as TriggerDefinition
}

export function compileTrigger(raw: unknown, ctx: Ctx): CompiledTrigger | null {
  const where = { file: ctx.file, pipeline: ctx.pipeline }
  const trig = normalizeTrigger(raw)
  if (!trig) {
    ctx.problems.push({ ...where, field: 'trigger', message: 'trigger must be one of webhook({...}), schedule({...}) or manual() (YAML: `webhook: {...}`, `schedule: {...}`, `manual: {}`)' })
    return null
  }
  const opts = (trig.options ?? {}) as Record<string, any>
  switch (trig.kind) {
    case 'webhook': {
      if (typeof opts.path !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9/_.-]{0,199}$/.test(opts.path)) {
        ctx.problems.push({ ...where, field: 'trigger.webhook.path', message: `path must be letters, digits, /, _, - or . (got ${JSON.stringify(opts.path)})` })
      }
      if (opts.auth !== undefined) checkAuth(opts.auth, ctx)
      const window = opts.dedupeWindow === undefined ? DEFAULT_DEDUPE_WINDOW_MS : tryParseDuration(opts.dedupeWindow)
      if (typeof window === 'string') ctx.problems.push({ ...where, field: 'trigger.webhook.dedupeWindow', message: window })
      const max = opts.maxBodyBytes === undefined ? DEFAULT_MAX_BODY_BYTES : tryParseBytes(opts.maxBodyBytes)
      if (typeof max === 'string') ctx.problems.push({ ...where, field: 'trigger.webhook.maxBodyBytes', message: max })
      return {
        kind: 'webhook',
        options: {
          ...opts,
          path: String(opts.path ?? '').replace(/^\/+/, ''),
          dedupeWindowMs: typeof window === 'number' ? window : DEFAULT_DEDUPE_WINDOW_MS,
          maxBodyBytes: typeof max === 'number' ? max : DEFAULT_MAX_BODY_BYTES,
        } as any,
      }
    }
    case 'schedule': {
      const timezone = opts.timezone ?? 'UTC'
      const missed: MissedTickPolicy = opts.missed ?? 'run-once'
      if (typeof opts.cron !== 'string') ctx.problems.push({ ...where, field: 'trigger.schedule.cron', message: 'a schedule needs a cron expression' })
      else {
        try {
          new Cron(opts.cron, { paused: true, timezone }).stop()
        } catch (e) {
          ctx.problems.push({ ...where, field: 'trigger.schedule.cron', message: `invalid cron expression "${opts.cron}" (timezone ${timezone}): ${(e as Error).message}` })
        }
      }
      if (!['skip', 'run-once', 'run-all'].includes(missed)) ctx.problems.push({ ...where, field: 'trigger.schedule.missed', message: 'missed must be skip, run-once or run-all' })
      return { kind: 'schedule', options: { cron: opts.cron, timezone, missed, payload: opts.payload ?? null } }
    }
    case 'manual':
      return { kind: 'manual', options: {} }
    default:
      ctx.problems.push({ ...where, field: 'trigger', message: `unknown trigger "${(trig as { kind: string }).kind}"; expected webhook, schedule or manual` })
      return null
  }
}

function checkAuth(auth: any, ctx: Ctx) {
  const where = { file: ctx.file, pipeline: ctx.pipeline, field: 'trigger.webhook.auth' }
  if (typeof auth !== 'object' || auth === null) {
    ctx.problems.push({ ...where, message: 'auth must be an object such as { header, secret } or { scheme: "standard-webhooks", secret }' })
    return
  }
  const scheme = auth.scheme ?? 'header'
  if (!AUTH_SCHEMES.includes(scheme)) {
    ctx.problems.push({ ...where, message: `unknown auth scheme "${scheme}"; expected one of ${AUTH_SCHEMES.join(', ')}` })
    return
  }
  const field = SECRET_FIELD[scheme]
  if (field) {
    const v = auth[field]
    const list = Array.isArray(v) ? v : [v]
    if (list.length === 0 || list.some((s) => typeof s !== 'string' || s.length === 0)) ctx.problems.push({ ...where, message: `${scheme} auth needs a non-empty ${field}` })
  }
  if ((scheme === 'header' || scheme === 'hmac-sha256') && typeof auth.header !== 'string') ctx.problems.push({ ...where, message: `${scheme} auth needs the header name` })
  if (scheme === 'basic' && typeof auth.username !== 'string') ctx.problems.push({ ...where, message: 'basic auth needs a username' })
}
