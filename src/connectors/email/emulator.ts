/**
 * The SMTP emulator: a real SMTP server (smtp-server) on loopback that keeps every received
 * message — envelope, raw source, parsed headers, text and HTML parts — for inspection.
 * It fits the sandbox's {@link Emulator} shape (`url` is `smtp://127.0.0.1:<port>`; faults
 * answer RCPT TO: a 429 storm with `421 4.7.0`, errors with `451 4.3.0`, resets drop the
 * connection). Optional AUTH users; recipients on `rejectRecipients` get `550 5.1.1`.
 * @module
 */
import type { AddressInfo, Server as NetServer, Socket } from 'node:net'
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server'
import type { Emulator, LoggedRequest } from '../../sandbox/emulator.js'
import { type FaultConfig, FaultController } from '../../sandbox/faults.js'
import { findPart, parseMime } from './mime.js'

export interface ReceivedMail {
  from: string
  to: string[]
  raw: string
  headers: Record<string, string>
  subject: string
  text?: string
  html?: string
  receivedAt: number
}

export interface SmtpEmulatorOptions {
  clock?: { now(): number }
  random?: () => number
  faults?: FaultConfig
  /** Accepted AUTH users (`user → password`); AUTH is optional when absent. */
  users?: Record<string, string>
  /** Recipients refused with 550. */
  rejectRecipients?: string[]
  /** Largest accepted message in bytes. @defaultValue 10 MiB */
  maxSizeBytes?: number
}

export interface SmtpEmulator extends Emulator {
  messages(): ReceivedMail[]
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code })
}

export function smtpEmulator(options: SmtpEmulatorOptions = {}): SmtpEmulator {
  const clock = options.clock ?? { now: () => Date.now() }
  const faults = new FaultController(() => clock.now(), options.random ?? Math.random, options.faults ?? {})
  let mail: ReceivedMail[] = []
  let log: LoggedRequest[] = []
  let server: SMTPServer | null = null
  let url: string | null = null
  const sockets = new Set<Socket>()
  const note = (path: string, status: number, body: unknown, fault?: LoggedRequest['fault']) =>
    log.push({ method: 'SMTP', path, query: {}, headers: {}, body, status, receivedAt: clock.now(), ...(fault ? { fault } : {}) })

  const create = () =>
    new SMTPServer({
      logger: false,
      closeTimeout: 500,
      disabledCommands: ['STARTTLS'],
      authOptional: !options.users,
      size: options.maxSizeBytes ?? 10 * 1024 * 1024,
      onAuth(auth, _session, cb) {
        if (!options.users || options.users[auth.username ?? ''] === auth.password) return cb(null, { user: auth.username })
        note('AUTH', 535, { user: auth.username })
        cb(smtpError(535, '5.7.8 Authentication credentials invalid'))
      },
      onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, cb) {
        const fault = faults.decide('/rcpt')
        const later = (fn: () => void) => (fault.delayMs > 0 ? setTimeout(fn, fault.delayMs) : fn())
        later(() => {
          if (fault.kind === 'reset') {
            note('RCPT', 0, { to: address.address }, 'reset')
            for (const socket of sockets) if (socket.remotePort === session.remotePort) socket.destroy()
            return
          }
          if (fault.kind === 'rate-limit') {
            note('RCPT', 421, { to: address.address }, 'rate-limit')
            return cb(smtpError(421, '4.7.0 Too many messages, slow down'))
          }
          if (fault.kind === 'error') {
            note('RCPT', 451, { to: address.address }, 'error')
            return cb(smtpError(451, '4.3.0 Temporary local problem, try again later'))
          }
          if (options.rejectRecipients?.includes(address.address.toLowerCase())) {
            note('RCPT', 550, { to: address.address })
            return cb(smtpError(550, `5.1.1 <${address.address}>: Recipient address rejected: User unknown`))
          }
          cb()
        })
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = []
        stream.on('data', (c: Buffer) => chunks.push(c))
        stream.on('end', () => {
          if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded)
            return cb(smtpError(552, '5.3.4 Message size exceeds fixed maximum message size'))
          const raw = Buffer.concat(chunks).toString('utf8')
          const root = parseMime(raw)
          const headers = Object.fromEntries(root.headers)
          const text = findPart(root, 'text/plain')?.text
          const html = findPart(root, 'text/html')?.text
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : ''
          const to = session.envelope.rcptTo.map((r) => r.address)
          const m: ReceivedMail = {
            from,
            to,
            raw,
            headers,
            subject: headers.subject ?? '',
            ...(text !== undefined ? { text } : {}),
            ...(html !== undefined ? { html } : {}),
            receivedAt: clock.now(),
          }
          mail.push(m)
          note('DATA', 250, { from, to, subject: m.subject })
          cb(null, `2.0.0 Ok: queued as EMU${mail.length}`)
        })
      },
    })

  return {
    service: 'smtp',
    faults,
    get url() {
      if (url === null) throw new Error('smtp emulator is not listening; call listen() first')
      return url
    },
    async listen({ port = 0, host = '127.0.0.1' } = {}) {
      if (server && url) return url
      const srv = create()
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject)
        srv.listen(port, host, () => resolve())
      })
      srv.on('error', () => undefined)
      server = srv
      const net = (srv as unknown as { server: NetServer }).server
      net.on('connection', (socket: Socket) => {
        sockets.add(socket)
        socket.once('close', () => sockets.delete(socket))
      })
      const addr = net.address() as AddressInfo
      url = `smtp://${addr.address}:${addr.port}`
      return url
    },
    async close() {
      const srv = server
      server = null
      url = null
      if (srv) await new Promise<void>((r) => srv.close(() => r()))
    },
    requests: () => log.slice(),
    reset() {
      mail = []
      log = []
      faults.replace(options.faults ?? {})
    },
    messages: () => mail.slice(),
  }
}
