/**
 * The Clay emulator: table webhook sources at `POST /v3/sources/webhook/<id>` that accept one
 * JSON object per request as a row, an optional `x-clay-webhook-auth` token, and the lifetime
 * limit of submissions per webhook (50,000; deleted rows do not free room). Received rows are
 * inspectable with `rows(id?)`.
 *
 * Clay documents neither the success body nor the error once a webhook is exhausted; both
 * are configurable here (see docs/sandbox.md).
 * @module
 */
import { createEmulator, type EmulatorServer } from '../../sandbox/emulator.js'
import type { FaultConfig } from '../../sandbox/faults.js'
import { type EmulatorReply, header, json } from '../../sandbox/reply.js'

export interface ClayWebhookState {
  /** Accepted submissions so far (never decreases). */
  submissions: number
  rows: Array<Record<string, unknown>>
}

export interface ClayState {
  webhooks: Map<string, ClayWebhookState>
}

export interface ClayEmulatorOptions {
  clock?: { now(): number }
  random?: () => number
  faults?: FaultConfig
  /** Lifetime submissions per webhook. @defaultValue 50000 */
  submissionLimit?: number
  /** Token required in `x-clay-webhook-auth` for every webhook; none when absent. */
  token?: string
  /** Known webhook ids, each with its own optional token; any id is accepted when absent. */
  webhooks?: Record<string, { token?: string }>
  /** Requests per second per webhook before a 429. @defaultValue 10 */
  perSecond?: number
  /** The reply once a webhook's submissions are used up. @defaultValue 429 with a JSON message naming the limit */
  exhaustedReply?: (limit: number) => EmulatorReply
}

export const CLAY_WEBHOOK_PATH = '/v3/sources/webhook/'

export interface ClayEmulator extends EmulatorServer<ClayState> {
  /** Rows received by one webhook, or by all webhooks in arrival order. */
  rows(webhookId?: string): Array<Record<string, unknown>>
  /** Full URL of a webhook id on this emulator. */
  webhookUrl(webhookId: string): string
}

export function defaultExhaustedReply(limit: number): EmulatorReply {
  return json(429, {
    error: 'webhook_submission_limit_reached',
    message: `This webhook has reached its limit of ${limit} submissions. Create a new webhook source for this table.`,
  })
}

export function clayEmulator(options: ClayEmulatorOptions = {}): ClayEmulator {
  const limit = options.submissionLimit ?? 50_000
  const exhausted = options.exhaustedReply ?? defaultExhaustedReply
  const order: Array<Record<string, unknown>> = []
  const emu = createEmulator<ClayState>({
    service: 'clay',
    state: () => {
      order.length = 0
      return { webhooks: new Map() }
    },
    clock: options.clock,
    random: options.random,
    faults: options.faults,
    tooManyRequests: (_req, ms) =>
      json(429, { error: 'rate_limited', message: 'Too many requests' }, { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))) }),
    serverError: (_req, status) => json(status, { error: 'internal_server_error', message: 'Something went wrong' }),
    notFound: () => json(404, { error: 'not_found', message: 'Webhook not found' }),
  })
  const perSecond = emu.limiter(options.perSecond ?? 10, 1000)

  emu.route('POST', `${CLAY_WEBHOOK_PATH}:id`, (req, ctx) => {
    const id = req.params.id
    const configured = options.webhooks?.[id]
    if (options.webhooks && !configured) return json(404, { error: 'not_found', message: 'Webhook not found' })
    const want = configured?.token ?? options.token
    if (want !== undefined && header(req, 'x-clay-webhook-auth') !== want)
      return json(401, { error: 'unauthorized', message: 'Invalid or missing x-clay-webhook-auth header' })
    let hook = ctx.state.webhooks.get(id)
    if (!hook) {
      hook = { submissions: 0, rows: [] }
      ctx.state.webhooks.set(id, hook)
    }
    if (hook.submissions >= limit) return exhausted(limit)
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      return json(400, { error: 'invalid_payload', message: 'Body must be a JSON object (one row per request)' })
    }
    const d = perSecond.take(id, ctx.now)
    if (!d.allowed)
      return json(
        429,
        { error: 'rate_limited', message: 'Too many requests' },
        { 'retry-after': String(Math.max(1, Math.ceil(d.retryAfterMs / 1000))) },
      )
    hook.submissions++
    const row = req.body as Record<string, unknown>
    hook.rows.push(row)
    order.push(row)
    return json(200, { success: true })
  })

  return Object.assign(emu, {
    rows: (webhookId?: string) => (webhookId === undefined ? order.slice() : (emu.state.webhooks.get(webhookId)?.rows.slice() ?? [])),
    webhookUrl: (webhookId: string) => `${emu.url}${CLAY_WEBHOOK_PATH}${webhookId}`,
  })
}
