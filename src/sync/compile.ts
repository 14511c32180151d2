/**
 * Validate a sync definition (TypeScript or YAML) and compile it. Every problem is collected
 * and reported at once, each naming file, sync and field (`fields[2].owner`); things that work
 * but deserve a look (a field both sides own) become warnings on the compiled sync.
 * @module
 */
import { ConfigError, ErrorCodes, type Problem } from '../errors.js'
import { compileTemplate } from '../expr/index.js'
import { isEnvRef } from '../pipeline/define.js'
import { tryParseDuration } from '../pipeline/duration.js'
import { checkKeys, suggestion } from '../pipeline/suggest.js'
import { checkInterpolation } from '../pipeline/template-values.js'
import { hashDefinition } from '../pipeline/version.js'
import { normalize as normalizers } from '../transforms/index.js'
import { parseSideRef, type SideKind, type SideSpec } from './side.js'
import { builtinSideKinds } from './sides/index.js'
import type {
  CompiledField,
  CompiledFilter,
  CompiledKey,
  CompiledSync,
  CompiledSyncWebhook,
  DeletePolicy,
  KeyNormaliser,
  RelationDefinition,
  SyncDefinition,
  SyncSideName,
  Transform,
} from './types.js'

const SYNC_ID_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/
const TOP_KEYS = [
  'id',
  'description',
  'sides',
  'match',
  'fields',
  'create',
  'deletes',
  'filter',
  'pauseField',
  'schedule',
  'webhooks',
  'relations',
  'conflicts',
]
const FIELD_KEYS = ['a', 'b', 'direction', 'owner', 'toB', 'toA', 'conflict']
const CONFLICT_MODES = ['overwrite', 'markers'] as const
const DIRECTIONS = ['both', 'a-to-b', 'b-to-a'] as const
const OWNERS = ['a', 'b', 'latest'] as const
const CREATES = ['both', 'a-to-b', 'b-to-a', 'none'] as const
const DELETES = ['ignore', 'archive', 'propagate'] as const
const NORMALISERS = ['email', 'domain', 'phone', 'lower', 'trim', 'exact'] as const
export const DEFAULT_EVERY_MS = 5 * 60_000
export const DEFAULT_REPAIR_MS = 24 * 3_600_000
export const DEFAULT_SKEW_MS = 2000

export interface CompileSyncOptions {
  format: 'ts' | 'yaml'
  file?: string
  env?: Record<string, string | undefined>
  /** Side kinds by name. @defaultValue the built-in kinds */
  sideKinds?: Map<string, SideKind<any>>
}

interface Ctx {
  file: string | undefined
  sync: string
  problems: Problem[]
  warnings: Problem[]
}

