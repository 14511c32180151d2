/**
 * Validate and compile a pipeline's trigger.
 * @module
 */
import { Cron } from 'croner'
import { ConfigError, type Problem } from '../errors.js'
import { validatorFor } from '../triggers/body/schema.js'
import { checkAllowIps } from '../triggers/ip-allowlist.js'
import { compilePoll } from './compile-poll.js'
import { compileComputed } from './computed.js'
import { tryParseBytes, tryParseDuration } from './duration.js'
import { checkKeys, nearestKey } from './suggest.js'
import type { CompiledTrigger, MissedTickPolicy, TriggerDefinition } from './types.js'

export const DEFAULT_DEDUPE_WINDOW_MS = 86_400_000
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024
/** `retain: true` keeps a raw copy this long. */
export const DEFAULT_RETAIN_MS = 7 * 86_400_000
/** Longest a sender may be kept waiting by `respond`. */
export const MAX_RESPOND_TIMEOUT_MS = 30_000
const AUTH_SCHEMES = ['header', 'hmac-sha256', 'standard-webhooks', 'slack', 'hubspot-v3', 'bearer', 'basic', 'url-secret', 'none']
const SECRET_FIELD: Record<string, string> = {
  header: 'secret',
  'hmac-sha256': 'secret',
  'standard-webhooks': 'secret',
  slack: 'secret',
  'hubspot-v3': 'secret',
  bearer: 'token',
  basic: 'password',
  'url-secret': 'secret',
}

