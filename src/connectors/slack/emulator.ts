/**
 * The Slack emulator: incoming webhooks (`POST /services/T…/B…/…`, plain-text answers) and
 * the Web API under `/api/` (`chat.postMessage`, `auth.test`) with HTTP-200 `ok:false` errors,
 * `ratelimited` 429s with `Retry-After`, and a per-channel limit of about one message a
 * second. Works unchanged with `@slack/web-api` (`slackApiUrl: <base>/api/`) and
 * `@slack/webhook`.
 * @module
 */
import { createHash } from 'node:crypto'
import { createEmulator, type EmulatorServer } from '../../sandbox/emulator.js'
import type { FaultConfig } from '../../sandbox/faults.js'
import { bearerToken, type EmulatorReply, type EmulatorRequest, json, text } from '../../sandbox/reply.js'
import { checkArgs, parseJsonArray, WEB_API_SHAPES } from './emulator-spec.js'

export interface SlackMessage {
  channel: string
  text: string
  blocks?: unknown[]
  thread_ts?: string
  ts: string
  via: 'api' | 'webhook'
  /** Webhook path (`T…/B…/…`) for webhook messages. */
  webhook?: string
}

export interface SlackState {
  messages: SlackMessage[]
  seq: number
}

export interface SlackEmulatorOptions {
  clock?: { now(): number }
  random?: () => number
  faults?: FaultConfig
  /** Accepted bot tokens; any `xox…` token when absent. */
  tokens?: string[]
  /** Known channels (names with or without `#`, or ids); any channel when absent. */
  channels?: string[]
  /** Known webhook paths (`T…/B…/…`); any well-formed path when absent. */
  webhooks?: string[]
  /** Messages allowed per channel (and per webhook) in a burst window of `burst` seconds. @defaultValue 3 (≈1/s with bursts of 3) */
  burst?: number
}

const TEAM = {
  team: 'Pipewright Sandbox',
  team_id: 'T0SANDBOX',
  url: 'https://pipewright-sandbox.slack.com/',
  user: 'pipewright',
  user_id: 'U0SANDBOX',
  bot_id: 'B0SANDBOX',
}

