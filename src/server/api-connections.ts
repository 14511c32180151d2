/**
 * `GET /api/v1/connections`: every configured connection (docs/connections.md) with its
 * limits, the calls it made in the last minute, its circuit, its budgets this period with
 * their levels, and its credential's status and rotate-by date — never a secret.
 * `GET /api/v1/connections/:id` is one of them (`hubspot:main`).
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { ConnectionInfo } from '../connections/types.js'
import type { CircuitRow } from '../connectors/gateway/gateway.js'
import type { Hub } from '../engine/hub.js'
import { ErrorCodes } from '../errors.js'
import type { BudgetRow } from '../resilience/budget.js'
import { doc, errors, jsonSchema, obj, type RouteDoc } from './api-schemas.js'
import { callRates } from './call-rates.js'
import { HttpError } from './http-error.js'

const DAY = 86_400_000
const circuitState = z.enum(['closed', 'open', 'half-open'])

export const connectionSchema = obj({
  id: z.string().describe('`<service>:<name>`'),
  service: z.string(),
  name: z.string(),
  source: obj({ kind: z.enum(['env', 'file', 'options']), file: z.string().optional() }),
  active: z.boolean().describe('usable by steps: settings valid and credential present'),
  problem: z.string().optional().describe('why it is not active'),
  baseUrl: z.string().optional(),
  plan: z.string().optional(),
  owner: z.string().optional(),
  tags: z.array(z.string()),
  description: z.string().optional(),
  allowPrivateNetwork: z.union([z.boolean(), z.array(z.string())]),
  limits: obj({
    rates: z.array(obj({ name: z.string(), limit: z.number(), windowMs: z.number(), actions: z.array(z.string()).optional() })),
    maxConcurrent: z.number().optional(),
  }),
  rate: obj({
    lastMinute: z.number().int().describe('calls attempted in the last 60 s (this process)'),
    rateLimitedLastMinute: z.number().int().describe('calls refused or held by a rate limit in the last 60 s'),
  }),
  circuit: obj({
    state: circuitState,
    retryAfterMs: z.number(),
    origins: z.array(obj({ origin: z.string(), state: circuitState, retryAfterMs: z.number() })).describe('per-origin parts not closed'),
  }),
  budgets: z.array(
    obj({
      name: z.string(),
      period: z.string().describe('current period key, e.g. month:2026-12'),
      limit: z.number(),
      used: z.number(),
      remaining: z.number(),
      level: z.number().describe('highest level reached: 0, 70, 85, 95 or 100'),
    }),
  ),
  credential: obj({
    kind: z.enum(['env', 'stored', 'inline', 'none']),
    name: z.string().optional().describe('variable or stored credential name'),
    status: z.enum(['present', 'missing', 'unchecked']),
    owner: z.string().nullable().optional(),
    rotateBy: z.string().nullable().optional().describe('ISO date'),
    rotation: z.enum(['ok', 'due', 'overdue', 'none']),
  }),
})

export type ConnectionView = z.infer<typeof connectionSchema>

export const connectionsDocs = {
  list: doc('connections', 'Configured connections: limits, current rate, circuit, budgets, credential status', {
    response: { 200: jsonSchema(obj({ connections: z.array(connectionSchema) })), ...errors() },
  }),
  one: doc('connections', 'One connection by id (`hubspot:main`)', {
    params: jsonSchema(obj({ id: z.string().describe('`<service>:<name>`') })),
    response: { 200: jsonSchema(obj({ connection: connectionSchema })), ...errors(404) },
  }),
} satisfies Record<string, RouteDoc>

export interface ConnectionsApiOptions {
  hub: Hub
  /** The runtime's registry (`listConnections`). */
  connections?: () => ConnectionInfo[]
  usage?: () => Promise<unknown[]> | unknown[]
  circuits?: () => CircuitRow[]
}

export function describeConnection(
  info: ConnectionInfo,
  now: number,
  rate: ConnectionView['rate'],
  circuits: CircuitRow[],
  usage: BudgetRow[],
): ConnectionView {
  const mine = circuits.filter((c) => `${c.connector}:${c.connection}` === info.id)
  const whole = mine.find((c) => c.origin === undefined)
  const rotateBy = info.credential.rotateBy ? Date.parse(info.credential.rotateBy) : null
  return {
    id: info.id,
    service: info.service,
    name: info.name,
    source: info.source,
    active: info.active,
    ...(info.problem ? { problem: info.problem } : {}),
    ...(info.baseUrl ? { baseUrl: info.baseUrl } : {}),
    ...(info.plan ? { plan: info.plan } : {}),
    ...(info.owner ? { owner: info.owner } : {}),
    tags: info.tags,
    ...(info.description ? { description: info.description } : {}),
    allowPrivateNetwork: info.allowPrivateNetwork,
    limits: { rates: info.rates, ...(info.maxConcurrent ? { maxConcurrent: info.maxConcurrent } : {}) },
    rate,
    circuit: {
      state: whole?.state ?? 'closed',
      retryAfterMs: whole?.retryAfterMs ?? 0,
      origins: mine.filter((c) => c.origin).map((c) => ({ origin: c.origin!, state: c.state, retryAfterMs: c.retryAfterMs })),
    },
    budgets: usage
      .filter((u) => u.connection === info.id)
      .map((u) => ({ name: u.budget, period: u.period, limit: u.limit, used: u.used, remaining: u.remaining, level: u.level })),
    credential: {
      ...info.credential,
      rotation: rotateBy === null ? 'none' : rotateBy <= now ? 'overdue' : rotateBy - now <= 14 * DAY ? 'due' : 'ok',
    },
  }
}

export async function registerConnectionsApi(api: FastifyInstance, opts: ConnectionsApiOptions) {
  const { hub } = opts
  const rates = callRates(hub)
  const all = async (): Promise<ConnectionView[]> => {
    const infos = opts.connections?.() ?? []
    const usage = ((await opts.usage?.()) ?? []) as BudgetRow[]
    const circuits = opts.circuits?.() ?? []
    const now = hub.clock.now()
    return infos.map((i) => describeConnection(i, now, rates.of(i.id), circuits, usage))
  }
  api.get('/connections', { schema: connectionsDocs.list }, async () => ({ connections: await all() }))
  api.get('/connections/:id', { schema: connectionsDocs.one }, async (req) => {
    const id = (req.params as { id: string }).id
    const found = (await all()).find((c) => c.id === id || c.id === `${id}:default`)
    if (!found) throw new HttpError(404, ErrorCodes.NOT_FOUND, `no connection ${id}`)
    return { connection: found }
  })
}