const WEBHOOK_KEYS = [
  'path',
  'auth',
  'deliveryId',
  'dedupeWindow',
  'maxBodyBytes',
  'schema',
  'respond',
  'redact',
  'retain',
  'split',
  'normalize',
  'allowIps',
]
const SCHEDULE_KEYS = ['cron', 'timezone', 'missed', 'payload']
const AUTH_KEYS: Record<string, string[]> = {
  header: ['scheme', 'header', 'secret'],
  'hmac-sha256': ['scheme', 'header', 'secret', 'encoding', 'prefix'],
  'standard-webhooks': ['scheme', 'secret'],
  slack: ['scheme', 'secret'],
  'hubspot-v3': ['scheme', 'secret', 'publicBaseUrl'],
  bearer: ['scheme', 'token'],
  basic: ['scheme', 'username', 'password'],
  'url-secret': ['scheme', 'secret', 'query'],
  none: ['scheme'],
}

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
    ctx.problems.push({
      ...where,
      field: 'trigger',
      message:
        'trigger must be one of webhook({...}), schedule({...}), poll({...}) or manual() (YAML: `webhook: {...}`, `schedule: {...}`, `poll: {...}`, `manual: {}`)',
    })
    return null
  }
  const opts = (trig.options ?? {}) as Record<string, any>
  const keys = (known: string[], at: string) =>
    checkKeys(opts, known, `${at} option`, (k, message) => ctx.problems.push({ ...where, field: `trigger.${at}.${k}`, message }))
  switch (trig.kind) {
    case 'webhook': {
      keys(WEBHOOK_KEYS, 'webhook')
      if (opts.allowIps !== undefined)
        for (const message of checkAllowIps(opts.allowIps)) ctx.problems.push({ ...where, field: 'trigger.webhook.allowIps', message })
      if (typeof opts.path !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9/_.-]{0,199}$/.test(opts.path)) {
        ctx.problems.push({
          ...where,
          field: 'trigger.webhook.path',
          message: `path must be letters, digits, /, _, - or . (got ${JSON.stringify(opts.path)})`,
        })
      }
      if (opts.auth !== undefined) checkAuth(opts.auth, ctx)
      const window = opts.dedupeWindow === undefined ? DEFAULT_DEDUPE_WINDOW_MS : tryParseDuration(opts.dedupeWindow)
      if (typeof window === 'string') ctx.problems.push({ ...where, field: 'trigger.webhook.dedupeWindow', message: window })
      const max = opts.maxBodyBytes === undefined ? DEFAULT_MAX_BODY_BYTES : tryParseBytes(opts.maxBodyBytes)
      if (typeof max === 'string') ctx.problems.push({ ...where, field: 'trigger.webhook.maxBodyBytes', message: max })
      checkWebhookExtras(opts, ctx)
      const respond = compileRespond(opts.respond, ctx)
      return {
        kind: 'webhook',
        options: {
          ...opts,
          path: String(opts.path ?? '').replace(/^\/+/, ''),
          dedupeWindowMs: typeof window === 'number' ? window : DEFAULT_DEDUPE_WINDOW_MS,
          maxBodyBytes: typeof max === 'number' ? max : DEFAULT_MAX_BODY_BYTES,
          retainMs: compileRetain(opts.retain, ctx),
          ...(respond ? { respond } : {}),
        } as any,
      }
    }
    case 'schedule': {
      keys(SCHEDULE_KEYS, 'schedule')
      const timezone = opts.timezone ?? 'UTC'
      const missed: MissedTickPolicy = opts.missed ?? 'run-once'
      if (typeof opts.cron !== 'string')
        ctx.problems.push({ ...where, field: 'trigger.schedule.cron', message: 'a schedule needs a cron expression' })
      else {
        try {
          new Cron(opts.cron, { paused: true, timezone }).stop()
        } catch (e) {
          ctx.problems.push({
            ...where,
            field: 'trigger.schedule.cron',
            message: `invalid cron expression "${opts.cron}" (timezone ${timezone}): ${(e as Error).message}`,
          })
        }
      }
      if (!['skip', 'run-once', 'run-all'].includes(missed))
        ctx.problems.push({ ...where, field: 'trigger.schedule.missed', message: 'missed must be skip, run-once or run-all' })
      return { kind: 'schedule', options: { cron: opts.cron, timezone, missed, payload: opts.payload ?? null } }
    }
    case 'poll':
      return compilePoll(opts, ctx)
    case 'manual':
      if (opts !== null) keys([], 'manual')
      return { kind: 'manual', options: {} }
    default: {
      const kind = (trig as { kind: string }).kind
      const near = nearestKey(kind, ['webhook', 'schedule', 'poll', 'manual'])
      ctx.problems.push({
        ...where,
        field: 'trigger',
        message: `unknown trigger "${kind}"; ${near ? `did you mean ${near}?` : 'expected webhook, schedule, poll or manual'}`,
      })
      return null
    }
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
    const near = typeof scheme === 'string' ? nearestKey(scheme, AUTH_SCHEMES) : null
    ctx.problems.push({
      ...where,
      field: 'trigger.webhook.auth.scheme',
      message: `unknown auth scheme "${scheme}"; ${near ? `did you mean ${near}?` : `expected one of ${AUTH_SCHEMES.join(', ')}`}`,
    })
    return
  }
  checkKeys(auth, AUTH_KEYS[scheme] ?? [], `${scheme} auth option`, (k, message) =>
    ctx.problems.push({ ...where, field: `trigger.webhook.auth.${k}`, message }),
  )
  const field = SECRET_FIELD[scheme]
  if (field) {
    const v = auth[field]
    const list = Array.isArray(v) ? v : [v]
    if (list.length === 0 || list.some((s) => typeof s !== 'string' || s.length === 0))
      ctx.problems.push({ ...where, message: `${scheme} auth needs a non-empty ${field}` })
  }
  if ((scheme === 'header' || scheme === 'hmac-sha256') && typeof auth.header !== 'string')
    ctx.problems.push({ ...where, message: `${scheme} auth needs the header name` })
  if (scheme === 'basic' && typeof auth.username !== 'string') ctx.problems.push({ ...where, message: 'basic auth needs a username' })
  if (scheme === 'url-secret' && auth.query !== undefined && (typeof auth.query !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(auth.query)))
    ctx.problems.push({
      ...where,
      message: `url-secret query must be a plain query key such as "secret" (got ${JSON.stringify(auth.query)})`,
    })
}

