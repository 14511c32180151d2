/**
 * The Slack connector: `postMessage` (Web API `chat.postMessage` with a bot token, rate
 * limited per channel at about one a second) and `webhook` (an incoming webhook URL).
 * @module
 */
import { request } from 'undici'
import { z } from 'zod'
import { ErrorCodes, isPrivateNetworkError, NonRetryableError, RateLimitedError, RetryableError } from '../../errors.js'
import { type ActionContext, type ActionDefinition, defineConnector } from '../contract.js'
import { classifySlack, type ProviderResponse } from './classify.js'

export const SLACK_DEFAULT_BASE_URL = 'https://slack.com'

export const slackConnectionSchema = z.object({
  /** Bot token (`xoxb-…`) for `postMessage`. */
  token: z.string().min(1).optional(),
  /** Incoming webhook URL for `webhook`. */
  webhookUrl: z.string().url().optional(),
  /** Web API origin; the API is under `<baseUrl>/api/`. Also replaces the origin of a hooks.slack.com webhook URL. @defaultValue https://slack.com */
  baseUrl: z.string().url().default(SLACK_DEFAULT_BASE_URL),
})
export type SlackConnection = z.infer<typeof slackConnectionSchema>

export const postMessageInput = z.object({
  channel: z.string().min(1),
  text: z.string().optional(),
  blocks: z.array(z.record(z.string(), z.unknown())).max(50).optional(),
  thread_ts: z.string().optional(),
  username: z.string().optional(),
  icon_emoji: z.string().optional(),
  unfurl_links: z.boolean().optional(),
})
export type PostMessageInput = z.infer<typeof postMessageInput>

export const webhookInput = z.object({
  text: z.string().optional(),
  blocks: z.array(z.record(z.string(), z.unknown())).max(50).optional(),
  /** Overrides the connection's webhook URL. */
  url: z.string().url().optional(),
})
export type WebhookInput = z.infer<typeof webhookInput>

type Ctx = ActionContext<SlackConnection>

async function send(ctx: Ctx, url: string, body: unknown, token?: string): Promise<ProviderResponse> {
  try {
    const res = await request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'idempotency-key': ctx.call.idempotencyKey,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
      signal: ctx.signal,
      dispatcher: ctx.dispatcher,
    })
    ctx.observeHeaders?.(res.headers)
    const text = await res.body.text()
    let parsed: unknown = text
    if (String(res.headers['content-type'] ?? '').includes('json')) {
      try {
        parsed = JSON.parse(text)
      } catch {
        /* keep text */
      }
    }
    return { status: res.statusCode, headers: res.headers, body: parsed }
  } catch (e) {
    if (ctx.signal.aborted || isPrivateNetworkError(e)) throw e
    throw new RetryableError(`Slack request failed before an answer: ${(e as Error).message}`, {
      code: ErrorCodes.CONNECTOR_NETWORK,
      cause: e,
      providerCode: (e as { code?: string }).code,
    })
  }
}

function ensureOk(res: ProviderResponse, what: string): ProviderResponse {
  const c = classifySlack(res)
  if (c.kind === 'ok') return res
  const msg = `Slack ${what}: ${c.message}`
  if (c.kind === 'rate-limited') throw new RateLimitedError(msg, c.afterMs, { status: res.status, providerCode: c.message })
  if (c.kind === 'retryable') throw new RetryableError(msg, { status: res.status, providerCode: c.message })
  throw new NonRetryableError(msg, { status: res.status, providerCode: c.code })
}

/** Point a hooks.slack.com URL at `baseUrl` when a non-default base URL (the sandbox) is set. */
export function webhookTarget(url: string, baseUrl: string): string {
  if (baseUrl === SLACK_DEFAULT_BASE_URL) return url
  const u = new URL(url)
  if (u.hostname !== 'hooks.slack.com') return url
  return `${baseUrl.replace(/\/+$/, '')}${u.pathname}${u.search}`
}

const postMessage: ActionDefinition<SlackConnection, PostMessageInput, { channel: string; ts: string }> = {
  input: postMessageInput as z.ZodType<PostMessageInput>,
  scope: (i) => i.channel,
  run: async (input, ctx) => {
    if (!ctx.connection.token)
      throw new NonRetryableError('slack.postMessage needs a bot token (connection.token, env SLACK_BOT_TOKEN)', {
        code: ErrorCodes.CONNECTOR_AUTH,
      })
    const res = ensureOk(
      await send(ctx, `${ctx.connection.baseUrl.replace(/\/+$/, '')}/api/chat.postMessage`, input, ctx.connection.token),
      'chat.postMessage',
    )
    const b = res.body as { channel: string; ts: string }
    return { channel: b.channel, ts: b.ts }
  },
}

const webhook: ActionDefinition<SlackConnection, WebhookInput, { ok: true }> = {
  input: webhookInput as z.ZodType<WebhookInput>,
  run: async (input, ctx) => {
    const url = input.url ?? ctx.connection.webhookUrl
    if (!url)
      throw new NonRetryableError('slack.webhook needs a webhook URL (connection.webhookUrl, env SLACK_WEBHOOK_URL)', {
        code: ErrorCodes.CONFIG_INVALID,
      })
    const { url: _u, ...payload } = input
    ensureOk(await send(ctx, webhookTarget(url, ctx.connection.baseUrl), payload), 'incoming webhook')
    return { ok: true }
  },
}

export const slackConnector = defineConnector<SlackConnection>({
  id: 'slack',
  connection: slackConnectionSchema as never,
  fromEnv: (env) => {
    if (!env.SLACK_BOT_TOKEN && !env.SLACK_WEBHOOK_URL) return null
    return {
      ...(env.SLACK_BOT_TOKEN ? { token: env.SLACK_BOT_TOKEN } : {}),
      ...(env.SLACK_WEBHOOK_URL ? { webhookUrl: env.SLACK_WEBHOOK_URL } : {}),
      ...(env.SLACK_BASE_URL ? { baseUrl: env.SLACK_BASE_URL } : {}),
    }
  },
  limits: {
    rates: [
      { name: 'per-channel', limit: 1, windowMs: 1000, scope: 'action', actions: ['postMessage'] },
      { name: 'webhook', limit: 1, windowMs: 1000, actions: ['webhook'] },
    ],
  },
  actions: { postMessage, webhook },
})
