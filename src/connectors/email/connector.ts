/**
 * The SMTP e-mail connector (`email.send`) on nodemailer. A message is either pre-rendered
 * (`subject`, `text`, `html`) or a named template of the connection rendered with `data`.
 * Budget: 500 messages a day by default (`dailyLimit`, or the connection's `limits.budgets`).
 *
 * SMTP replies map to control-flow errors: 421 and 4.7.x "too many" replies → RateLimitedError
 * (60 s), other 4xx → RetryableError, 5xx → NonRetryableError `SMTP_<code>`, connection
 * failures → RetryableError `PW_CONNECTOR_NETWORK`.
 *
 * A `category: 'marketing'` send goes out only when every recipient (to, cc, bcc) has recorded
 * consent `subscribed` (docs/consent.md); otherwise nothing is sent and the step fails with
 * `PW_CONSENT_REQUIRED` naming who lacked it. Transactional sends (the default) are not checked.
 * @module
 */
import type { Transporter } from 'nodemailer'
import addressparser from 'nodemailer/lib/addressparser'
import { z } from 'zod'
import { ConsentRequiredError, consentAllows } from '../../consent/policy.js'
import { consentSubject, DEFAULT_CONSENT_SCOPE } from '../../consent/types.js'
import { ErrorCodes, NonRetryableError, RateLimitedError, RetryableError } from '../../errors.js'
import { type ActionDefinition, type ConnectorDefinition, defineConnector } from '../contract.js'
import { render, TemplateError } from './template.js'

const templateSchema = z.object({ subject: z.string(), text: z.string().optional(), html: z.string().optional() })