/** schema (compiled now, so a bad one fails start-up), split, deliveryId and redact. */
function checkWebhookExtras(opts: Record<string, any>, ctx: Ctx) {
  const problem = (field: string, message: string) =>
    ctx.problems.push({ file: ctx.file, pipeline: ctx.pipeline, field: `trigger.webhook.${field}`, message })
  if (opts.schema !== undefined && opts.schema !== null) {
    try {
      validatorFor(opts.schema)
    } catch (e) {
      problem('schema', (e as Error).message.replace(/^\[PW_[A-Z_]+\] (trigger\.webhook\.schema )?/, ''))
    }
  }
  const split = opts.split
  if (split !== undefined) {
    const pathOk =
      typeof split === 'object' && split !== null && !Array.isArray(split) && Object.keys(split).every((k) => k === 'deliveryIdPath')
    const idPath = pathOk ? (split as { deliveryIdPath?: unknown }).deliveryIdPath : undefined
    if (split !== 'hubspot' && split !== 'array' && !pathOk)
      problem('split', `split must be "hubspot", "array" or { deliveryIdPath: "a.dot.path" } (got ${JSON.stringify(split)})`)
    else if (pathOk && idPath !== undefined && (typeof idPath !== 'string' || idPath === '' || idPath.split('.').includes('')))
      problem('split.deliveryIdPath', `deliveryIdPath must be a dot-path such as "data.id" (got ${JSON.stringify(idPath)})`)
  }
  const id = opts.deliveryId
  if (id !== undefined && typeof id !== 'function' && (typeof id !== 'string' || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(id))) {
    problem('deliveryId', `deliveryId must be a header name or a function (event, headers) => id (got ${JSON.stringify(id)})`)
  }
  const normalize = opts.normalize
  if (normalize !== undefined) {
    if (normalize !== 'mailchimp' && normalize !== 'hubspot')
      problem('normalize', `normalize must be "mailchimp" or "hubspot" (got ${JSON.stringify(normalize)})`)
    else {
      if (split !== undefined) problem('split', `split cannot be combined with normalize: "${normalize}" (it splits on its own)`)
      const wanted = normalize === 'mailchimp' ? 'url-secret' : 'hubspot-v3'
      if (opts.auth === undefined)
        problem(
          'auth',
          `normalize: "${normalize}" needs auth: { scheme: "${wanted}", secret } so forged events are refused (or { scheme: "none" } to accept anyone's)`,
        )
    }
  }
  const redact = opts.redact
  if (
    redact !== undefined &&
    (!Array.isArray(redact) || redact.some((p) => typeof p !== 'string' || p === '' || p.split('.').includes('')))
  ) {
    problem('redact', 'redact must be a list of dot-paths such as ["card.number", "contacts.*.email"]')
  }
}

function compileRetain(retain: unknown, ctx: Ctx): number | null {
  const problem = (field: string, message: string) =>
    ctx.problems.push({ file: ctx.file, pipeline: ctx.pipeline, field: `trigger.webhook.${field}`, message })
  if (retain === undefined || retain === false || retain === null) return null
  if (retain === true) return DEFAULT_RETAIN_MS
  if (typeof retain !== 'object' || Array.isArray(retain) || Object.keys(retain).some((k) => k !== 'ttl')) {
    problem('retain', 'retain must be true or { ttl: "7d" }')
    return null
  }
  const ttl = (retain as { ttl?: unknown }).ttl
  if (ttl === undefined) return DEFAULT_RETAIN_MS
  const ms = tryParseDuration(ttl as string)
  if (typeof ms === 'string' || ms === 0) {
    problem('retain.ttl', typeof ms === 'string' ? ms : 'must be greater than 0')
    return null
  }
  return ms
}

/** `respond: { timeoutMs, status?, body? }`; `body` is compiled like a step's value (`{{ }}` in YAML). */
function compileRespond(respond: unknown, ctx: Ctx): { timeoutMs: number; status?: number; body?: unknown } | undefined {
  const where = { file: ctx.file, pipeline: ctx.pipeline }
  const problem = (field: string, message: string) => ctx.problems.push({ ...where, field: `trigger.webhook.respond${field}`, message })
  if (respond === undefined || respond === null) return undefined
  if (typeof respond !== 'object' || Array.isArray(respond)) {
    problem('', 'respond must be { timeoutMs, status?, body? }')
    return undefined
  }
  const r = respond as Record<string, unknown>
  for (const k of Object.keys(r))
    if (!['timeoutMs', 'status', 'body'].includes(k)) problem(`.${k}`, `unknown respond option "${k}"; expected timeoutMs, status, body`)
  const t = r.timeoutMs
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > MAX_RESPOND_TIMEOUT_MS)
    problem('.timeoutMs', `must be a whole number of milliseconds from 1 to ${MAX_RESPOND_TIMEOUT_MS}`)
  const status = r.status
  if (status !== undefined && (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 299))
    problem('.status', 'must be a 2xx status code (the event is already accepted)')
  const out: { timeoutMs: number; status?: number; body?: unknown } = { timeoutMs: typeof t === 'number' ? t : 0 }
  if (typeof status === 'number') out.status = status
  if (r.body !== undefined) {
    try {
      out.body = compileComputed(r.body, { ...where, field: 'trigger.webhook.respond.body' })
    } catch (e) {
      if (e instanceof ConfigError) ctx.problems.push(...e.problems)
      else problem('.body', (e as Error).message)
    }
  }
  return out
}
