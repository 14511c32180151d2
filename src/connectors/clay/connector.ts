/**
 * The Clay connector: `sendRow` posts one row to a table webhook with `x-clay-webhook-auth`.
 * Each webhook accepts 50,000 submissions in its lifetime; with several webhook URLs
 * configured, the connector moves to the next one when a webhook is used up (by its own
 * count, kept in the identity map, or when Clay says so) and throws `QuotaExhaustedError`
 * once all are.
 * @module
 */
import { createHash } from 'node:crypto'
import { request } from 'undici'
import { z } from 'zod'
import {
  ErrorCodes,
  isPrivateNetworkError,
  NonRetryableError,
  QuotaExhaustedError,
  RateLimitedError,
  RetryableError,
} from '../../errors.js'
import { type ActionContext, type ActionDefinition, defineConnector } from '../contract.js'
import { classifyClay, type ProviderResponse } from './classify.js'

export const CLAY_SUBMISSION_LIMIT = 50_000

export const clayConnectionSchema = z.object({
  /** Table webhook URLs, used in order; the next one takes over when one is used up. */
  webhookUrls: z.array(z.string().url()).min(1),
  /** Value of the `x-clay-webhook-auth` header, when the webhook has an auth token. */
  token: z.string().min(1).optional(),
  /** Replaces the origin of every webhook URL (the sandbox). */
  baseUrl: z.string().url().optional(),
  /** Lifetime submissions per webhook. @defaultValue 50000 */
  submissionLimit: z.number().int().positive().default(CLAY_SUBMISSION_LIMIT),
})
export type ClayConnection = z.infer<typeof clayConnectionSchema>

export const sendRowInput = z.object({ row: z.record(z.string(), z.unknown()) })
export type SendRowInput = z.infer<typeof sendRowInput>

export interface SendRowOutput {
  /** Index of the webhook URL that took the row. */
  webhook: number
  /** Submissions counted on that webhook, including this one. */
  submissions: number
}

type Ctx = ActionContext<ClayConnection>

const hashUrl = (u: string) => createHash('sha256').update(u).digest('hex').slice(0, 16)
const countKey = (u: string) => `clay:webhook-submissions:${hashUrl(u)}`

function target(url: string, baseUrl?: string): string {
  if (!baseUrl) return url
  const u = new URL(url)
  return `${baseUrl.replace(/\/+$/, '')}${u.pathname}${u.search}`
}

async function post(ctx: Ctx, url: string, row: unknown): Promise<ProviderResponse> {
  try {
    const res = await request(target(url, ctx.connection.baseUrl), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': ctx.call.idempotencyKey,
        ...(ctx.connection.token ? { 'x-clay-webhook-auth': ctx.connection.token } : {}),
      },
      body: JSON.stringify(row),
      signal: ctx.signal,
      dispatcher: ctx.dispatcher,
    })
    ctx.observeHeaders?.(res.headers)
    const text = await res.body.text()
    let body: unknown = text
    try {
      body = text ? JSON.parse(text) : null
    } catch {
      /* keep text */
    }
    return { status: res.statusCode, headers: res.headers, body }
  } catch (e) {
    if (ctx.signal.aborted || isPrivateNetworkError(e)) throw e
    throw new RetryableError(`Clay webhook request failed before an answer: ${(e as Error).message}`, {
      code: ErrorCodes.CONNECTOR_NETWORK,
      cause: e,
      providerCode: (e as { code?: string }).code,
    })
  }
}

const sendRow: ActionDefinition<ClayConnection, SendRowInput, SendRowOutput> = {
  input: sendRowInput as z.ZodType<SendRowInput>,
  run: async (input, ctx) => {
    const { webhookUrls, submissionLimit } = ctx.connection
    for (let i = 0; i < webhookUrls.length; i++) {
      const url = webhookUrls[i]
      const used = Number((await ctx.identity.get(countKey(url))) ?? 0)
      if (used >= submissionLimit) continue
      const res = await post(ctx, url, input.row)
      const c = classifyClay(res)
      if (c.kind === 'ok') {
        await ctx.identity.set(countKey(url), String(used + 1))
        return { webhook: i, submissions: used + 1 }
      }
      if (c.kind === 'permanent' && c.code === 'WEBHOOK_EXHAUSTED') {
        await ctx.identity.set(countKey(url), String(submissionLimit))
        continue
      }
      const msg = `Clay webhook #${i + 1}: ${c.message}`
      if (c.kind === 'rate-limited') throw new RateLimitedError(msg, c.afterMs, { status: res.status })
      if (c.kind === 'retryable') throw new RetryableError(msg, { status: res.status })
      throw new NonRetryableError(msg, { status: res.status, providerCode: c.code })
    }
    throw new QuotaExhaustedError(
      `Clay: all ${webhookUrls.length} webhook URL(s) have used their ${submissionLimit} lifetime submissions; add a new webhook to the table and to CLAY_WEBHOOK_URL`,
    )
  },
}

export const clayConnector = defineConnector<ClayConnection>({
  id: 'clay',
  connection: clayConnectionSchema as never,
  fromEnv: (env) => {
    if (!env.CLAY_WEBHOOK_URL) return null
    const webhookUrls = env.CLAY_WEBHOOK_URL.split(',')
      .map((s) => s.trim())
      .filter(Boolean)
    return {
      webhookUrls,
      // The lifetime budget covers every configured webhook, so `pipewright usage` and the
      // 70/85/95 % levels warn before the last one is used up.
      limits: { budgets: [{ name: 'submissions', period: 'lifetime', limit: CLAY_SUBMISSION_LIMIT * Math.max(1, webhookUrls.length) }] },
      ...(env.CLAY_WEBHOOK_TOKEN ? { token: env.CLAY_WEBHOOK_TOKEN } : {}),
      ...(env.CLAY_BASE_URL ? { baseUrl: env.CLAY_BASE_URL } : {}),
    }
  },
  limits: {
    rates: [{ name: 'per-second', limit: 10, windowMs: 1000 }],
    /** 50,000 per webhook; `fromEnv` multiplies it by the number of webhook URLs. */
    budgets: [{ name: 'submissions', period: 'lifetime', limit: CLAY_SUBMISSION_LIMIT }],
  },
  actions: { sendRow },
})
