/**
 * The ingress half of `normalize`: a parsed body in, one normalised payload per provider event
 * out (each with its delivery id), or the 4xx that says what was wrong.
 * @module
 */
import { ErrorCodes } from '../../errors.js'
import { nestFormPairs } from '../body/form-nested.js'
import type { ParsedBody } from '../body/parse-body.js'
import { normalizeHubspotWebhook } from './hubspot.js'
import type { NormalizeProvider } from './index.js'
import { type NormalizeResult, normalizeMailchimpWebhook } from './mailchimp.js'

export interface NormalizedItem {
  payload: unknown
  deliveryId: string
  index?: number
}

export type NormalizeItemsResult =
  | { ok: true; items: NormalizedItem[] }
  | { ok: false; status: 400 | 415; code: string; message: string; details?: unknown }

function flatPairs(flat: Record<string, unknown>): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  for (const [k, v] of Object.entries(flat)) for (const one of Array.isArray(v) ? v : [v]) pairs.push([k, String(one)])
  return pairs
}

function invalid(provider: string, r: Extract<NormalizeResult<unknown>, { ok: false }>, index?: number): NormalizeItemsResult {
  const where = index === undefined ? '' : `[${index}].`
  return {
    ok: false,
    status: 400,
    code: ErrorCodes.PAYLOAD_INVALID,
    message: `not a ${provider} webhook: ${where}${r.field || '(event)'}: ${r.message}`,
    details: [{ path: `${where}${r.field}`, message: r.message, ...(index === undefined ? {} : { index }) }],
  }
}

export function normalizeItems(provider: NormalizeProvider, body: ParsedBody): NormalizeItemsResult {
  const first = body.items[0]?.payload
  if (provider === 'mailchimp') {
    let fields: Record<string, unknown>
    if (body.kind === 'form') {
      const nested = nestFormPairs(flatPairs(first as Record<string, unknown>))
      if ('ok' in nested) return nested
      fields = nested.value
    } else if (body.kind === 'json' && typeof first === 'object' && first !== null && !Array.isArray(first)) {
      fields = first as Record<string, unknown>
    } else {
      return {
        ok: false,
        status: 415,
        code: ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
        message: 'Mailchimp webhooks are application/x-www-form-urlencoded',
      }
    }
    const r = normalizeMailchimpWebhook(fields)
    return r.ok ? { ok: true, items: [{ payload: r.event, deliveryId: r.deliveryId }] } : invalid('Mailchimp', r)
  }
  if (body.kind !== 'json')
    return { ok: false, status: 415, code: ErrorCodes.UNSUPPORTED_MEDIA_TYPE, message: 'HubSpot webhooks are application/json' }
  const list = Array.isArray(first) ? first : [first]
  const items: NormalizedItem[] = []
  for (const [index, element] of list.entries()) {
    const r = normalizeHubspotWebhook(element)
    if (!r.ok) return invalid('HubSpot', r, Array.isArray(first) ? index : undefined)
    items.push(
      Array.isArray(first) ? { payload: r.event, deliveryId: r.deliveryId, index } : { payload: r.event, deliveryId: r.deliveryId },
    )
  }
  return { ok: true, items }
}
