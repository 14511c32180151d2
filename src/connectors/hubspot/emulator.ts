/**
 * The HubSpot CRM emulator: companies, contacts and deals (create, read, list, update, archive,
 * batch create/update/upsert/read/archive, search with one sort), default associations v4 (one,
 * batch associate, remove, batch archive), Bearer auth, the ten-secondly,
 * daily and search rate limits with `X-HubSpot-RateLimit-*` headers, search-index lag and
 * HubSpot's error bodies. Works unchanged with `@hubspot/api-client` (`basePath`).
 *
 * @example
 * ```ts
 * const emu = hubspotEmulator({ searchLagMs: 0 }); const url = await emu.listen()
 * const client = new Client({ accessToken: 'pat-sandbox', basePath: url })
 * ```
 * @module
 */

import { createEmulator, type EmulatorServer } from '../../sandbox/emulator.js'
import type { FaultConfig } from '../../sandbox/faults.js'
import { bearerToken, type EmulatorRequest, empty, json } from '../../sandbox/reply.js'
import { runBatch } from './emulator-batch.js'
import { type PipelineDef, type PropertyDef, registerHubspotMeta } from './emulator-meta.js'
import { searchRecords } from './emulator-search.js'
import {
  addAssociation,
  archiveRecord,
  createRecord,
  defaultAssociationTypeId,
  findRecord,
  type HubspotState,
  hubspotError,
  invalidProperty,
  newHubspotState,
  normaliseProperties,
  notFoundError,
  type ObjectType,
  objectType,
  publicRecord,
  removeAssociation,
  updateRecord,
} from './emulator-state.js'

/** Object type an association type id points to (HUBSPOT_DEFINED ids, primary ones included). */
const ASSOCIATION_TARGET: Record<number, ObjectType> = {
  1: 'companies',
  279: 'companies',
  341: 'companies',
  5: 'companies',
  2: 'contacts',
  280: 'contacts',
  3: 'contacts',
  4: 'deals',
  342: 'deals',
  6: 'deals',
}

export interface HubspotEmulatorOptions {
  clock?: { now(): number }
  random?: () => number
  faults?: FaultConfig
  /** Accepted tokens; any non-empty Bearer token when absent. */
  tokens?: string[]
  /**
   * An OAuth app: `POST /oauth/v1/token` (grant `refresh_token`) issues access tokens that
   * expire after `expiresInSeconds` (default 1800); an expired one gets 401 `EXPIRED_AUTHENTICATION`.
   */
  oauth?: {
    clientId: string
    clientSecret: string
    refreshToken: string
    expiresInSeconds?: number
    /** Each grant answers a new refresh token and refuses the one it used from then on. @defaultValue false */
    rotateRefreshTokens?: boolean
  }
  /** Calls per 10 s per token (100 Free/Starter, 190 Pro/Enterprise). @defaultValue 100 */
  tenSecondlyLimit?: number
  /**
   * Length of the "ten-secondly" window in ms, reported in `X-HubSpot-RateLimit-Interval-Milliseconds`.
   * Only benchmarks and tests that scale time change it. @defaultValue 10000
   */
  intervalMs?: number
  /** Calls per day per token. @defaultValue 250000 */
  dailyLimit?: number
  /** Search calls per second per token. @defaultValue 5 */
  searchPerSecond?: number
  /** How long a new record stays invisible to search, in ms. @defaultValue 2000 */
  searchLagMs?: number
  /** Unique-value properties usable as `idProperty`. @defaultValue companies and deals: external_id; contacts: email */
  uniqueProperties?: Partial<Record<ObjectType, string[]>>
  /** Send `Retry-After` on 429s (HubSpot does not promise one). @defaultValue false */
  sendRetryAfter?: boolean
  /** Properties `GET /crm/v3/properties/{type}` declares. @defaultValue a catalogue of HubSpot's defaults (emulator-meta.ts) */
  properties?: Partial<Record<ObjectType, PropertyDef[]>>
  /** Pipelines `GET /crm/v3/pipelines/{deals|tickets}` lists. @defaultValue the default sales and support pipelines */
  pipelines?: Partial<Record<'deals' | 'tickets', PipelineDef[]>>
}

const TEN_SECONDS = 10_000