export function slackEmulator(options: SlackEmulatorOptions = {}): EmulatorServer<SlackState> {
  const isApi = (req: EmulatorRequest) => req.path.startsWith('/api/')
  const retryAfter = (ms: number) => ({ 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))) })
  const emu = createEmulator<SlackState>({
    service: 'slack',
    state: () => ({ messages: [], seq: 0 }),
    clock: options.clock,
    random: options.random,
    faults: options.faults,
    tooManyRequests: (req, ms) =>
      isApi(req) ? json(429, { ok: false, error: 'ratelimited' }, retryAfter(ms)) : text(429, 'rate_limited', retryAfter(ms)),
    serverError: (req, status) => (isApi(req) ? json(status, { ok: false, error: 'internal_error' }) : text(status, 'rollup_error')),
    notFound: (req) => (isApi(req) ? json(404, { ok: false, error: 'unknown_method' }) : text(404, 'no_service')),
  })
  const burst = options.burst ?? 3
  const perChannel = emu.limiter(burst, burst * 1000)
  const known = options.channels?.map(normaliseChannel)

  const post = (state: SlackState, now: number, m: Omit<SlackMessage, 'ts'>): SlackMessage => {
    state.seq++
    const ts = `${Math.floor(now / 1000)}.${String(state.seq).padStart(6, '0')}`
    const msg = { ...m, ts }
    state.messages.push(msg)
    return msg
  }

  emu.route('POST', '/services/:team/:bot/:secret', (req, ctx) => {
    const path = `${req.params.team}/${req.params.bot}/${req.params.secret}`
    if (!/^T\w+$/.test(req.params.team) || !/^B\w+$/.test(req.params.bot)) return text(404, 'no_service')
    if (options.webhooks && !options.webhooks.includes(path)) return text(404, 'no_service')
    let body = req.body
    if (body && typeof body === 'object' && typeof (body as { payload?: unknown }).payload === 'string')
      body = safeJson((body as { payload: string }).payload)
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return text(400, 'invalid_payload')
    const b = body as Record<string, unknown>
    const blocks = parseJsonArray(b.blocks)
    if (blocks === null) return text(400, 'invalid_blocks')
    if ((typeof b.text !== 'string' || b.text === '') && !blocks && !b.attachments) return text(400, 'no_text')
    const channel = typeof b.channel === 'string' ? normaliseChannel(b.channel) : `webhook:${path}`
    if (known && typeof b.channel === 'string' && !known.includes(channel)) return text(404, 'channel_not_found')
    const d = perChannel.take(`webhook:${path}`, ctx.now)
    if (!d.allowed) return text(429, 'rate_limited', retryAfter(d.retryAfterMs))
    post(ctx.state, ctx.now, { channel, text: String(b.text ?? ''), ...(blocks ? { blocks } : {}), via: 'webhook', webhook: path })
    return text(200, 'ok')
  })

  emu.route('*', '/api/:method', (req, ctx) => {
    const shape = WEB_API_SHAPES[req.params.method]
    if (!shape) return json(404, { ok: false, error: 'unknown_method' })
    const args = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>
    for (const [k, v] of req.query) if (args[k] === undefined) args[k] = v
    const token = bearerToken(req) ?? (typeof args.token === 'string' ? args.token : null)
    if (!token) return fail('not_authed')
    if (options.tokens ? !options.tokens.includes(token) : !/^xox[abpr]-/.test(token)) return fail('invalid_auth')
    if (!shape.httpMethods.includes(req.method)) return fail('method_not_supported_for_channel_type')
    if (req.params.method === 'auth.test') return json(200, { ok: true, ...TEAM })
    const bad = checkArgs(shape, args)
    if (bad) return fail(bad)
    return postMessage(ctx.state, ctx.now, args)
  })

  function postMessage(state: SlackState, now: number, args: Record<string, unknown>): EmulatorReply {
    const raw = typeof args.channel === 'string' ? args.channel.trim() : ''
    if (raw === '') return fail('channel_not_found')
    const channel = normaliseChannel(raw)
    if (known && !known.includes(channel)) return fail('channel_not_found')
    const blocks = parseJsonArray(args.blocks)
    if (blocks === null) return fail('invalid_blocks')
    const textArg = typeof args.text === 'string' ? args.text : args.text === undefined ? '' : String(args.text)
    if (textArg === '' && !blocks && !args.attachments) return fail('no_text')
    if (textArg.length > 40_000) return fail('msg_too_long')
    const id = channelId(channel)
    const d = perChannel.take(id, now)
    if (!d.allowed) return json(429, { ok: false, error: 'ratelimited' }, retryAfter(d.retryAfterMs))
    const threadTs = typeof args.thread_ts === 'string' ? args.thread_ts : undefined
    const msg = post(state, now, {
      channel: id,
      text: textArg,
      ...(blocks ? { blocks } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
      via: 'api',
    })
    const message = {
      type: 'message',
      subtype: 'bot_message',
      text: msg.text,
      ts: msg.ts,
      bot_id: TEAM.bot_id,
      ...(blocks ? { blocks } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
    }
    return json(200, { ok: true, channel: id, ts: msg.ts, message })
  }

  return emu
}

/** Slack's HTTP-200 error envelope. */
function fail(error: string): EmulatorReply {
  return json(200, { ok: false, error })
}

function normaliseChannel(c: string): string {
  const t = c.trim()
  return /^[CGD][A-Z0-9]{6,}$/.test(t) ? t : t.replace(/^#/, '').toLowerCase()
}

/** A stable channel id for a channel name (ids pass through). */
export function channelId(channel: string): string {
  if (/^[CGD][A-Z0-9]{6,}$/.test(channel)) return channel
  return `C${createHash('sha1').update(channel).digest('hex').slice(0, 10).toUpperCase()}`
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s)
  } catch {
    return undefined
  }
}