export function compileSync(def: SyncDefinition, options: CompileSyncOptions): CompiledSync {
  const raw = def as unknown as Record<string, unknown>
  const file = options.file
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ConfigError([{ file, message: 'a sync must be an object with id, sides, match and fields' }], ErrorCodes.SYNC_INVALID)
  const id = typeof raw.id === 'string' ? raw.id : ''
  const ctx: Ctx = { file, sync: id, problems: [], warnings: [] }
  const problem = (field: string | undefined, message: string) => ctx.problems.push({ file, sync: id || undefined, field, message })
  if (!SYNC_ID_RE.test(id)) problem('id', `sync id must be lower-case letters, digits, - or _ (got ${JSON.stringify(raw.id)})`)
  checkKeys(raw, TOP_KEYS, 'sync field', problem)
  checkInterpolation(raw, problem)
  const resolved = resolveEnv(raw, options.env ?? {}, (name) => problem(undefined, `environment variable ${name} is not set`))
  const kinds = options.sideKinds ?? builtinSideKinds()

  const sidesRaw = resolved.sides as Record<string, unknown> | undefined
  if (typeof sidesRaw !== 'object' || sidesRaw === null) problem('sides', 'sides must be { a: <side>, b: <side> }')
  else for (const k of Object.keys(sidesRaw)) if (k !== 'a' && k !== 'b') problem(`sides.${k}`, 'a sync has two sides, a and b')
  const a = compileSide(sidesRaw?.a, 'a', kinds, ctx)
  const b = compileSide(sidesRaw?.b, 'b', kinds, ctx)
  const known = {
    a: a ? (kinds.get(a.spec.kind)?.knownFields?.(a.spec) ?? null) : null,
    b: b ? (kinds.get(b.spec.kind)?.knownFields?.(b.spec) ?? null) : null,
  }
  const checkField = (side: SyncSideName, name: unknown, at: string): name is string => {
    if (typeof name !== 'string' || name === '') {
      problem(at, `must name a field of side ${side}`)
      return false
    }
    const list = known[side]
    if (list && !list.includes(name))
      problem(at, `unknown field "${name}" on side ${side} (${side === 'a' ? a?.ref : b?.ref}); known: ${list.join(', ')}`)
    return true
  }

  if (a && b && a.spec.kind === b.spec.kind && a.spec.connection === b.spec.connection && a.spec.object === b.spec.object)
    problem('sides.b', `side b is side a (${a.ref}): a sync keeps two different record sets in agreement`)
  const match = compileMatch(resolved.match, checkField, ctx)
  if (match?.fallback && match.fallback.a === match.a && match.fallback.b === match.b)
    problem('match.fallback', `the fallback key is the main key (${match.a} ↔ ${match.b}); name other fields, or leave fallback out`)
  const fields = compileFields(resolved.fields, checkField, ctx)
  const create = pickEnum(resolved.create, CREATES, 'both', 'create', ctx)
  const deletes = compileDeletes(resolved.deletes, ctx)
  for (const [dir, target] of [
    ['aToB', b],
    ['bToA', a],
  ] as const) {
    const policy = deletes[dir]
    if (!target || policy === 'ignore') continue
    const can = kinds.get(target.spec.kind)?.supports?.[policy === 'archive' ? 'archive' : 'delete'] ?? false
    if (!can)
      problem(
        'deletes',
        `deletes: ${policy} needs side ${dir === 'aToB' ? 'b' : 'a'} (${target.ref}) to ${policy === 'archive' ? 'archive' : 'delete'} records, which a ${target.spec.kind} side cannot; use ${policy === 'archive' ? 'propagate or ignore' : 'archive or ignore'}`,
      )
  }
  const filter = compileFilters(resolved.filter, ctx)
  const pauseField = compilePause(resolved.pauseField, checkField, ctx)
  // without an interval of its own, a sync polls as often as its slower side suggests (Notion, a folder: 15 min)
  const suggested = Math.max(
    DEFAULT_EVERY_MS,
    ...[a, b].map((s) => (s ? (kinds.get(s.spec.kind)?.defaultEveryMs ?? DEFAULT_EVERY_MS) : DEFAULT_EVERY_MS)),
  )
  const schedule = compileSchedule(resolved.schedule, ctx, suggested)
  const conflicts = (resolved.conflicts ?? {}) as Record<string, unknown>
  if (typeof conflicts !== 'object' || conflicts === null) problem('conflicts', 'conflicts must be { skew?, ties? }')
  const skewMs = conflicts.skew === undefined ? DEFAULT_SKEW_MS : duration(conflicts.skew, 'conflicts.skew', ctx)
  const ties = pickEnum(conflicts.ties, ['a', 'b'] as const, 'a', 'conflicts.ties', ctx)
  checkKeys(conflicts, ['skew', 'ties'], 'conflicts field', (k, m) => problem(`conflicts.${k}`, m))
  const webhooks = compileWebhooks(resolved.webhooks, ctx)
  const relations = compileRelations(resolved.relations, checkField, ctx)

  if (ctx.problems.length > 0) throw new ConfigError(ctx.problems, ErrorCodes.SYNC_INVALID)
  /** The fields of a side the sync reads (sides that must name what they fetch, like HubSpot's properties). */
  const usedFields = (side: SyncSideName): string[] =>
    [
      ...new Set([
        match![side],
        ...(match!.fallback ? [match!.fallback[side]] : []),
        ...fields.map((f) => f[side]),
        ...(pauseField[side] ? [pauseField[side]!] : []),
        ...(side === 'a' ? relations.map((r) => r.field) : []),
      ]),
    ].filter((f): f is string => typeof f === 'string' && f !== '')
  return Object.freeze({
    id,
    version: hashDefinition(def),
    description: typeof resolved.description === 'string' ? resolved.description : null,
    source: { format: options.format, file: file ?? null },
    sides: { a: { ...a!.spec, fields: usedFields('a') }, b: { ...b!.spec, fields: usedFields('b') } },
    match: match!,
    fields,
    create: { aToB: create === 'both' || create === 'a-to-b', bToA: create === 'both' || create === 'b-to-a' },
    deletes,
    filter,
    pauseField,
    everyMs: schedule.everyMs,
    repairEveryMs: schedule.repairEveryMs,
    skewMs: skewMs ?? DEFAULT_SKEW_MS,
    ties,
    webhooks,
    relations,
    warnings: ctx.warnings,
  }) as CompiledSync
}

