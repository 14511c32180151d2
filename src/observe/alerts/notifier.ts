/**
 * Delivery of the notification outbox. Any process may deliver: a message is leased to one
 * process before it is sent, so it goes out once (at least once: a process that dies after
 * sending and before recording it leaves a lease that expires, and the message is sent
 * again — webhook receivers dedupe on `webhook-id`). A batch (an e-mail digest) is taken
 * whole by the one process that holds its key.
 *
 * Failures retry with doubling waits (30 s, 1 min, 2 min … at most 30 min) or the
 * provider's Retry-After, and give up after {@link MAX_ATTEMPTS} or on a permanent error.
 * @module
 */
import { isNonRetryable } from '../../errors.js'
import type { Store } from '../../store/contract.js'
import type { NotificationRecord } from '../../store/observe/contract.js'
import type { AlertChannel } from './contract.js'

export const MAX_ATTEMPTS = 12
const FIRST_RETRY_MS = 30_000
const LONGEST_RETRY_MS = 30 * 60_000
const SEND_TIMEOUT_MS = 20_000

export interface DeliveryReport {
  sent: Array<{ id: string; channel: string; kind: string; batch: string | null }>
  retrying: Array<{ id: string; channel: string; error: string }>
  failed: Array<{ id: string; channel: string; error: string }>
}

export interface DeliverOptions {
  store: Store
  channels: ReadonlyMap<string, AlertChannel>
  owner: string
  now: () => number
  leaseMs?: number
  dashboardUrl?: string
}

export function retryDelay(attempts: number, error: unknown): number {
  const after = (error as { retryAfterMs?: unknown })?.retryAfterMs
  if (typeof after === 'number' && after > 0) return after
  return Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1))
}

async function sendGroup(o: DeliverOptions, group: NotificationRecord[], report: DeliveryReport): Promise<void> {
  const first = group[0]!
  const channel = o.channels.get(first.channel)
  const settleAll = async (outcome: Parameters<Store['alerts']['settle']>[2]) => {
    for (const n of group) await o.store.alerts.settle(n.id, o.owner, outcome)
  }
  if (!channel) {
    const error = `channel "${first.channel}" is no longer configured`
    await settleAll({ error, retryAt: null, now: o.now() })
    for (const n of group) report.failed.push({ id: n.id, channel: n.channel, error })
    return
  }
  try {
    await channel.send(
      group.map((n) => ({ id: n.id, message: n.message })),
      { now: o.now(), signal: AbortSignal.timeout(SEND_TIMEOUT_MS), ...(o.dashboardUrl ? { dashboardUrl: o.dashboardUrl } : {}) },
    )
  } catch (error) {
    const message = (error as Error).message ?? String(error)
    const attempts = Math.max(...group.map((n) => n.attempts))
    const giveUp = isNonRetryable(error) || attempts >= MAX_ATTEMPTS
    const now = o.now()
    await settleAll({ error: message, retryAt: giveUp ? null : now + retryDelay(attempts, error), now })
    for (const n of group) (giveUp ? report.failed : report.retrying).push({ id: n.id, channel: n.channel, error: message })
    return
  }
  await settleAll({ sentAt: o.now() })
  for (const n of group) report.sent.push({ id: n.id, channel: n.channel, kind: n.kind, batch: n.batch })
}

/** Send every message that is due now: single ones, then whole batches. */
export async function deliverDue(o: DeliverOptions): Promise<DeliveryReport> {
  const report: DeliveryReport = { sent: [], retrying: [], failed: [] }
  const leaseMs = o.leaseMs ?? 60_000
  for (;;) {
    const now = o.now()
    const singles = await o.store.alerts.claim({ owner: o.owner, now, leaseMs, limit: 20 })
    if (singles.length === 0) break
    for (const n of singles) await sendGroup(o, [n], report)
  }
  for (const { batch } of await o.store.alerts.dueBatches(o.now())) {
    const now = o.now()
    // One process takes the whole batch; the key expires if it dies holding it.
    if (!(await o.store.setKeyIfAbsent('alert-batch', batch, o.owner, now, now + leaseMs))) continue
    try {
      const group = await o.store.alerts.claim({ owner: o.owner, now, leaseMs, limit: 1000, batch })
      if (group.length) await sendGroup(o, group, report)
    } finally {
      await o.store.deleteKey('alert-batch', batch)
    }
  }
  return report
}
