/**
 * The e-mail channel (nodemailer over SMTP). Critical alerts go out at once, one message
 * each; warnings (and their resolutions) wait for the daily digest, sent at `digest.at` in
 * `digest.timezone` as one message listing every incident since the last one. Set `digest:
 * false` to send warnings at once too.
 * @module
 */
import { Cron } from 'croner'
import type { Transporter } from 'nodemailer'
import { z } from 'zod'
import { smtpFailure } from '../../../connectors/email/connector.js'
import type { AlertChannel, AlertMessage, ChannelType } from '../contract.js'
import { iso, textOf, titleOf } from './render.js'
import { severities } from './severities.js'

const timezone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz })
      return true
    } catch {
      return false
    }
  },
  { message: 'is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)' },
)

const settings = z.strictObject({
  /** `smtp://user:pass@host:587` or `smtps://…:465`. */
  url: z.string().regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://'),
  from: z.string().min(3),
  to: z.union([z.string().min(3), z.array(z.string().min(3)).min(1)]),
  severities: severities(['warning', 'critical']),
  digest: z
    .union([
      z.literal(false),
      z.strictObject({
        /** Local time of day, `HH:MM` (24 h). */
        at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day as HH:MM, e.g. 08:30'),
        timezone: timezone.default('UTC'),
      }),
    ])
    .default({ at: '09:00', timezone: 'UTC' }),
})

export type EmailChannelSettings = z.infer<typeof settings>

/** The next digest time strictly after `now`. */
export function nextDigestAt(digest: { at: string; timezone: string }, now: number): number {
  const [hh, mm] = digest.at.split(':')
  const job = new Cron(`${Number(mm)} ${Number(hh)} * * *`, { paused: true, timezone: digest.timezone })
  return job.nextRun(new Date(now))!.getTime()
}

function digestText(messages: AlertMessage[], now: number): { subject: string; text: string } {
  // One entry per incident, at its latest state; newest first.
  const latest = new Map<string, AlertMessage>()
  for (const m of messages) latest.set(m.incidentId, m)
  const entries = [...latest.values()].sort((a, b) => b.startedAt - a.startedAt)
  const open = entries.filter((m) => m.kind !== 'resolved').length
  const subject = `Pipewright alert digest: ${entries.length} incident${entries.length === 1 ? '' : 's'}, ${open} still open`
  const lines = entries.map((m) => `- ${textOf(m).split('\n').join('\n  ')}`)
  return { subject, text: `${subject}\n\n${lines.join('\n\n')}\n\nSent ${iso(now)}.\n` }
}

export const emailChannel: ChannelType<EmailChannelSettings> = {
  type: 'email',
  settings,
  create(name, s): AlertChannel {
    let transport: Transporter | null = null
    return {
      name,
      type: 'email',
      severities: s.severities,
      schedule(severity, now) {
        if (severity === 'critical' || s.digest === false) return { dueAt: now, batch: null }
        const at = nextDigestAt(s.digest, now)
        return { dueAt: at, batch: `${name}@${new Date(at).toISOString()}` }
      },
      describe: () => ({
        to: s.to,
        severities: s.severities,
        digest: s.digest === false ? 'off' : `${s.digest.at} ${s.digest.timezone}`,
      }),
      async send(items, ctx) {
        // nodemailer loads with the first alert message, not at start-up.
        transport ??= (await import('nodemailer')).default.createTransport(s.url)
        const messages = items.map((i) => i.message)
        const single = messages.length === 1 ? messages[0]! : null
        const content = single ? { subject: titleOf(single), text: `${textOf(single)}\n` } : digestText(messages, ctx.now)
        try {
          await transport.sendMail({
            from: s.from,
            to: s.to,
            ...content,
            headers: { 'X-Pipewright-Alert': items.map((i) => i.id).join(' ') },
          })
        } catch (e) {
          throw smtpFailure(e)
        }
      },
      async close() {
        transport?.close()
        transport = null
      },
    }
  },
}