type CheckField = (side: SyncSideName, name: unknown, at: string) => boolean

function push(ctx: Ctx, field: string | undefined, message: string): void {
  ctx.problems.push({ file: ctx.file, sync: ctx.sync || undefined, field, message })
}

function compileSide(
  raw: unknown,
  name: SyncSideName,
  kinds: Map<string, SideKind<any>>,
  ctx: Ctx,
): { spec: SideSpec; ref: string } | null {
  const at = `sides.${name}`
  if (raw === undefined) {
    push(ctx, at, `side ${name} is missing; e.g. "hubspot:main/contacts" or { side: "postgres:crm/customers", key: "id" }`)
    return null
  }
  const obj = typeof raw === 'string' ? { side: raw } : (raw as Record<string, unknown>)
  if (typeof obj !== 'object' || obj === null || typeof obj.side !== 'string') {
    push(ctx, at, 'must be a side reference "<kind>:<connection>/<object>" or { side: "<kind>:<connection>/<object>", …options }')
    return null
  }
  const ref = parseSideRef(obj.side)
  if (!ref) {
    push(ctx, `${at}.side`, `"${obj.side}" is not a side reference; use "<kind>:<connection>/<object>", e.g. "hubspot:main/contacts"`)
    return null
  }
  const kind = kinds.get(ref.kind)
  if (!kind) {
    push(ctx, `${at}.side`, `unknown side kind "${ref.kind}"; known: ${[...kinds.keys()].join(', ')}`)
    return null
  }
  const { side: _side, ...rest } = obj
  const parsed = kind.options.safeParse(rest)
  if (!parsed.success) {
    const shape = (kind.options as { shape?: Record<string, unknown> }).shape
    for (const issue of parsed.error.issues) {
      const path = issue.path.length ? `${at}.${issue.path.join('.')}` : at
      if (issue.code === 'unrecognized_keys' && issue.path.length === 0 && shape) {
        const known = Object.keys(shape)
        for (const key of (issue as { keys: string[] }).keys)
          push(ctx, `${at}.${key}`, `unknown ${ref.kind} side option "${key}"${suggestion(key, known)}`)
        continue
      }
      const extra = issue.code === 'unrecognized_keys' ? ` (${(issue as { keys: string[] }).keys.join(', ')})` : ''
      push(ctx, path, `${issue.message}${extra}`)
    }
    return null
  }
  return { spec: { ...ref, options: parsed.data as Record<string, unknown> }, ref: obj.side }
}

const NORMALISE: Record<(typeof NORMALISERS)[number], (v: unknown) => string | null> = {
  email: (v) => (typeof v === 'string' ? normalizers.email(v) : null),
  domain: (v) => (typeof v === 'string' ? normalizers.domain(v) : null),
  phone: (v) => (typeof v === 'string' || typeof v === 'number' ? normalizers.phone(String(v)) : null),
  lower: (v) => text(v)?.toLowerCase() ?? null,
  trim: (v) => text(v),
  exact: (v) => (v === null || v === undefined || v === '' ? null : String(v)),
}

