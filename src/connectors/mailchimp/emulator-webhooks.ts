/**
 * List webhooks in the Mailchimp emulator, sent the way Mailchimp sends them: saving one first
 * `GET`s the URL (anything but 200 refuses the webhook); events are `POST`ed as
 * `application/x-www-form-urlencoded` with `type`, `fired_at` (`YYYY-MM-DD HH:MM:SS`, UTC) and
 * bracketed `data[...]` fields, to every webhook of the list whose `events` and `sources`
 * include them. Deliveries run in the background; `flush()` waits for them.
 * @module
 */
import { type EmulatorReply, type EmulatorRequest, json } from '../../sandbox/reply.js'
import type { HookEvent } from './emulator-members.js'
import { invalid, type MailchimpState, metaOf, nextId, notFound, problem, type WebhookState } from './emulator-state.js'

export interface WebhookDelivery {
  webhookId: string
  url: string
  type: string
  source: string
  /** HTTP status the receiver answered, or 0 when it could not be reached. */
  status: number
  body: string
}

const EVENTS = ['subscribe', 'unsubscribe', 'profile', 'cleaned', 'upemail', 'campaign'] as const
const SOURCES = ['user', 'admin', 'api'] as const

/** `{ data: { merges: { FNAME } } }` → `data[merges][FNAME]=…` pairs, in order. */
export function formPairs(value: unknown, prefix = ''): Array<[string, string]> {
  if (value === null || value === undefined) return [[prefix, '']]
  if (typeof value !== 'object') return [[prefix, String(value)]]
  const out: Array<[string, string]> = []
  for (const [k, v] of Array.isArray(value) ? value.entries() : Object.entries(value))
    out.push(...formPairs(v, prefix ? `${prefix}[${k}]` : String(k)))
  return out
}

/** `fired_at`: `2026-03-26 21:35:57` in UTC. */
export function firedAt(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
}

function webhookJson(listId: string, w: WebhookState) {
  return { id: w.id, url: w.url, events: w.events, sources: w.sources, list_id: listId, _links: [] }
}

export function createWebhookHub(options: { fetch?: typeof fetch; timeoutMs?: number }) {
  const send = options.fetch ?? fetch
  const timeoutMs = options.timeoutMs ?? 10_000
  const pending = new Set<Promise<void>>()
  const deliveries: WebhookDelivery[] = []

  async function check(url: string): Promise<boolean> {
    try {
      const res = await send(url, {
        method: 'GET',
        signal: AbortSignal.timeout(timeoutMs),
        headers: { 'user-agent': 'MailChimp.com WebHook Validator' },
      })
      await res.arrayBuffer().catch(() => undefined)
      return res.status === 200
    } catch {
      return false
    }
  }

  function parseFlags<K extends string>(raw: unknown, keys: readonly K[], field: string): Record<K, boolean> | EmulatorReply {
    const out = Object.fromEntries(keys.map((k) => [k, true])) as Record<K, boolean>
    if (raw === undefined) return out
    if (typeof raw !== 'object' || raw === null) return invalid(field, 'Schema describes object')
    for (const [k, v] of Object.entries(raw)) {
      if (!(keys as readonly string[]).includes(k)) return invalid(`${field}.${k}`, `Unknown ${field} key`)
      out[k as K] = v === true
    }
    return out
  }

  return {
    deliveries: () => deliveries.slice(),
    /** Wait until every delivery started so far has finished. */
    async flush(): Promise<void> {
      while (pending.size > 0) await Promise.all([...pending])
    },

    async create(req: EmulatorRequest, state: MailchimpState): Promise<EmulatorReply> {
      const body = (req.body ?? {}) as { url?: unknown; events?: unknown; sources?: unknown }
      if (typeof body.url !== 'string' || !/^https?:\/\/\S+$/.test(body.url)) return invalid('url', 'This value should be a valid URL.')
      const meta = metaOf(state, req.params.list!)
      if ([...meta.webhooks.values()].some((w) => w.url === body.url))
        return problem(400, 'Invalid Resource', "Sorry, you can't use the same URL twice.")
      const events = parseFlags(body.events, EVENTS, 'events')
      if ('status' in events) return events as EmulatorReply
      const sources = parseFlags(body.sources, SOURCES, 'sources')
      if ('status' in sources) return sources as EmulatorReply
      if (!(await check(body.url)))
        return problem(
          400,
          'Invalid Resource',
          "The resource submitted could not be validated. For field-specific details, see the 'errors' array.",
          {
            errors: [
              { field: 'url', message: `We couldn't verify the URL is working. Please double check and try again. URL: ${body.url}` },
            ],
          },
        )
      const w: WebhookState = {
        id: nextId(state),
        url: body.url,
        events: events as WebhookState['events'],
        sources: sources as WebhookState['sources'],
      }
      meta.webhooks.set(w.id, w)
      return json(200, webhookJson(req.params.list!, w))
    },

    list(req: EmulatorRequest, state: MailchimpState): EmulatorReply {
      const hooks = [...metaOf(state, req.params.list!).webhooks.values()].map((w) => webhookJson(req.params.list!, w))
      return json(200, { webhooks: hooks, list_id: req.params.list, total_items: hooks.length, _links: [] })
    },

    get(req: EmulatorRequest, state: MailchimpState): EmulatorReply {
      const w = metaOf(state, req.params.list!).webhooks.get(req.params.webhook!)
      return w ? json(200, webhookJson(req.params.list!, w)) : notFound()
    },

    update(req: EmulatorRequest, state: MailchimpState): EmulatorReply {
      const w = metaOf(state, req.params.list!).webhooks.get(req.params.webhook!)
      if (!w) return notFound()
      const body = (req.body ?? {}) as { events?: unknown; sources?: unknown }
      if (body.events !== undefined) {
        const events = parseFlags(body.events, EVENTS, 'events')
        if ('status' in events) return events as EmulatorReply
        w.events = { ...w.events, ...(body.events as object) } as WebhookState['events']
      }
      if (body.sources !== undefined) {
        const sources = parseFlags(body.sources, SOURCES, 'sources')
        if ('status' in sources) return sources as EmulatorReply
        w.sources = { ...w.sources, ...(body.sources as object) } as WebhookState['sources']
      }
      return json(200, webhookJson(req.params.list!, w))
    },

    remove(req: EmulatorRequest, state: MailchimpState): EmulatorReply {
      return metaOf(state, req.params.list!).webhooks.delete(req.params.webhook!) ? { status: 204 } : notFound()
    },

    /** Send `events` to the webhooks that want them (in the background). */
    fire(state: MailchimpState, events: HookEvent[], now: number): void {
      for (const e of events) {
        for (const w of state.meta.get(e.listId)?.webhooks.values() ?? []) {
          if (!w.events[e.type] || (e.type !== 'cleaned' && e.type !== 'campaign' && !w.sources[e.source])) continue
          const body = new URLSearchParams([['type', e.type], ['fired_at', firedAt(now)], ...formPairs(e.data, 'data')]).toString()
          const p = (async () => {
            let status = 0
            try {
              const res = await send(w.url, {
                method: 'POST',
                body,
                headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'MailChimp' },
                signal: AbortSignal.timeout(timeoutMs),
              })
              status = res.status
              await res.arrayBuffer().catch(() => undefined)
            } catch {
              status = 0
            }
            deliveries.push({ webhookId: w.id, url: w.url, type: e.type, source: e.source, status, body })
          })()
          pending.add(p)
          void p.finally(() => pending.delete(p))
        }
      }
    },
  }
}

export type WebhookHub = ReturnType<typeof createWebhookHub>
