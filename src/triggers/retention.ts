/**
 * Retained raw copies of webhook deliveries, for debugging ("what exactly did the sender
 * post?"). A copy is kept only when the trigger sets `retain`, with the trigger's `redact`
 * paths masked, in the store's keyed values under {@link RETAINED_NAMESPACE} with an expiry:
 * reads stop returning it once `ttl` has passed, and {@link startRetentionSweeper} deletes
 * expired rows.
 *
 * The event itself (what the run sees, and what replay uses) is stored unredacted; redaction
 * is for the copies people look at.
 *
 * @example
 * ```ts
 * const copy = await tryGetRetained(hub.store, eventId, Date.now())
 * // { pipelineId, deliveryId, receivedAt, expiresAt, meta: { contentType, bytes, headers }, payload }
 * ```
 * @module
 */
import type { Store } from '../store/contract.js'
import { redactPaths } from './body/redact.js'
import type { IngressEvent } from './ingress.js'

export const RETAINED_NAMESPACE = 'webhook:retained'

export interface RetainedDelivery {
  pipelineId: string
  deliveryId: string | null
  receivedAt: number
  expiresAt: number
  /** Content type, charset, size, user agent and allow-listed headers (never auth or signatures). */
  meta: Record<string, unknown>
  /** The parsed payload with the trigger's `redact` paths masked. */
  payload: unknown
}

/** The copy to keep for one accepted event (redaction applied here, once). */
export function retainedCopy(
  pipelineId: string,
  event: IngressEvent,
  redact: readonly string[] | undefined,
  receivedAt: number,
  retainMs: number,
): RetainedDelivery {
  return {
    pipelineId,
    deliveryId: event.deliveryId,
    receivedAt,
    expiresAt: receivedAt + retainMs,
    meta: event.meta,
    payload: redact && redact.length > 0 ? redactPaths(event.payload, redact) : event.payload,
  }
}

/** Write the copy under the event id; resolves once durable (the ack does not wait for it). */
export function storeRetained(store: Pick<Store, 'setKey'>, eventId: string, copy: RetainedDelivery): Promise<void> {
  return store.setKey(RETAINED_NAMESPACE, eventId, copy, copy.receivedAt, copy.expiresAt)
}

/** The retained copy of an event, or undefined when none was kept or it has expired. */
export async function tryGetRetained(store: Pick<Store, 'getKey'>, eventId: string, now: number): Promise<RetainedDelivery | undefined> {
  const kv = await store.getKey(RETAINED_NAMESPACE, eventId, now)
  return kv ? (kv.value as RetainedDelivery) : undefined
}

/**
 * Delete expired keyed values (retained copies among them) every `intervalMs`. The timer is
 * unref'd; call the returned function to stop it. Errors are reported, never thrown.
 */
export function startRetentionSweeper(
  store: Pick<Store, 'purgeExpired'>,
  now: () => number,
  onError: (error: unknown) => void,
  intervalMs = 3_600_000,
): () => void {
  const timer = setInterval(() => {
    store.purgeExpired(now()).catch(onError)
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
