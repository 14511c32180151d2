/**
 * Make, n8n and Zapier: call their webhooks (`make.trigger`, `n8n.trigger`, `zapier.trigger`)
 * with each service's auth options — Make: optional `x-make-apikey`; n8n: header auth or basic
 * auth; Zapier: the catch-hook URL itself is the secret — and classify the answers with
 * classify.ts (rules configurable per connection).
 * @module
 */
import { request } from 'undici'
import { z } from 'zod'
import { ErrorCodes, isPrivateNetworkError, NonRetryableError, RateLimitedError, RetryAfterError, RetryableError } from '../../errors.js'
import { type ActionContext, type ActionDefinition, type ConnectorDefinition, defineConnector } from '../contract.js'
import { type AutomationService, classifyWebhook, ruleSchema } from './classify.js'

const base = {
  webhookUrl: z.string().url(),
  /** Replaces the origin of `webhookUrl` (the sandbox). */
  baseUrl: z.string().url().optional(),
  /** Extra classification rules, tried before the built-in ones. */
  rules: z.array(ruleSchema).default([]),
  timeoutMs: z.number().int().positive().default(30_000),
}

export const makeConnectionSchema = z.object({
  ...base,
  /** Sent as `x-make-apikey` when the webhook requires an API key. */ apiKey: z.string().min(1).optional(),
})
export const n8nConnectionSchema = z.object({
  ...base,
  auth: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('header'), name: z.string().min(1), value: z.string().min(1) }),
      z.object({ type: z.literal('basic'), username: z.string(), password: z.string() }),
    ])
    .optional(),
})
export const zapierConnectionSchema = z.object(base)

export type MakeConnection = z.infer<typeof makeConnectionSchema>
export type N8nConnection = z.infer<typeof n8nConnectionSchema>
export type ZapierConnection = z.infer<typeof zapierConnectionSchema>
type AnyConnection = MakeConnection | N8nConnection | ZapierConnection

export const triggerInput = z.object({
  /** JSON body sent to the webhook. */
  body: z.unknown(),
  /** Query parameters added to the URL. */
  query: z.record(z.string(), z.string()).optional(),
  headers: z.record(z.string(), z.string()).optional(),
})
export type TriggerInput = z.infer<typeof triggerInput>
export interface TriggerOutput {
  status: number
  /** The answer: JSON when it parses, else the text (Make: "Accepted"). */
  body: unknown
}

function target(c: AnyConnection, query?: Record<string, string>): URL {
  const url = new URL(c.webhookUrl)
  const out = c.baseUrl ? new URL(`${url.pathname}${url.search}`, c.baseUrl) : url
  for (const [k, v] of Object.entries(query ?? {})) out.searchParams.set(k, v)
  return out
}

function authHeaders(service: AutomationService, c: AnyConnection): Record<string, string> {
  if (service === 'make' && 'apiKey' in c && c.apiKey) return { 'x-make-apikey': c.apiKey }
  if (service === 'n8n' && 'auth' in c && c.auth) {
    if (c.auth.type === 'header') return { [c.auth.name.toLowerCase()]: c.auth.value }
    return { authorization: `Basic ${Buffer.from(`${c.auth.username}:${c.auth.password}`).toString('base64')}` }
  }
  return {}
}