function text(v: unknown): string | null {
  if (v === null || v === undefined) return null
  const s = String(v).trim()
  return s === '' ? null : s
}

function compileKey(raw: unknown, at: string, fallbackNormaliser: string, check: CheckField, ctx: Ctx): CompiledKey | null {
  if (typeof raw !== 'object' || raw === null) {
    push(ctx, at, `must be { a: <field>, b: <field>, normalize? }, e.g. { a: email, b: email, normalize: email }`)
    return null
  }
  const r = raw as Record<string, unknown>
  checkKeys(r, at === 'match' ? ['a', 'b', 'normalize', 'fallback'] : ['a', 'b', 'normalize'], `${at} field`, (k, m) =>
    push(ctx, `${at}.${k}`, m),
  )
  const okA = check('a', r.a, `${at}.a`)
  const okB = check('b', r.b, `${at}.b`)
  const n = (r.normalize ?? (r.a === 'email' && r.b === 'email' ? 'email' : fallbackNormaliser)) as KeyNormaliser
  let fn: (v: unknown) => string | null
  let name: string
  if (typeof n === 'function') {
    fn = (v) => text(n(v))
    name = 'custom'
  } else if (NORMALISERS.includes(n as (typeof NORMALISERS)[number])) {
    fn = NORMALISE[n as (typeof NORMALISERS)[number]]
    name = n
  } else {
    push(ctx, `${at}.normalize`, `unknown normaliser ${JSON.stringify(n)}; use one of ${NORMALISERS.join(', ')} or a function`)
    return null
  }
  if (!okA || !okB) return null
  return { a: r.a as string, b: r.b as string, normalize: fn, normalizeName: name }
}

function compileMatch(raw: unknown, check: CheckField, ctx: Ctx): (CompiledKey & { fallback: CompiledKey | null }) | null {
  if (raw === undefined) {
    push(ctx, 'match', 'match is required: the key that pairs records, e.g. { a: email, b: email, normalize: email }')
    return null
  }
  const main = compileKey(raw, 'match', 'lower', check, ctx)
  const fb = (raw as Record<string, unknown>)?.fallback
  const fallback = fb === undefined ? null : compileKey(fb, 'match.fallback', 'exact', check, ctx)
  return main ? { ...main, fallback } : null
}

function compileTransform(raw: unknown, at: string, ctx: Ctx): Transform | null {
  if (raw === undefined) return (v) => v
  if (typeof raw === 'function') return raw as Transform
  if (typeof raw === 'string') {
    try {
      const ev = compileTemplate(raw, { field: at })
      return (value, fields) => ev({ value, fields, event: null, run: null as never }) as unknown
    } catch (e) {
      if (e instanceof ConfigError) for (const p of e.problems) push(ctx, at, p.message)
      else push(ctx, at, (e as Error).message)
      return null
    }
  }
  push(ctx, at, 'a transform is a function (value, fields) => … or a "{{ … }}" template over value and fields')
  return null
}

