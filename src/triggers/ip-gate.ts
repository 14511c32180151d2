/**
 * The `allowIps` gate of a webhook trigger: one compiled matcher per trigger options object.
 * @module
 */
import type { WebhookTriggerOptions } from '../pipeline/types.js'
import { clientAddress, compileAllowIps } from './ip-allowlist.js'

const matchers = new WeakMap<WebhookTriggerOptions, (address: string | null) => boolean>()

/** Whether the request may reach this trigger: always without `allowIps`. */
export function senderAllowed(
  trigger: WebhookTriggerOptions,
  req: { remoteAddress?: string; headers: Record<string, string | string[] | undefined> },
  trustedProxies: number,
): boolean {
  if (!trigger.allowIps) return true
  let match = matchers.get(trigger)
  if (!match) {
    match = compileAllowIps(trigger.allowIps)
    matchers.set(trigger, match)
  }
  return match(clientAddress(req.remoteAddress, req.headers['x-forwarded-for'], trustedProxies))
}