export const emailConnectionSchema = z.object({
  /** `smtp://user:pass@host:587` or `smtps://…:465`. */
  url: z.string().regex(/^smtps?:\/\//, 'SMTP_URL must start with smtp:// or smtps://'),
  /** Replaces the host and port of `url` (the sandbox), keeping its credentials. */
  baseUrl: z
    .string()
    .regex(/^smtps?:\/\//)
    .optional(),
  /** Default sender, e.g. `Pipewright <ops@example.com>`. */
  from: z.string().optional(),
  /** Named templates: `{{ var }}` placeholders filled from the call's `data`. */
  templates: z.record(z.string(), templateSchema).default({}),
})
export type EmailConnection = z.infer<typeof emailConnectionSchema>

const addresses = z.union([z.string().min(3), z.array(z.string().min(3)).min(1)])
export const emailSendInput = z
  .object({
    to: addresses,
    cc: addresses.optional(),
    bcc: addresses.optional(),
    replyTo: z.string().optional(),
    from: z.string().optional(),
    subject: z.string().optional(),
    text: z.string().optional(),
    html: z.string().optional(),
    /** Name of a template of the connection. */
    template: z.string().optional(),
    data: z.record(z.string(), z.unknown()).default({}),
    headers: z.record(z.string(), z.string()).optional(),
    /** `marketing` sends need every recipient's recorded consent. @defaultValue 'transactional' */
    category: z.enum(['transactional', 'marketing']).default('transactional'),
    /** Consent scope checked for marketing sends. @defaultValue 'marketing' */
    consentScope: z.string().min(1).optional(),
  })
  .refine((i) => i.template !== undefined || (i.subject !== undefined && (i.text !== undefined || i.html !== undefined)), {
    message: 'give a template, or a subject with text and/or html',
  })
export type EmailSendInput = z.input<typeof emailSendInput>
type ParsedSend = z.output<typeof emailSendInput>

/** Every address of to, cc and bcc, as written (`Ann <ann@x.io>` → `ann@x.io`). */
export function recipientsOf(input: Pick<ParsedSend, 'to' | 'cc' | 'bcc'>): string[] {
  const list = [input.to, input.cc, input.bcc].flatMap((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
  return [...new Set(list.flatMap((a) => addressparser(a, { flatten: true }).map((p) => p.address)).filter(Boolean))]
}

export interface EmailSendOutput {
  messageId: string
  accepted: string[]
  rejected: string[]
}

/** The error for a failed send. */
export function smtpFailure(e: unknown): Error {
  const err = e as { responseCode?: number; code?: string; response?: string; message?: string }
  const text = err.response ?? err.message ?? 'SMTP failure'
  const code = err.responseCode
  if (typeof code === 'number') {
    const msg = `SMTP ${code}: ${text}`
    if (code === 421 || (code >= 400 && code < 500 && /4\.7\.\d|too many|rate|slow down/i.test(text)))
      return new RateLimitedError(msg, 60_000, { providerCode: `SMTP_${code}`, cause: e })
    if (code >= 400 && code < 500) return new RetryableError(msg, { providerCode: `SMTP_${code}`, cause: e })
    return new NonRetryableError(msg, {
      code: code === 535 ? ErrorCodes.CONNECTOR_AUTH : ErrorCodes.NON_RETRYABLE,
      providerCode: `SMTP_${code}`,
      cause: e,
    })
  }
  if (err.code === 'EAUTH')
    return new NonRetryableError(`SMTP authentication failed: ${text}`, {
      code: ErrorCodes.CONNECTOR_AUTH,
      providerCode: 'EAUTH',
      cause: e,
    })
  if (err.code === 'EENVELOPE' || err.code === 'EMESSAGE')
    return new NonRetryableError(`SMTP refused the message: ${text}`, { providerCode: err.code, cause: e })
  return new RetryableError(`SMTP connection failed: ${err.code ?? text}`, {
    code: ErrorCodes.CONNECTOR_NETWORK,
    providerCode: err.code,
    cause: e,
  })
}

function transportUrl(c: EmailConnection): string {
  if (!c.baseUrl) return c.url
  const u = new URL(c.url)
  const b = new URL(c.baseUrl)
  u.protocol = b.protocol
  u.host = b.host
  return u.toString()
}

export interface EmailConnectorOptions {
  /** Messages per day per connection. @defaultValue 500 */
  dailyLimit?: number
}

export function createEmailConnector(options: EmailConnectorOptions = {}): ConnectorDefinition<EmailConnection> {
  const transports = new Map<string, Transporter>()
  const transportOf = async (c: EmailConnection) => {
    const url = transportUrl(c)
    let t = transports.get(url)
    if (!t) {
      // nodemailer loads with the first message, not with every pipeline set.
      const { default: nodemailer } = await import('nodemailer')
      t = nodemailer.createTransport(url)
      transports.set(url, t)
    }
    return t
  }

  const send: ActionDefinition<EmailConnection, ParsedSend, EmailSendOutput> = {
    input: emailSendInput as unknown as z.ZodType<ParsedSend>,
    run: async (input, ctx) => {
      const c = ctx.connection
      if (input.category === 'marketing') {
        const scope = input.consentScope ?? DEFAULT_CONSENT_SCOPE
        const recipients = recipientsOf(input)
        if (!ctx.consent)
          throw new NonRetryableError('email.send (marketing): no consent records are available here, so the send is refused')
        const recorded = new Map((await ctx.consent.getMany(recipients, scope)).map((r) => [r.subject, r]))
        const refused = recipients
          .map((email) => ({ email, record: recorded.get(consentSubject(email)) ?? null }))
          .filter((r) => !consentAllows(r.record, 'marketing-email'))
          .map((r) => ({ email: r.email, recorded: r.record?.state ?? null, source: r.record?.source }))
        if (refused.length > 0) throw new ConsentRequiredError('email.send (marketing)', refused, scope)
      }
      let subject = input.subject
      let text = input.text
      let html = input.html
      if (input.template !== undefined) {
        const t = c.templates[input.template]
        if (!t)
          throw new NonRetryableError(
            `email.send: no template "${input.template}" on connection ${ctx.connectionName}; templates: ${Object.keys(c.templates).join(', ') || 'none'}`,
          )
        try {
          subject = render(t.subject, input.data)
          text = t.text === undefined ? undefined : render(t.text, input.data)
          html = t.html === undefined ? undefined : render(t.html, input.data, true)
        } catch (e) {
          if (e instanceof TemplateError) throw new NonRetryableError(`email.send template ${input.template}: ${e.message}`, { cause: e })
          throw e
        }
      }
      const from = input.from ?? c.from
      if (!from) throw new NonRetryableError('email.send: no sender; set `from` on the call or the connection (SMTP_FROM)')
      try {
        const info = await (await transportOf(c)).sendMail({
          from,
          to: input.to,
          ...(input.cc ? { cc: input.cc } : {}),
          ...(input.bcc ? { bcc: input.bcc } : {}),
          ...(input.replyTo ? { replyTo: input.replyTo } : {}),
          subject,
          ...(text !== undefined ? { text } : {}),
          ...(html !== undefined ? { html } : {}),
          headers: { ...input.headers, 'X-Pipewright-Idempotency-Key': ctx.call.idempotencyKey },
        })
        return { messageId: info.messageId, accepted: (info.accepted ?? []).map(String), rejected: (info.rejected ?? []).map(String) }
      } catch (e) {
        throw smtpFailure(e)
      }
    },
  }

  return defineConnector<EmailConnection>({
    id: 'email',
    connection: emailConnectionSchema as never,
    fromEnv: (env) => {
      if (!env.SMTP_URL) return null
      return {
        url: env.SMTP_URL,
        ...(env.SMTP_BASE_URL ? { baseUrl: env.SMTP_BASE_URL } : {}),
        ...(env.SMTP_FROM ? { from: env.SMTP_FROM } : {}),
        ...(env.SMTP_DAILY_LIMIT ? { limits: { budgets: [{ name: 'daily', period: 'day', limit: Number(env.SMTP_DAILY_LIMIT) }] } } : {}),
      }
    },
    limits: { budgets: [{ name: 'daily', period: 'day', limit: options.dailyLimit ?? 500 }] },
    actions: { send },
    close: async () => {
      for (const t of transports.values()) t.close()
      transports.clear()
    },
  })
}

/** The e-mail connector with a budget of 500 messages a day. */
export const emailConnector = createEmailConnector()
