/**
 * The pure half of webhook ingress: everything between "bytes arrived on /hooks/<path>" and
 * "store these events", with no HTTP framework. The route calls {@link prepareDelivery} and
 * either stores `events` (then answers 202) or answers `status` with
 * `{"error":{"code","message","details"}}`.
 *
 * Order: size (413) → auth (401) → content type and charset (415) → parse (400) → split →
 * schema (400) → delivery ids. Nothing here reads the clock, the store or the environment.
 *
 * @example
 * ```ts
 * const r = prepareDelivery(trigger.options, { rawBody, headers: req.headers, url: req.url, method: req.method }, Date.now())
 * if (!r.ok) return reply.code(r.status).send({ error: { code: r.code, message: r.message, details: r.details } })
 * ```
 * @module
 */
import { type ErrorCode, ErrorCodes } from '../errors.js'
import type { WebhookTriggerOptions } from '../pipeline/types.js'
import { verifyWebhookAuth } from './auth/index.js'
import { parseBody } from './body/parse-body.js'
import { getPath } from './body/redact.js'
import { validatorFor } from './body/schema.js'
import { normalizeItems } from './normalize/items.js'

export { REDACTED, redactPaths } from './body/redact.js'

/** Same default as the trigger compiler (`1mb`). */
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024

export interface IngressRequest {
  /** The body exactly as received. */
  rawBody: Buffer
  headers: Record<string, string | string[] | undefined>
  /** Path and query as received, e.g. `/hooks/crm?src=x`. */
  url: string
  method: string
}

export interface IngressEvent {
  payload: unknown
  /** The payload's JSON text as received, when the whole body was this one JSON payload. */
  payloadJson?: string
  /** The sender's id of this event, or null when none could be found. */
  deliveryId: string | null
  /** Safe request facts for debugging (never auth, cookies, signatures or secrets). */
  meta: Record<string, unknown>
}

export interface IngressRejection {
  ok: false
  status: 400 | 401 | 413 | 415
  code: ErrorCode
  message: string
  details?: unknown
}

export type IngressResult = { ok: true; events: IngressEvent[] } | IngressRejection

/** Headers copied into `meta.headers` when present. Auth headers are never on this list. */
export const SAFE_HEADERS: readonly string[] = [
  'content-type',
  'content-length',
  'user-agent',
  'webhook-id',
  'webhook-timestamp',
  'x-request-id',
  'x-slack-request-timestamp',
  'x-slack-retry-num',
  'x-slack-retry-reason',
  'x-hubspot-request-timestamp',
  'x-github-delivery',
  'x-github-event',
  'x-forwarded-for',
]

function flatHeaders(headers: IngressRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k in headers) {
    const v = headers[k]
    if (v !== undefined) out[k.toLowerCase()] = typeof v === 'string' ? v : v.join(', ')
  }
  return out
}

/**
 * The headers a trigger may copy into `meta.headers`: {@link SAFE_HEADERS} plus its delivery-id
 * header, less its auth header. Worked out once per trigger options object.
 */
const safeNamesByTrigger = new WeakMap<WebhookTriggerOptions, readonly string[]>()

function safeNames(trigger: WebhookTriggerOptions): readonly string[] {
  let names = safeNamesByTrigger.get(trigger)
  if (names) return names
  const auth = trigger.auth as { header?: string } | undefined
  const hidden = auth?.header?.toLowerCase()
  const allowed = typeof trigger.deliveryId === 'string' ? [...SAFE_HEADERS, trigger.deliveryId.toLowerCase()] : SAFE_HEADERS
  names = allowed.filter((name) => name !== hidden)
  safeNamesByTrigger.set(trigger, names)
  return names
}

function safeHeaders(trigger: WebhookTriggerOptions, headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of safeNames(trigger)) if (headers[name] !== undefined) out[name] = headers[name]
  return out
}

function reject(status: IngressRejection['status'], code: ErrorCode, message: string, details?: unknown): IngressRejection {
  return details === undefined ? { ok: false, status, code, message } : { ok: false, status, code, message, details }
}

function idText(v: unknown): string | null {
  if (typeof v === 'string' && v.trim() !== '') return v.trim()
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  return null
}

function splitPath(split: WebhookTriggerOptions['split']): string | undefined {
  if (split === 'hubspot') return 'eventId'
  return typeof split === 'object' ? split.deliveryIdPath : undefined
}

interface Item {
  payload: unknown
  /** Where the item came from when the body held several: array index or CSV line. */
  index?: number
  rowNumber?: number
  /** The JSON text of a payload that was the whole body (never of a split element or CSV row). */
  json?: string
  /** Set by `normalize`: the provider event's own delivery id. */
  deliveryId?: string
}