function compileFields(raw: unknown, check: CheckField, ctx: Ctx): CompiledField[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    push(ctx, 'fields', 'fields must be a non-empty list of { a, b, direction?, owner?, toB?, toA? }')
    return []
  }
  const out: CompiledField[] = []
  const seen = { a: new Map<string, number>(), b: new Map<string, number>() }
  raw.forEach((f, i) => {
    const at = `fields[${i}]`
    if (typeof f !== 'object' || f === null) {
      push(ctx, at, 'must be { a: <field>, b: <field>, … }')
      return
    }
    const r = f as Record<string, unknown>
    checkKeys(r, FIELD_KEYS, 'field option', (k, m) => push(ctx, `${at}.${k}`, m))
    const okA = check('a', r.a, `${at}.a`)
    const okB = check('b', r.b, `${at}.b`)
    for (const side of ['a', 'b'] as const) {
      const name = r[side]
      if (typeof name !== 'string') continue
      const prev = seen[side].get(name)
      if (prev !== undefined)
        push(ctx, `${at}.${side}`, `field "${name}" of side ${side} is already mapped by fields[${prev}]; map each field once`)
      else seen[side].set(name, i)
    }
    const direction = pickEnum(r.direction, DIRECTIONS, 'both', `${at}.direction`, ctx)
    const owner = pickEnum(r.owner, OWNERS, 'latest', `${at}.owner`, ctx)
    const toB = compileTransform(r.toB, `${at}.toB`, ctx)
    const toA = compileTransform(r.toA, `${at}.toA`, ctx)
    const conflict = pickEnum(r.conflict, CONFLICT_MODES, 'overwrite', `${at}.conflict`, ctx)
    if (conflict === 'markers' && direction !== 'both')
      push(ctx, `${at}.conflict`, 'conflict: markers needs direction: both (only a field both sides change can conflict)')
    if (!okA || !okB || !toB || !toA) return
    const label = `${r.a} ↔ ${r.b}`
    if (direction !== 'both') {
      const to = direction === 'a-to-b' ? 'b' : 'a'
      const unused = direction === 'a-to-b' ? 'toA' : 'toB'
      if (r.owner === to)
        push(
          ctx,
          `${at}.owner`,
          `owner ${to} contradicts direction ${direction} on field ${label}: ${to}'s edits are overwritten by the other side's; use direction: both with owner: ${to}, or drop owner`,
        )
      else if (r.owner === 'latest')
        ctx.warnings.push({
          file: ctx.file,
          sync: ctx.sync,
          field: `${at}.owner`,
          message: `owner: latest has no effect on field ${label}: it flows ${direction} only, so the other side's edits are overwritten`,
        })
      if (r[unused] !== undefined)
        ctx.warnings.push({
          file: ctx.file,
          sync: ctx.sync,
          field: `${at}.${unused}`,
          message: `${unused} is never used: field ${label} flows ${direction} only`,
        })
    }
    if (direction === 'both' && r.owner === undefined)
      ctx.warnings.push({
        file: ctx.file,
        sync: ctx.sync,
        field: `${at}.owner`,
        message: `both sides own field ${label} (direction: both, no owner): when both change it, the later write wins (a tie goes to conflicts.ties, side a unless set); set owner: latest to say so, or owner: a | b`,
      })
    out.push({ a: r.a as string, b: r.b as string, label, direction, owner, toB, toA, conflict })
  })
  return out
}

function compileDeletes(raw: unknown, ctx: Ctx): { aToB: DeletePolicy; bToA: DeletePolicy } {
  if (raw === undefined || typeof raw === 'string') {
    const p = pickEnum(raw, DELETES, 'ignore', 'deletes', ctx)
    return { aToB: p, bToA: p }
  }
  if (typeof raw !== 'object' || raw === null) {
    push(ctx, 'deletes', `deletes must be one of ${DELETES.join(', ')} or { a-to-b, b-to-a }`)
    return { aToB: 'ignore', bToA: 'ignore' }
  }
  const r = raw as Record<string, unknown>
  for (const k of Object.keys(r)) if (k !== 'a-to-b' && k !== 'b-to-a') push(ctx, `deletes.${k}`, 'unknown direction; use a-to-b or b-to-a')
  return {
    aToB: pickEnum(r['a-to-b'], DELETES, 'ignore', 'deletes.a-to-b', ctx),
    bToA: pickEnum(r['b-to-a'], DELETES, 'ignore', 'deletes.b-to-a', ctx),
  }
}

function compileFilters(raw: unknown, ctx: Ctx): { a: CompiledFilter | null; b: CompiledFilter | null } {
  const out: { a: CompiledFilter | null; b: CompiledFilter | null } = { a: null, b: null }
  if (raw === undefined) return out
  if (typeof raw !== 'object' || raw === null) {
    push(ctx, 'filter', 'filter must be { a?: <predicate>, b?: <predicate> }')
    return out
  }
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (k !== 'a' && k !== 'b') {
      push(ctx, `filter.${k}`, 'a filter applies to side a or b')
      continue
    }
    if (typeof v === 'function') out[k] = v as CompiledFilter
    else if (typeof v === 'string') {
      try {
        const ev = compileTemplate(v, { field: `filter.${k}` })
        out[k] = (rec) => {
          const r = ev({ fields: rec.fields, id: rec.id, event: null, run: null as never })
          return r instanceof Promise ? r.then(Boolean) : Boolean(r)
        }
      } catch (e) {
        for (const p of (e as ConfigError).problems ?? [{ message: (e as Error).message }]) push(ctx, `filter.${k}`, p.message)
      }
    } else push(ctx, `filter.${k}`, 'a filter is a function ({ fields, id }) => boolean or a "{{ … }}" template over fields and id')
  }
  return out
}

