/**
 * The GA4 Measurement Protocol connector: `events.send` posts to `/mp/collect` after checking
 * the payload (rules.ts) — Google answers 2xx even for malformed payloads, so a bad event would
 * otherwise vanish silently. With `validate: true` it first posts to `/debug/mp/collect` and
 * turns `validationMessages` into a NonRetryableError naming the field.
 * @module
 */
import { request } from 'undici'
import { z } from 'zod'
import { ErrorCodes, isPipewrightError, NonRetryableError, RateLimitedError, RetryableError } from '../../errors.js'
import { headerValue, parseRetryAfter } from '../../resilience/retry-after.js'
import { type ActionContext, type ActionDefinition, defineConnector } from '../contract.js'
import { checkStructure, MAX_EVENTS, type ValidationMessage } from './rules.js'

export const ga4ConnectionSchema = z.object({
  /** `G-XXXXXXX`. */
  measurementId: z.string().min(1),
  apiSecret: z.string().min(1),
  /** @defaultValue https://www.google-analytics.com */
  baseUrl: z.string().url().default('https://www.google-analytics.com'),
  /** Validate every payload with /debug/mp/collect before sending it. @defaultValue false */
  validate: z.boolean().default(false),
})
export type Ga4Connection = z.infer<typeof ga4ConnectionSchema>

const event = z.object({ name: z.string(), params: z.record(z.string(), z.unknown()).optional() })
export const eventsSendInput = z.object({
  clientId: z.string().min(1),
  userId: z.string().optional(),
  timestampMicros: z.number().int().positive().optional(),
  userProperties: z.record(z.string(), z.object({ value: z.union([z.string(), z.number(), z.null()]) })).optional(),
  consent: z
    .object({ ad_user_data: z.enum(['GRANTED', 'DENIED']).optional(), ad_personalization: z.enum(['GRANTED', 'DENIED']).optional() })
    .optional(),
  events: z.array(event).min(1),
  /** Overrides the connection's `validate`. */
  validate: z.boolean().optional(),
})
export type EventsSendInput = z.infer<typeof eventsSendInput>
export interface EventsSendOutput {
  sent: number
  validated: boolean
}

type Ctx = ActionContext<Ga4Connection>

function describe(messages: ValidationMessage[]): string {
  return messages.map((m) => `${m.fieldPath}: ${m.description} (${m.validationCode})`).join('; ')
}

async function post(ctx: Ctx, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const c = ctx.connection
  const url = `${c.baseUrl.replace(/\/+$/, '')}${path}?measurement_id=${encodeURIComponent(c.measurementId)}&api_secret=${encodeURIComponent(c.apiSecret)}`
  try {
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: ctx.signal,
      dispatcher: ctx.dispatcher,
    })
    const text = await res.body.text()
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      /* keep the text */
    }
    const msg = `GA4 POST ${path}: HTTP ${res.statusCode}`
    if (res.statusCode >= 200 && res.statusCode < 300) return { status: res.statusCode, body: parsed }
    if (res.statusCode === 429)
      throw new RateLimitedError(msg, parseRetryAfter(headerValue(res.headers, 'retry-after'), ctx.clock.now()) ?? 1000, { status: 429 })
    if (res.statusCode === 408 || res.statusCode >= 500) throw new RetryableError(msg, { status: res.statusCode })
    throw new NonRetryableError(msg, { status: res.statusCode, providerCode: `HTTP_${res.statusCode}` })
  } catch (e) {
    if (ctx.signal.aborted || isPipewrightError(e)) throw e
    throw new RetryableError(`GA4 POST ${path} failed before an answer: ${(e as Error).message}`, {
      code: ErrorCodes.CONNECTOR_NETWORK,
      cause: e,
    })
  }
}

const eventsSend: ActionDefinition<Ga4Connection, EventsSendInput, EventsSendOutput> = {
  input: eventsSendInput as z.ZodType<EventsSendInput>,
  cost: (i) => i.events.length,
  run: async (input, ctx) => {
    const body = {
      client_id: input.clientId,
      ...(input.userId ? { user_id: input.userId } : {}),
      ...(input.timestampMicros ? { timestamp_micros: input.timestampMicros } : {}),
      ...(input.userProperties ? { user_properties: input.userProperties } : {}),
      ...(input.consent ? { consent: input.consent } : {}),
      events: input.events.map((e) => ({ name: e.name, params: e.params ?? {} })),
    }
    const problems = checkStructure(body)
    if (problems.length)
      throw new NonRetryableError(`ga4.events.send: ${describe(problems)}`, { providerCode: problems[0].validationCode, details: problems })
    const validate = input.validate ?? ctx.connection.validate
    if (validate) {
      const res = await post(ctx, '/debug/mp/collect', body)
      const messages = ((res.body as { validationMessages?: ValidationMessage[] } | null)?.validationMessages ?? []) as ValidationMessage[]
      if (messages.length)
        throw new NonRetryableError(`ga4.events.send rejected by /debug/mp/collect: ${describe(messages)}`, {
          providerCode: messages[0].validationCode,
          details: messages,
        })
    }
    await post(ctx, '/mp/collect', body)
    return { sent: body.events.length, validated: validate }
  },
}

export const ga4Connector = defineConnector<Ga4Connection>({
  id: 'ga4',
  connection: ga4ConnectionSchema as never,
  fromEnv: (env) => {
    if (!env.GA4_MEASUREMENT_ID || !env.GA4_API_SECRET) return null
    return {
      measurementId: env.GA4_MEASUREMENT_ID,
      apiSecret: env.GA4_API_SECRET,
      ...(env.GA4_BASE_URL ? { baseUrl: env.GA4_BASE_URL } : {}),
    }
  },
  limits: { rates: [{ name: 'per-second', limit: 100, windowMs: 1000 }] },
  actions: { 'events.send': eventsSend },
})

export const GA4_MAX_EVENTS = MAX_EVENTS