/** Validate, split and identify one webhook request. Pure: `now` (ms) is the only clock. */
export function prepareDelivery(trigger: WebhookTriggerOptions, req: IngressRequest, now: number): IngressResult {
  const max = trigger.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  if (req.rawBody.length > max) {
    return reject(413, ErrorCodes.PAYLOAD_TOO_LARGE, `body is ${req.rawBody.length} bytes; this webhook accepts at most ${max} bytes`)
  }
  const auth = verifyWebhookAuth(trigger.auth, req, now)
  if (!auth.ok) return reject(401, ErrorCodes.UNAUTHORIZED, `webhook authentication failed: ${auth.reason}`)

  const headers = flatHeaders(req.headers)
  const body = parseBody(req.rawBody, headers['content-type'])
  if (!body.ok) return reject(body.status, body.code, body.message, body.details)

  let items: Item[] = body.items
  // A CSV with only a header, or an empty array with `split`, leaves `items` empty: the route
  // answers 202 `{ runs: [] }` and stores nothing.
  let splitting = trigger.split !== undefined && body.kind === 'json' && Array.isArray(items[0]?.payload)
  if (trigger.normalize) {
    const n = normalizeItems(trigger.normalize, body)
    if (!n.ok) return reject(n.status, n.code as ErrorCode, n.message, n.details)
    items = n.items
    splitting = n.items.length !== 1 || n.items[0]?.index !== undefined
  } else if (splitting) items = (items[0]!.payload as unknown[]).map((payload, index) => ({ payload, index }))

  if (trigger.schema !== undefined && trigger.schema !== null) {
    const validate = validatorFor(trigger.schema as object)
    const problems: Array<{ path: string; message: string; index?: number; rowNumber?: number }> = []
    for (const item of items) {
      for (const issue of validate(item.payload)) {
        const where = item.index !== undefined ? { index: item.index } : item.rowNumber !== undefined ? { rowNumber: item.rowNumber } : {}
        const path =
          item.index !== undefined ? `[${item.index}]${issue.path && !issue.path.startsWith('[') ? '.' : ''}${issue.path}` : issue.path
        problems.push({ ...where, path, message: issue.message })
      }
    }
    if (problems.length > 0) {
      const first = problems[0]!
      const at = first.rowNumber !== undefined ? `CSV line ${first.rowNumber}, ` : ''
      const summary = `${at}${first.path || '(payload)'}: ${first.message}`
      const more = problems.length > 1 ? ` and ${problems.length - 1} more` : ''
      return reject(400, ErrorCodes.PAYLOAD_INVALID, `payload does not match the webhook schema: ${summary}${more}`, problems)
    }
  }

  const fromSplit = body.kind === 'json' ? splitPath(trigger.split) : undefined
  const headerId = idText(headers[typeof trigger.deliveryId === 'string' ? trigger.deliveryId.toLowerCase() : 'webhook-id'])
  const several = splitting || body.kind === 'csv'
  const baseMeta = {
    contentType: body.mediaType,
    charset: body.charset,
    bytes: req.rawBody.length,
    userAgent: headers['user-agent'] ?? null,
    headers: safeHeaders(trigger, headers),
  }

  const events: IngressEvent[] = []
  for (const item of items) {
    const position = item.index ?? item.rowNumber
    let deliveryId: string | null = item.deliveryId ?? null
    if (deliveryId === null && fromSplit) deliveryId = idText(getPath(item.payload, fromSplit))
    if (deliveryId === null && typeof trigger.deliveryId === 'function') {
      const computed = userDeliveryId(trigger.deliveryId, item.payload, headers, position)
      if (computed !== null && typeof computed === 'object') return computed
      deliveryId = computed
    }
    if (deliveryId === null && headerId !== null) deliveryId = several ? `${headerId}:${position}` : headerId
    const meta: Record<string, unknown> = { ...baseMeta }
    if (item.index !== undefined) meta.index = item.index
    if (item.rowNumber !== undefined) meta.rowNumber = item.rowNumber
    events.push(
      item.json === undefined
        ? { payload: item.payload, deliveryId, meta }
        : { payload: item.payload, payloadJson: item.json, deliveryId, meta },
    )
  }
  return { ok: true, events }
}

/**
 * Call the trigger's `deliveryId` function. It sees the sender's payload, so a throw (a field
 * the sender left out) is the sender's problem: 400 naming the function and its message.
 */
function userDeliveryId(
  fn: (payload: any, headers: Record<string, string>) => string | undefined,
  payload: unknown,
  headers: Record<string, string>,
  position: number | undefined,
): string | null | IngressRejection {
  try {
    return idText(fn(payload, headers))
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e)
    const at = position === undefined ? '' : ` for item ${position}`
    return reject(400, ErrorCodes.BAD_REQUEST, `the trigger's deliveryId function failed${at}: ${why.slice(0, 200)}`)
  }
}