export function hubspotEmulator(options: HubspotEmulatorOptions = {}): EmulatorServer<HubspotState> {
  const lagMs = options.searchLagMs ?? 2000
  const dailyLimit = options.dailyLimit ?? 250_000
  const unique: Record<ObjectType, string[]> = {
    companies: ['hs_object_id', ...(options.uniqueProperties?.companies ?? ['external_id'])],
    contacts: ['hs_object_id', ...(options.uniqueProperties?.contacts ?? ['email'])],
    deals: ['hs_object_id', ...(options.uniqueProperties?.deals ?? ['external_id'])],
  }
  const retryAfter = (ms: number): Record<string, string> => (options.sendRetryAfter ? { 'retry-after': String(Math.ceil(ms / 1000)) } : {})
  const isSearch = (req: EmulatorRequest) => req.path.endsWith('/search')
  const tenSecondly = (_ms: number) =>
    hubspotError(429, 'RATE_LIMITS', 'You have reached your ten_secondly_rolling limit.', {
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
      requestId: crypto.randomUUID(),
    })
  const secondly = () => hubspotError(429, 'RATE_LIMITS', 'You have reached your secondly limit.')

  const emu = createEmulator<HubspotState>({
    service: 'hubspot',
    state: newHubspotState,
    clock: options.clock,
    random: options.random,
    faults: options.faults,
    tooManyRequests: (req, ms) => {
      const r = isSearch(req) ? secondly() : tenSecondly(ms)
      return { ...r, headers: { ...r.headers, ...retryAfter(ms) } }
    },
    serverError: (_req, status) => hubspotError(status, 'INTERNAL_ERROR', 'internal error'),
    notFound: (req) => hubspotError(404, 'OBJECT_NOT_FOUND', `Unable to route ${req.method} ${req.path}`),
  })
  const intervalMs = options.intervalMs ?? TEN_SECONDS
  const burst = emu.limiter(options.tenSecondlyLimit ?? 100, intervalMs)
  const search = emu.limiter(options.searchPerSecond ?? 5, 1000)

  // OAuth: access tokens issued by /oauth/v1/token → expiry (emulator clock).
  const issued = new Map<string, number>()
  emu.use((req, ctx) => {
    if (req.path === '/oauth/v1/token') return undefined
    const token = bearerToken(req)
    const expiry = token ? issued.get(token) : undefined
    if (expiry !== undefined) {
      if (expiry <= ctx.now) return hubspotError(401, 'EXPIRED_AUTHENTICATION', 'The OAuth token used to make this call expired.')
      return undefined
    }
    if (!token) {
      return hubspotError(
        401,
        'INVALID_AUTHENTICATION',
        'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
      )
    }
    if (options.tokens && !options.tokens.includes(token)) {
      return hubspotError(
        401,
        'INVALID_AUTHENTICATION',
        'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
      )
    }
    return undefined
  })
  emu.route('POST', '/oauth/v1/token', (req, ctx) => {
    const o = options.oauth
    const b = (req.body ?? {}) as Record<string, string>
    if (!o || b.grant_type !== 'refresh_token' || b.client_id !== o.clientId || b.client_secret !== o.clientSecret)
      return json(400, { status: 'BAD_CLIENT_ID', message: 'missing or unknown client id' })
    const current = ctx.state.refreshToken ?? o.refreshToken
    if (b.refresh_token !== current) return json(400, { status: 'BAD_REFRESH_TOKEN', message: 'missing or unknown refresh token' })
    const expiresIn = o.expiresInSeconds ?? 1800
    const accessToken = `oauth-at-${issued.size + 1}-${crypto.randomUUID().slice(0, 8)}`
    issued.set(accessToken, ctx.now + expiresIn * 1000)
    const next = o.rotateRefreshTokens ? `rt-${issued.size}-${crypto.randomUUID()}` : current
    ctx.state.refreshToken = next
    return json(200, { token_type: 'bearer', access_token: accessToken, refresh_token: next, expires_in: expiresIn })
  })
  emu.use((req, ctx) => {
    if (req.path === '/oauth/v1/token') return undefined
    const token = bearerToken(req) as string
    if (isSearch(req)) {
      const d = search.take(token, ctx.now)
      return d.allowed ? undefined : { ...secondly(), headers: { ...secondly().headers, ...retryAfter(d.retryAfterMs) } }
    }
    const dayKey = `${token}:${new Date(ctx.now).toISOString().slice(0, 10)}`
    const used = ctx.state.daily.get(dayKey) ?? 0
    if (used >= dailyLimit) {
      return hubspotError(429, 'RATE_LIMITS', 'You have reached your daily limit.', { errorType: 'RATE_LIMIT', policyName: 'DAILY' })
    }
    const d = burst.take(token, ctx.now)
    if (!d.allowed) {
      const r = tenSecondly(d.retryAfterMs)
      return {
        ...r,
        headers: { ...r.headers, ...retryAfter(d.retryAfterMs), ...rateHeaders(d.limit, 0, dailyLimit, dailyLimit - used, intervalMs) },
      }
    }
    ctx.state.daily.set(dayKey, used + 1)
    Object.assign(ctx.replyHeaders, rateHeaders(d.limit, d.remaining, dailyLimit, dailyLimit - used - 1, intervalMs))
    return undefined
  })

  const typeOf = (req: EmulatorRequest, key = 'type'): ObjectType | null => objectType(req.params[key] ?? '')
  const unknownType = (req: EmulatorRequest) =>
    hubspotError(400, 'VALIDATION_ERROR', `Unable to infer object type from: ${req.params.type ?? req.params.fromType}`)
  const propsQuery = (req: EmulatorRequest) => {
    const all = req.query
      .getAll('properties')
      .flatMap((p) => p.split(','))
      .filter(Boolean)
    return all.length > 0 ? all : null
  }

  registerHubspotMeta(emu, {
    ...(options.properties ? { properties: options.properties } : {}),
    ...(options.pipelines ? { pipelines: options.pipelines } : {}),
  })
  emu.route('POST', '/crm/v3/objects/:type/search', (req, ctx) => {
    const type = typeOf(req)
    return type ? searchRecords(ctx.state, type, req.body, ctx.now) : unknownType(req)
  })
  emu.route('POST', '/crm/v3/objects/:type/batch/:op', (req, ctx) => {
    const type = typeOf(req)
    return type ? runBatch(ctx.state, type, req.params.op, req.body, { now: ctx.now, lagMs, uniqueProperties: unique }) : unknownType(req)
  })
  emu.route('POST', '/crm/v3/objects/:type', (req, ctx) => {
    const type = typeOf(req)
    if (!type) return unknownType(req)
    const body = (req.body ?? {}) as { properties?: unknown; associations?: unknown }
    const props = normaliseProperties(body.properties)
    if (typeof props === 'string') return hubspotError(400, 'VALIDATION_ERROR', props)
    const bad = invalidProperty(type, props)
    if (bad) return hubspotError(400, 'VALIDATION_ERROR', bad)
    if (type === 'contacts' && props.email) {
      const dup = findRecord(ctx.state, type, props.email, 'email')
      if (dup) return hubspotError(409, 'CONFLICT', `Contact already exists. Existing ID: ${dup.id}`)
    }
    const rec = createRecord(ctx.state, type, props, ctx.now, lagMs)
    for (const a of Array.isArray(body.associations) ? body.associations : []) {
      const toId = String(a?.to?.id ?? '')
      const typeId = Number(a?.types?.[0]?.associationTypeId)
      const toType: ObjectType | null = ASSOCIATION_TARGET[typeId] ?? null
      if (toType && ctx.state.objects[toType].has(toId)) addAssociation(ctx.state, { fromType: type, fromId: rec.id, toType, toId, typeId })
    }
    return json(201, publicRecord(rec))
  })
  emu.route('GET', '/crm/v3/objects/:type', (req, ctx) => {
    const type = typeOf(req)
    if (!type) return unknownType(req)
    const limit = Math.min(Number(req.query.get('limit') ?? 10), 100)
    const all = [...ctx.state.objects[type].values()]
    const start = Number(req.query.get('after') ?? 0)
    const out: Record<string, unknown> = { results: all.slice(start, start + limit).map((r) => publicRecord(r, propsQuery(req))) }
    if (start + limit < all.length) out.paging = { next: { after: String(start + limit), link: `?after=${start + limit}` } }
    return json(200, out)
  })
  emu.route('GET', '/crm/v3/objects/:type/:id', (req, ctx) => {
    const type = typeOf(req)
    if (!type) return unknownType(req)
    const rec = findRecord(ctx.state, type, req.params.id, req.query.get('idProperty'))
    return rec ? json(200, publicRecord(rec, propsQuery(req))) : notFoundError(req.params.id)
  })
  emu.route('PATCH', '/crm/v3/objects/:type/:id', (req, ctx) => {
    const type = typeOf(req)
    if (!type) return unknownType(req)
    const rec = findRecord(ctx.state, type, req.params.id, req.query.get('idProperty'))
    if (!rec) return notFoundError(req.params.id)
    const props = normaliseProperties((req.body as { properties?: unknown } | undefined)?.properties)
    if (typeof props === 'string') return hubspotError(400, 'VALIDATION_ERROR', props)
    const bad = invalidProperty(type, props)
    if (bad) return hubspotError(400, 'VALIDATION_ERROR', bad)
    return json(200, publicRecord(updateRecord(ctx.state, type, rec, props, ctx.now)))
  })
  emu.route('DELETE', '/crm/v3/objects/:type/:id', (req, ctx) => {
    const type = typeOf(req)
    if (!type) return unknownType(req)
    archiveRecord(ctx.state, type, req.params.id)
    return empty(204)
  })
  emu.route('DELETE', '/crm/v4/objects/:fromType/:fromId/associations/:toType/:toId', (req, ctx) => {
    const from = typeOf(req, 'fromType')
    const to = typeOf(req, 'toType')
    if (!from || !to) return hubspotError(400, 'VALIDATION_ERROR', 'Unknown object type')
    removeAssociation(ctx.state, from, req.params.fromId, to, req.params.toId)
    return empty(204)
  })
  emu.route('POST', '/crm/v4/associations/:fromType/:toType/batch/associate/default', (req, ctx) => {
    const from = typeOf(req, 'fromType')
    const to = typeOf(req, 'toType')
    const typeId = from && to ? defaultAssociationTypeId(from, to) : null
    if (!from || !to || typeId === null)
      return hubspotError(400, 'VALIDATION_ERROR', `No default association between ${req.params.fromType} and ${req.params.toType}`)
    const inputs = (req.body as { inputs?: Array<{ from?: { id?: unknown }; to?: { id?: unknown } }> } | undefined)?.inputs
    if (!Array.isArray(inputs) || inputs.length > 1000)
      return hubspotError(400, 'VALIDATION_ERROR', 'inputs must be an array of at most 1000')
    const results: unknown[] = []
    const errors: unknown[] = []
    for (const i of inputs) {
      const fromId = String(i.from?.id ?? '')
      const toId = String(i.to?.id ?? '')
      if (!ctx.state.objects[from].has(fromId) || !ctx.state.objects[to].has(toId)) {
        errors.push({
          status: 'error',
          category: 'OBJECT_NOT_FOUND',
          message: 'No object found',
          context: { fromId: [fromId], toId: [toId] },
        })
        continue
      }
      addAssociation(ctx.state, { fromType: from, fromId, toType: to, toId, typeId })
      results.push({
        from: { id: fromId },
        to: { id: toId },
        associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId },
      })
    }
    const iso = new Date(ctx.now).toISOString()
    const out = { status: 'COMPLETE', results, startedAt: iso, completedAt: iso }
    return errors.length ? json(207, { ...out, numErrors: errors.length, errors }) : json(200, out)
  })
  emu.route('POST', '/crm/v4/associations/:fromType/:toType/batch/archive', (req, ctx) => {
    const from = typeOf(req, 'fromType')
    const to = typeOf(req, 'toType')
    if (!from || !to) return hubspotError(400, 'VALIDATION_ERROR', 'Unknown object type')
    const inputs = (req.body as { inputs?: Array<{ from?: { id?: unknown }; to?: Array<{ id?: unknown }> }> } | undefined)?.inputs
    if (!Array.isArray(inputs)) return hubspotError(400, 'VALIDATION_ERROR', 'inputs must be an array')
    for (const i of inputs) for (const t of i.to ?? []) removeAssociation(ctx.state, from, String(i.from?.id ?? ''), to, String(t.id ?? ''))
    return empty(204)
  })
  emu.route('PUT', '/crm/v4/objects/:fromType/:fromId/associations/default/:toType/:toId', (req, ctx) => {
    const from = typeOf(req, 'fromType')
    const to = typeOf(req, 'toType')
    const typeId = from && to ? defaultAssociationTypeId(from, to) : null
    if (!from || !to || typeId === null)
      return hubspotError(400, 'VALIDATION_ERROR', `No default association between ${req.params.fromType} and ${req.params.toType}`)
    if (!ctx.state.objects[from].has(req.params.fromId)) return notFoundError(req.params.fromId)
    if (!ctx.state.objects[to].has(req.params.toId)) return notFoundError(req.params.toId)
    addAssociation(ctx.state, { fromType: from, fromId: req.params.fromId, toType: to, toId: req.params.toId, typeId })
    const iso = new Date(ctx.now).toISOString()
    const spec = { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId }
    return json(200, {
      status: 'COMPLETE',
      results: [{ from: { id: req.params.fromId }, to: { id: req.params.toId }, associationSpec: spec }],
      startedAt: iso,
      completedAt: iso,
    })
  })
  emu.route('GET', '/crm/v4/objects/:fromType/:fromId/associations/:toType', (req, ctx) => {
    const from = typeOf(req, 'fromType')
    const to = typeOf(req, 'toType')
    if (!from || !to) return hubspotError(400, 'VALIDATION_ERROR', 'Unknown object type')
    const rows = ctx.state.associations.filter((a) => a.fromType === from && a.fromId === req.params.fromId && a.toType === to)
    const results = rows.map((a) => ({
      toObjectId: Number(a.toId),
      associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: a.typeId, label: null }],
    }))
    return json(200, { results })
  })
  return emu
}

function rateHeaders(max: number, remaining: number, daily: number, dailyRemaining: number, intervalMs: number): Record<string, string> {
  return {
    'x-hubspot-ratelimit-daily': String(daily),
    'x-hubspot-ratelimit-daily-remaining': String(Math.max(0, dailyRemaining)),
    'x-hubspot-ratelimit-interval-milliseconds': String(intervalMs),
    'x-hubspot-ratelimit-max': String(max),
    'x-hubspot-ratelimit-remaining': String(remaining),
  }
}