function compilePause(raw: unknown, check: CheckField, ctx: Ctx): { a: string | null; b: string | null } {
  if (raw === undefined) return { a: null, b: null }
  if (typeof raw === 'string') return { a: check('a', raw, 'pauseField') ? raw : null, b: null }
  if (typeof raw !== 'object' || raw === null) {
    push(ctx, 'pauseField', 'pauseField is a field of side a, or { a?: <field>, b?: <field> }')
    return { a: null, b: null }
  }
  const r = raw as Record<string, unknown>
  for (const k of Object.keys(r)) if (k !== 'a' && k !== 'b') push(ctx, `pauseField.${k}`, 'use a or b')
  return {
    a: r.a !== undefined && check('a', r.a, 'pauseField.a') ? (r.a as string) : null,
    b: r.b !== undefined && check('b', r.b, 'pauseField.b') ? (r.b as string) : null,
  }
}

function compileSchedule(
  raw: unknown,
  ctx: Ctx,
  everyDefault = DEFAULT_EVERY_MS,
): { everyMs: number | null; repairEveryMs: number | null } {
  if (raw === undefined) return { everyMs: everyDefault, repairEveryMs: DEFAULT_REPAIR_MS }
  if (typeof raw === 'string' || typeof raw === 'number')
    return { everyMs: duration(raw, 'schedule', ctx, 1000), repairEveryMs: DEFAULT_REPAIR_MS }
  if (typeof raw !== 'object' || raw === null) {
    push(ctx, 'schedule', 'schedule is a poll interval ("5m") or { every?, repair? }')
    return { everyMs: null, repairEveryMs: null }
  }
  const r = raw as Record<string, unknown>
  checkKeys(r, ['every', 'repair'], 'schedule field', (k, m) => push(ctx, `schedule.${k}`, m))
  return {
    everyMs: r.every === undefined ? everyDefault : duration(r.every, 'schedule.every', ctx, 1000),
    repairEveryMs:
      r.repair === false ? null : r.repair === undefined ? DEFAULT_REPAIR_MS : duration(r.repair, 'schedule.repair', ctx, 60_000),
  }
}

function duration(raw: unknown, at: string, ctx: Ctx, min = 0): number | null {
  const ms = tryParseDuration(raw as string)
  if (typeof ms === 'string') {
    push(ctx, at, ms)
    return null
  }
  if (ms < min) {
    push(ctx, at, `must be at least ${min} ms (got ${ms})`)
    return null
  }
  return ms
}

