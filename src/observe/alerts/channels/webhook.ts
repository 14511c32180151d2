/**
 * The webhook channel: each message is POSTed as JSON at once, signed with Standard Webhooks
 * (`webhook-id` is the notification id, stable across retries, so receivers can dedupe;
 * `webhook-signature` is `v1,<HMAC-SHA256>` under the `whsec_…` secret). Body:
 * `{ "type": "alert.firing" | "alert.escalated" | "alert.resolved" | "alert.test",
 *    "timestamp": ISO time, "data": the message }`. 2xx is success; 408, 429 and 5xx retry;
 * other statuses give up.
 * @module
 */
import { request } from 'undici'
import { z } from 'zod'
import { NonRetryableError, RetryableError } from '../../../errors.js'
import { decodeStandardSecret, signStandardWebhook } from '../../../triggers/auth/index.js'
import type { AlertChannel, ChannelType } from '../contract.js'
import { severities } from './severities.js'

const settings = z.strictObject({
  url: z.string().url(),
  /** `whsec_<base64>`; without it, requests go unsigned. */
  secret: z
    .string()
    .refine((s) => decodeStandardSecret(s) !== null, { message: 'must be a Standard Webhooks secret: whsec_ followed by base64' })
    .optional(),
  headers: z.record(z.string(), z.string()).default({}),
  severities: severities(['warning', 'critical']),
})

export const webhookChannel: ChannelType<z.infer<typeof settings>> = {
  type: 'webhook',
  settings,
  create(name, s): AlertChannel {
    return {
      name,
      type: 'webhook',
      severities: s.severities,
      schedule: (_severity, now) => ({ dueAt: now, batch: null }),
      describe: () => ({ url: new URL(s.url).origin + new URL(s.url).pathname, signed: s.secret !== undefined, severities: s.severities }),
      async send(items, ctx) {
        for (const { id, message } of items) {
          const body = JSON.stringify({ type: `alert.${message.kind}`, timestamp: new Date(ctx.now).toISOString(), data: message })
          const signature = s.secret ? signStandardWebhook(s.secret, id, Math.floor(ctx.now / 1000), body) : {}
          let status: number
          try {
            const res = await request(s.url, {
              method: 'POST',
              headers: { ...s.headers, 'content-type': 'application/json', ...signature },
              body,
              signal: ctx.signal,
            })
            status = res.statusCode
            await res.body.dump()
          } catch (e) {
            throw new RetryableError(`alert webhook ${name} did not answer: ${(e as Error).message}`, { cause: e })
          }
          if (status >= 200 && status < 300) continue
          const msg = `alert webhook ${name} answered HTTP ${status}`
          if (status === 408 || status === 429 || status >= 500) throw new RetryableError(msg, { status })
          throw new NonRetryableError(msg, { status })
        }
      },
    }
  },
}
