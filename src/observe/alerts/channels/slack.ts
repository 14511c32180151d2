/**
 * The Slack channel: each message goes out at once, to an incoming webhook (`webhookUrl`) or
 * with a bot token through `chat.postMessage` to `channel` (default `#alerts`). By default it
 * takes critical alerts only. Slack's answers are classified as the Slack connector does
 * (429 and `ratelimited` wait, `ok:false` codes are permanent).
 * @module
 */
import { request } from 'undici'
import { z } from 'zod'
import { classifySlack } from '../../../connectors/slack/classify.js'
import { SLACK_DEFAULT_BASE_URL, webhookTarget } from '../../../connectors/slack/connector.js'
import { NonRetryableError, RateLimitedError, RetryableError } from '../../../errors.js'
import type { AlertChannel, ChannelType, OutgoingMessage } from '../contract.js'
import { bodyOf, titleOf } from './render.js'
import { severities } from './severities.js'

const settings = z
  .strictObject({
    /** Incoming webhook URL (its channel is fixed by Slack). */
    webhookUrl: z.string().url().optional(),
    /** Bot token (`xoxb-…`) for chat.postMessage. */
    token: z.string().min(1).optional(),
    /** Channel for chat.postMessage. */
    channel: z.string().min(1).default('#alerts'),
    /** Web API origin (the sandbox); also replaces the origin of a hooks.slack.com URL. */
    baseUrl: z.string().url().default(SLACK_DEFAULT_BASE_URL),
    severities: severities(['critical']),
  })
  .refine((s) => s.webhookUrl !== undefined || s.token !== undefined, {
    message: 'give webhookUrl (an incoming webhook) or token (a bot token for chat.postMessage)',
  })

const EMOJI = { firing: ':red_circle:', escalated: ':large_orange_circle:', resolved: ':white_check_mark:', test: ':wave:' } as const

function blocksOf(items: OutgoingMessage[]) {
  return items.flatMap(({ message: m }) => [
    { type: 'section', text: { type: 'mrkdwn', text: `${EMOJI[m.kind]} *${titleOf(m)}*\n${bodyOf(m)}` } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `incident \`${m.incidentId}\`` }] },
  ])
}

export const slackChannel: ChannelType<z.infer<typeof settings>> = {
  type: 'slack',
  settings,
  create(name, s): AlertChannel {
    return {
      name,
      type: 'slack',
      severities: s.severities,
      schedule: (_severity, now) => ({ dueAt: now, batch: null }),
      describe: () => ({
        via: s.token ? `chat.postMessage to ${s.channel}` : 'incoming webhook',
        severities: s.severities,
      }),
      async send(items, ctx) {
        const text = items.map(({ message: m }) => `${titleOf(m)}: ${bodyOf(m)}`).join('\n')
        const payload = { text, blocks: blocksOf(items) }
        const base = s.baseUrl.replace(/\/+$/, '')
        const url = s.token ? `${base}/api/chat.postMessage` : webhookTarget(s.webhookUrl!, s.baseUrl)
        const body = s.token ? { channel: s.channel, ...payload } : payload
        let res: Awaited<ReturnType<typeof request>>
        try {
          res = await request(url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json; charset=utf-8',
              ...(s.token ? { authorization: `Bearer ${s.token}` } : {}),
            },
            body: JSON.stringify(body),
            signal: ctx.signal,
          })
        } catch (e) {
          throw new RetryableError(`Slack did not answer: ${(e as Error).message}`, { cause: e })
        }
        const raw = await res.body.text()
        let parsed: unknown = raw
        try {
          parsed = JSON.parse(raw)
        } catch {
          // incoming webhooks answer plain text
        }
        const c = classifySlack({ status: res.statusCode, headers: res.headers, body: parsed })
        if (c.kind === 'ok') return
        const msg = `Slack refused the alert (${c.message ?? res.statusCode})`
        if (c.kind === 'rate-limited') throw new RateLimitedError(msg, c.afterMs, { status: res.statusCode })
        if (c.kind === 'retryable') throw new RetryableError(msg, { status: res.statusCode })
        throw new NonRetryableError(msg, { status: res.statusCode, providerCode: c.code })
      },
    }
  },
}