function trigger(service: AutomationService): ActionDefinition<AnyConnection, TriggerInput, TriggerOutput> {
  return {
    input: triggerInput as z.ZodType<TriggerInput>,
    run: async (input, ctx: ActionContext<AnyConnection>) => {
      const c = ctx.connection
      const url = target(c, input.query)
      const where = `${service} webhook ${url.origin}${url.pathname.replace(/[^/]{12,}$/, '…')}`
      let status: number
      let headers: Record<string, string | string[] | undefined>
      let text: string
      try {
        const res = await request(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': ctx.call.idempotencyKey,
            ...input.headers,
            ...authHeaders(service, c),
          },
          body: JSON.stringify(input.body ?? {}),
          signal: ctx.signal,
          dispatcher: ctx.dispatcher,
          headersTimeout: c.timeoutMs,
          bodyTimeout: c.timeoutMs,
        })
        status = res.statusCode
        headers = res.headers
        text = await res.body.text()
      } catch (e) {
        if (ctx.signal.aborted || isPrivateNetworkError(e)) throw e
        throw new RetryableError(`${where} failed before an answer: ${(e as { code?: string }).code ?? (e as Error).message}`, {
          code: ErrorCodes.CONNECTOR_NETWORK,
          cause: e,
        })
      }
      const verdict = classifyWebhook(service, { status, headers, text }, c.rules, ctx.clock.now())
      const msg = `${where}: ${verdict.kind === 'ok' ? '' : (verdict.message ?? '')}`
      if (verdict.kind === 'rate-limited') throw new RateLimitedError(msg, verdict.afterMs, { status })
      if (verdict.kind === 'retryable')
        throw verdict.afterMs !== undefined ? new RetryAfterError(msg, verdict.afterMs, { status }) : new RetryableError(msg, { status })
      if (verdict.kind === 'permanent') throw new NonRetryableError(msg, { status, providerCode: verdict.code })
      let body: unknown = text
      try {
        body = text ? JSON.parse(text) : null
      } catch {
        /* Make answers plain "Accepted" */
      }
      return { status, body }
    },
  }
}

export const makeConnector: ConnectorDefinition<MakeConnection> = defineConnector<MakeConnection>({
  id: 'make',
  connection: makeConnectionSchema as never,
  fromEnv: (env) =>
    env.MAKE_WEBHOOK_URL
      ? {
          webhookUrl: env.MAKE_WEBHOOK_URL,
          ...(env.MAKE_API_KEY ? { apiKey: env.MAKE_API_KEY } : {}),
          ...(env.MAKE_BASE_URL ? { baseUrl: env.MAKE_BASE_URL } : {}),
        }
      : null,
  limits: { rates: [{ name: 'per-second', limit: 30, windowMs: 1000 }] },
  actions: { trigger: trigger('make') as ActionDefinition<MakeConnection, TriggerInput, TriggerOutput> },
})

export const n8nConnector: ConnectorDefinition<N8nConnection> = defineConnector<N8nConnection>({
  id: 'n8n',
  connection: n8nConnectionSchema as never,
  fromEnv: (env) => {
    if (!env.N8N_WEBHOOK_URL) return null
    const auth =
      env.N8N_HEADER_NAME && env.N8N_HEADER_VALUE
        ? { type: 'header', name: env.N8N_HEADER_NAME, value: env.N8N_HEADER_VALUE }
        : env.N8N_BASIC_USER
          ? { type: 'basic', username: env.N8N_BASIC_USER, password: env.N8N_BASIC_PASSWORD ?? '' }
          : undefined
    return { webhookUrl: env.N8N_WEBHOOK_URL, ...(auth ? { auth } : {}), ...(env.N8N_BASE_URL ? { baseUrl: env.N8N_BASE_URL } : {}) }
  },
  actions: { trigger: trigger('n8n') as ActionDefinition<N8nConnection, TriggerInput, TriggerOutput> },
})

export const zapierConnector: ConnectorDefinition<ZapierConnection> = defineConnector<ZapierConnection>({
  id: 'zapier',
  connection: zapierConnectionSchema as never,
  fromEnv: (env) =>
    env.ZAPIER_WEBHOOK_URL
      ? { webhookUrl: env.ZAPIER_WEBHOOK_URL, ...(env.ZAPIER_BASE_URL ? { baseUrl: env.ZAPIER_BASE_URL } : {}) }
      : null,
  actions: { trigger: trigger('zapier') as ActionDefinition<ZapierConnection, TriggerInput, TriggerOutput> },
})