function compileWebhooks(raw: unknown, ctx: Ctx): CompiledSyncWebhook[] {
  if (raw === undefined) return []
  if (!Array.isArray(raw)) {
    push(ctx, 'webhooks', 'webhooks must be a list of { side, path, auth?, ids?, split? }')
    return []
  }
  const out: CompiledSyncWebhook[] = []
  const paths = new Set<string>()
  raw.forEach((w, i) => {
    const at = `webhooks[${i}]`
    const r = (w ?? {}) as Record<string, unknown>
    checkKeys(r, ['side', 'path', 'auth', 'ids', 'split', 'normalize'], 'webhook field', (k, m) => push(ctx, `${at}.${k}`, m))
    if (r.normalize !== undefined && r.normalize !== 'mailchimp' && r.normalize !== 'hubspot')
      push(ctx, `${at}.normalize`, 'must be mailchimp or hubspot')
    if (r.side !== 'a' && r.side !== 'b') push(ctx, `${at}.side`, 'must be a or b: the side whose changes the webhook announces')
    if (typeof r.path !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9/_.-]*$/.test(r.path))
      push(ctx, `${at}.path`, 'must be a path under /hooks/ (letters, digits, / _ . -)')
    else if (paths.has(r.path)) push(ctx, `${at}.path`, `path "${r.path}" is used twice`)
    else paths.add(r.path)
    if (r.split !== undefined && r.split !== 'hubspot' && r.split !== 'array') push(ctx, `${at}.split`, 'must be hubspot or array')
    let ids: CompiledSyncWebhook['ids'] = null
    if (typeof r.ids === 'function') {
      const fn = r.ids as (p: unknown) => unknown
      ids = (p) => asIds(fn(p))
    } else if (typeof r.ids === 'string') {
      const path = r.ids.split('.')
      ids = (p) => asIds(path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), p))
    } else if (r.ids !== undefined) push(ctx, `${at}.ids`, 'must be a dot-path into the event (e.g. objectId) or a function')
    // a normalised event names its record: Mailchimp's subscriber hash, HubSpot's object id
    else if (r.normalize !== undefined) ids = (p) => asIds((p as { recordId?: unknown } | null)?.recordId)
    out.push({
      side: r.side as SyncSideName,
      path: String(r.path),
      auth: r.auth as CompiledSyncWebhook['auth'],
      ids,
      split: r.split as CompiledSyncWebhook['split'],
      ...(r.normalize !== undefined ? { normalize: r.normalize as 'mailchimp' | 'hubspot' } : {}),
    })
  })
  return out
}

function asIds(v: unknown): string[] | null {
  if (v === null || v === undefined || v === '') return null
  const list = Array.isArray(v) ? v : [v]
  return list.filter((x) => x !== null && x !== undefined && x !== '').map(String)
}

function compileRelations(raw: unknown, check: CheckField, ctx: Ctx): RelationDefinition[] {
  if (raw === undefined) return []
  if (!Array.isArray(raw)) {
    push(ctx, 'relations', 'relations must be a list of { field, sync, relation }')
    return []
  }
  return raw.flatMap((r0, i) => {
    const at = `relations[${i}]`
    const r = (r0 ?? {}) as Record<string, unknown>
    checkKeys(r, ['field', 'sync', 'relation'], 'relation field', (k, m) => push(ctx, `${at}.${k}`, m))
    const ok = check('a', r.field, `${at}.field`)
    if (typeof r.sync !== 'string' || !SYNC_ID_RE.test(r.sync))
      push(ctx, `${at}.sync`, 'must name the sync whose links translate the foreign key')
    if (typeof r.relation !== 'string' || r.relation === '') push(ctx, `${at}.relation`, 'must name a relation of side b (e.g. companies)')
    return ok && typeof r.sync === 'string' && typeof r.relation === 'string'
      ? [{ field: r.field as string, sync: r.sync, relation: r.relation }]
      : []
  })
}

function pickEnum<T extends string>(raw: unknown, allowed: readonly T[], fallback: T, at: string, ctx: Ctx): T {
  if (raw === undefined) return fallback
  if (typeof raw === 'string' && (allowed as readonly string[]).includes(raw)) return raw as T
  push(ctx, at, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(raw)})`)
  return fallback
}

/** `env()` references and `${VAR}` in strings, resolved from the environment given. */
function resolveEnv(v: unknown, env: Record<string, string | undefined>, missing: (name: string) => void, depth = 0): any {
  if (isEnvRef(v)) {
    const value = env[v.name] ?? v.fallback
    if (value === undefined) missing(v.name)
    return value ?? ''
  }
  if (typeof v === 'string')
    return v.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}/g, (_, name: string, fallback: string | undefined) => {
      const value = env[name] ?? fallback
      if (value === undefined) missing(name)
      return value ?? ''
    })
  if (depth > 32 || typeof v !== 'object' || v === null) return v
  if (Array.isArray(v)) return v.map((x) => resolveEnv(x, env, missing, depth + 1))
  const proto = Object.getPrototypeOf(v)
  if (proto !== Object.prototype && proto !== null) return v
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveEnv(x, env, missing, depth + 1)]))
}
